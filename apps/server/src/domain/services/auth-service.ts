import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ApiToken, User } from '../model/index.js';
import type { Clock } from '../ports/clock.js';
import type { AuthRepository, UserRepository } from '../ports/store.js';
import { hashPassword, verifyPassword } from './passwords.js';

/** Prefix of API tokens, so they are recognisable in configs and by secret scanners. */
export const API_TOKEN_PREFIX = 'sbt_';
export const DEFAULT_SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Writing `lastUsedAt` on every request would turn reads into writes; once a minute is plenty. */
const TOKEN_TOUCH_INTERVAL_MS = 60_000;

export interface AuthServiceDeps {
  readonly users: UserRepository;
  readonly auth: AuthRepository;
  readonly clock: Clock;
  readonly sessionTtlMs?: number;
}

export interface NewSession {
  readonly user: User;
  /** The cookie value; only its SHA-256 is stored. */
  readonly token: string;
  readonly expiresAt: number;
}

export interface SessionIdentity {
  readonly via: 'session';
  readonly user: User;
  readonly tokenHash: string;
  readonly expiresAt: number;
}

export interface TokenIdentity {
  readonly via: 'token';
  readonly user: User;
  readonly tokenId: string;
  readonly tokenHash: string;
}

export type Identity = SessionIdentity | TokenIdentity;

export interface NewApiToken {
  readonly token: ApiToken;
  /** The bearer secret, shown once. */
  readonly secret: string;
}

/** SHA-256 hex of a secret: what the store keeps instead of the secret. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Sign-in, sessions and API tokens. Secrets are 32 random bytes; the store only ever sees their
 * SHA-256, so a leaked database does not hand out live sessions.
 */
export class AuthService {
  private readonly sessionTtlMs: number;
  /** Hash checked when the email is unknown, so both failures cost one scrypt. */
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly deps: AuthServiceDeps) {
    this.sessionTtlMs = deps.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  }

  /**
   * Checks the credentials and opens a session, or returns undefined. An unknown email and a
   * wrong password look the same and take about the same time (one scrypt each), so the answer
   * does not reveal which accounts exist.
   */
  async login(email: string, password: string): Promise<NewSession | undefined> {
    const user = await this.deps.users.findByEmail(email.trim().toLowerCase());
    if (!user) {
      this.dummyHash ??= hashPassword(randomSecret());
      await verifyPassword(password, await this.dummyHash);
      return undefined;
    }
    if (!(await verifyPassword(password, user.passwordHash))) return undefined;

    const now = this.deps.clock.now();
    // Housekeeping rides on sign-ins: cheap, and sessions pile up no faster than sign-ins.
    await this.deps.auth.deleteExpiredSessions(now);
    const token = randomSecret();
    const expiresAt = now + this.sessionTtlMs;
    await this.deps.auth.putSession({
      tokenHash: hashSecret(token),
      userId: user.id,
      createdAt: now,
      expiresAt,
    });
    return { user, token, expiresAt };
  }

  /** Ends the session holding this cookie value; unknown values are ignored. */
  async logout(sessionToken: string): Promise<void> {
    await this.deps.auth.deleteSession(hashSecret(sessionToken));
  }

  /** The signed-in user of a session cookie value, or undefined if unknown or expired. */
  async authenticateSession(sessionToken: string): Promise<SessionIdentity | undefined> {
    if (sessionToken === '') return undefined;
    const tokenHash = hashSecret(sessionToken);
    const session = await this.deps.auth.getSession(tokenHash);
    if (!session) return undefined;
    if (session.expiresAt <= this.deps.clock.now()) {
      await this.deps.auth.deleteSession(tokenHash);
      return undefined;
    }
    const user = await this.deps.users.get(session.userId);
    if (!user) return undefined;
    return { via: 'session', user, tokenHash, expiresAt: session.expiresAt };
  }

  /** The owner of an API token (`sbt_...`), or undefined if unknown or revoked. */
  async authenticateApiToken(secret: string): Promise<TokenIdentity | undefined> {
    if (!secret.startsWith(API_TOKEN_PREFIX)) return undefined;
    const tokenHash = hashSecret(secret);
    const token = await this.deps.auth.findApiToken(tokenHash);
    if (!token) return undefined;
    const user = await this.deps.users.get(token.userId);
    if (!user) return undefined;
    const now = this.deps.clock.now();
    if (token.lastUsedAt === null || now - token.lastUsedAt >= TOKEN_TOUCH_INTERVAL_MS) {
      await this.deps.auth.touchApiToken(token.id, now);
    }
    return { via: 'token', user, tokenId: token.id, tokenHash };
  }

  /**
   * Checks again that an identity found earlier still holds: its session not ended or expired,
   * its token not revoked, its user still there. Returns it with the user as stored now (the
   * role may have changed), or undefined. For long-lived connections such as WebSockets.
   */
  async revalidate(identity: Identity): Promise<Identity | undefined> {
    if (identity.via === 'session') {
      const session = await this.deps.auth.getSession(identity.tokenHash);
      if (!session || session.expiresAt <= this.deps.clock.now()) return undefined;
      const user = await this.deps.users.get(session.userId);
      return user && { ...identity, user, expiresAt: session.expiresAt };
    }
    const token = await this.deps.auth.findApiToken(identity.tokenHash);
    if (token?.id !== identity.tokenId) return undefined;
    const user = await this.deps.users.get(token.userId);
    return user && { ...identity, user };
  }

  /**
   * Ends every session of a user, except the one whose cookie hashes to `exceptTokenHash` (the
   * caller's own, when they changed their own password). Returns how many ended. API tokens are
   * separate credentials and stay; they are revoked one by one.
   */
  endSessionsOfUser(userId: string, exceptTokenHash?: string): Promise<number> {
    return this.deps.auth.deleteSessionsOfUser(userId, exceptTokenHash);
  }

  async createApiToken(userId: string, name: string): Promise<NewApiToken> {
    const secret = API_TOKEN_PREFIX + randomSecret();
    const token: ApiToken = {
      id: randomUUID(),
      userId,
      name,
      tokenHash: hashSecret(secret),
      createdAt: this.deps.clock.now(),
      lastUsedAt: null,
    };
    await this.deps.auth.putApiToken(token);
    return { token, secret };
  }

  listApiTokens(userId: string): Promise<ApiToken[]> {
    return this.deps.auth.listApiTokens(userId);
  }

  /** Revokes one of the user's tokens; false if the user has no such token. */
  revokeApiToken(userId: string, id: string): Promise<boolean> {
    return this.deps.auth.deleteApiToken(userId, id);
  }
}
