import type { Identity } from '../domain/services/auth-service.js';

/**
 * Close code of an event socket whose credential no longer holds (signed out, token revoked,
 * password changed, account deleted). In the 4000-4999 range that RFC 6455 leaves to
 * applications; 4401 echoes HTTP 401 so clients know to sign in again rather than reconnect.
 */
export const CLOSE_UNAUTHENTICATED = 4401;
/** Close code when the user's role changed: reconnecting gets the events of the new role. */
export const CLOSE_ROLE_CHANGED = 4403;

/** How the registry ends a socket: stop its events, then close it with a code and reason. */
export type CloseSocket = (code: number, reason: string) => void;

interface Entry {
  readonly identity: Identity;
  readonly close: CloseSocket;
}

/**
 * The open event sockets by the credential that opened them, so ending a credential (sign-out,
 * token revoked, password change, user deleted or demoted) closes its sockets at once instead
 * of at the next keep-alive re-check. Each server instance knows only its own sockets; the
 * periodic re-check covers sockets on other instances.
 */
export class LiveSockets {
  private readonly entries = new Set<Entry>();

  /** Registers an open socket; returns its removal (call it when the socket closes). */
  add(identity: Identity, close: CloseSocket): () => void {
    const entry: Entry = { identity, close };
    this.entries.add(entry);
    return () => {
      this.entries.delete(entry);
    };
  }

  get size(): number {
    return this.entries.size;
  }

  /** Closes the sockets opened with the session whose cookie hashes to `tokenHash`. */
  closeSession(tokenHash: string, reason: string): number {
    return this.closeWhere(
      (identity) => identity.via === 'session' && identity.tokenHash === tokenHash,
      CLOSE_UNAUTHENTICATED,
      reason,
    );
  }

  /** Closes the sockets opened with the API token `tokenId`. */
  closeToken(tokenId: string, reason: string): number {
    return this.closeWhere(
      (identity) => identity.via === 'token' && identity.tokenId === tokenId,
      CLOSE_UNAUTHENTICATED,
      reason,
    );
  }

  /** Closes a user's session sockets, except those of the session hashed `exceptTokenHash`. */
  closeSessionsOfUser(userId: string, reason: string, exceptTokenHash?: string): number {
    return this.closeWhere(
      (identity) =>
        identity.via === 'session' &&
        identity.user.id === userId &&
        identity.tokenHash !== exceptTokenHash,
      CLOSE_UNAUTHENTICATED,
      reason,
    );
  }

  /** Closes every socket of a user, whatever opened it. */
  closeUser(userId: string, reason: string, code = CLOSE_UNAUTHENTICATED): number {
    return this.closeWhere((identity) => identity.user.id === userId, code, reason);
  }

  private closeWhere(match: (identity: Identity) => boolean, code: number, reason: string): number {
    let closed = 0;
    for (const entry of [...this.entries]) {
      if (!match(entry.identity)) continue;
      this.entries.delete(entry);
      entry.close(code, reason);
      closed += 1;
    }
    return closed;
  }
}
