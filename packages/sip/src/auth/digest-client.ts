// Client side of SIP Digest authentication, for trunks and servers that challenge us
// (RFC 3261 §22.2-§22.3, RFC 7616 §3.4, RFC 8760 §2.4).

import { randomBytes } from 'node:crypto';
import {
  algorithmStrength,
  computeDigestResponse,
  computeHa1,
  digestHash,
  formatNonceCount,
  isSessionAlgorithm,
  parseDigestAlgorithm,
  type DigestAlgorithm,
  type DigestQop,
} from './digest-algorithm.js';
import {
  AuthHeaderFormatError,
  formatCredentials,
  parseChallenges,
  type DigestChallenge,
} from './digest-header.js';

export type DigestClientErrorCode =
  /** No challenge value could be read. */
  | 'malformed-challenge'
  /** Challenges were read, but none with an algorithm and qop this stack can answer. */
  | 'no-usable-challenge'
  /** A value given by the caller cannot be used (nc out of range, control characters...). */
  | 'bad-input';

export class DigestClientError extends Error {
  override readonly name = 'DigestClientError';
  constructor(
    readonly code: DigestClientErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A challenge this stack can answer, with what it will answer it with. */
export interface ChosenChallenge {
  readonly challenge: DigestChallenge;
  readonly algorithm: DigestAlgorithm;
  /** undefined: an RFC 2069 server (no qop offered). */
  readonly qop: DigestQop | undefined;
}

/**
 * Picks the challenge to answer among WWW-Authenticate / Proxy-Authenticate values: the
 * strongest algorithm offered (SHA-512-256 > SHA-256 > MD5), the first one on a tie.
 *
 * RFC 8760 §2.4 says to use the topmost supported challenge "unless a local policy dictates
 * otherwise"; ours is strength, because challenges are not integrity-protected and an on-path
 * attacker could move MD5 to the top (the downgrade RFC 8760 §3 warns about).
 */
export function selectChallenge(
  values: string | readonly string[],
  accept?: (challenge: DigestChallenge) => boolean,
): ChosenChallenge | DigestClientError {
  let best: ChosenChallenge | undefined;
  let read = 0;
  let firstError: string | undefined;
  for (const value of typeof values === 'string' ? [values] : values) {
    const parsed = parseChallenges(value);
    if (!parsed.ok) {
      firstError ??= parsed.error.message;
      continue;
    }
    for (const challenge of parsed.value) {
      read++;
      if (accept !== undefined && !accept(challenge)) continue;
      const chosen = usable(challenge);
      if (chosen === undefined) continue;
      if (
        best === undefined ||
        algorithmStrength(chosen.algorithm) > algorithmStrength(best.algorithm)
      ) {
        best = chosen;
      }
    }
  }
  if (best !== undefined) return best;
  if (read === 0) {
    return new DigestClientError('malformed-challenge', firstError ?? 'no challenge given');
  }
  return new DigestClientError(
    'no-usable-challenge',
    'no challenge with a supported algorithm and qop',
  );
}

function usable(challenge: DigestChallenge): ChosenChallenge | undefined {
  // RFC 8760 §2.4 / RFC 7616 §3.7: a challenge with an unknown algorithm is ignored.
  const algorithm = parseDigestAlgorithm(challenge.algorithm);
  if (algorithm === undefined) return undefined;
  let qop: DigestQop | undefined;
  if (challenge.qop !== undefined && challenge.qop.length > 0) {
    // auth when offered: it needs no body and is what every server checks.
    if (challenge.qop.includes('auth')) qop = 'auth';
    else if (challenge.qop.includes('auth-int')) qop = 'auth-int';
    else return undefined;
  } else if (isSessionAlgorithm(algorithm)) {
    // -sess needs a cnonce, and RFC 2069 mode (no qop) has none.
    return undefined;
  }
  return { challenge, algorithm, qop };
}

export interface AnswerOptions {
  readonly method: string;
  /** The digest-uri: the Request-URI of the request being authorized (RFC 3261 §22.4). */
  readonly uri: string;
  readonly username: string;
  readonly password: string;
  /** Client nonce; random by default. Ignored without qop. */
  readonly cnonce?: string;
  /** How many requests this nonce has authorized, this one included; default 1. */
  readonly nc?: number;
  /** Message body, for qop=auth-int only (a server offering nothing else). */
  readonly body?: string | Uint8Array;
}

export interface AuthorizeOptions extends AnswerOptions {
  /** The WWW-Authenticate or Proxy-Authenticate value(s) of the 401/407. */
  readonly challenge: string | readonly string[];
}

/**
 * The Authorization (after a 401) or Proxy-Authorization (after a 407) value answering the
 * strongest usable challenge. Throws `DigestClientError` when nothing can be answered.
 */
export function authorize(options: AuthorizeOptions): string {
  const chosen = selectChallenge(options.challenge);
  if (chosen instanceof DigestClientError) throw chosen;
  return answerChallenge(chosen, options);
}

/** Credentials answering one chosen challenge. Throws `DigestClientError` on bad input. */
export function answerChallenge(chosen: ChosenChallenge, options: AnswerOptions): string {
  const { challenge, algorithm, qop } = chosen;
  const withQop = qop !== undefined;
  let nc: string | undefined;
  try {
    nc = withQop ? formatNonceCount(options.nc ?? 1) : undefined;
  } catch (error) {
    throw new DigestClientError('bad-input', (error as Error).message);
  }
  const cnonce = withQop ? (options.cnonce ?? newCnonce()) : undefined;
  const ha1 = computeHa1(algorithm, options.username, challenge.realm, options.password);
  const response = computeDigestResponse({
    algorithm,
    ha1,
    nonce: challenge.nonce,
    method: options.method,
    uri: options.uri,
    qop,
    cnonce,
    nc,
    bodyHash: qop === 'auth-int' ? digestHash(algorithm, options.body ?? '') : undefined,
  });
  try {
    return formatCredentials({
      username: options.username,
      realm: challenge.realm,
      nonce: challenge.nonce,
      uri: options.uri,
      response,
      // RFC 7616 §3.4: algorithm and opaque are echoed as the server sent them.
      algorithm: challenge.algorithm,
      cnonce,
      opaque: challenge.opaque,
      qop,
      nc,
    });
  } catch (error) {
    if (error instanceof AuthHeaderFormatError)
      throw new DigestClientError('bad-input', error.message);
    throw error;
  }
}

function newCnonce(): string {
  return randomBytes(12).toString('hex');
}

// ---------------------------------------------------------------------------------------------

export type ChallengeHeaderName = 'WWW-Authenticate' | 'Proxy-Authenticate';

export interface AuthorizationHeader {
  readonly name: 'Authorization' | 'Proxy-Authorization';
  readonly value: string;
}

export interface DigestSessionOptions {
  readonly username: string;
  readonly password: string;
  /**
   * Realms this password may answer; any realm when absent. A response lets its receiver try
   * passwords offline, so a trunk's password is best kept to the trunk's realm.
   */
  readonly realms?: readonly string[];
  /** Client nonce source; random by default. */
  readonly cnonce?: () => string;
}

interface RealmState {
  readonly header: ChallengeHeaderName;
  readonly chosen: ChosenChallenge;
  readonly cnonce: string;
  /** Requests this nonce has authorized so far. */
  nc: number;
}

/**
 * Credentials for one registration or dialog towards a server that challenges: remembers the
 * last challenge per realm (RFC 3261 §22.3 — a request through proxies may need one per realm),
 * counts `nc` per nonce, and tells whether a new challenge is worth a retry.
 */
export class DigestSession {
  private readonly states = new Map<string, RealmState>();

  constructor(private readonly options: DigestSessionOptions) {}

  /**
   * Learns the challenges of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate). Returns
   * true when sending the request again with `authorize()` can succeed: a usable challenge for
   * a new realm, `stale=true`, or a new nonce after an old one served several requests. Returns
   * false when nothing usable came, or when a realm challenges again right after its nonce's
   * first use without `stale` — the password is wrong (RFC 3261 §22.2: do not retry the same
   * credentials). Callers still cap retries per request.
   */
  handleChallenge(header: ChallengeHeaderName, values: readonly string[]): boolean {
    const realms = this.options.realms;
    const chosenByRealm = new Map<string, ChosenChallenge>();
    for (const value of values) {
      const chosen = selectChallenge(
        value,
        realms === undefined ? undefined : (challenge) => realms.includes(challenge.realm),
      );
      if (chosen instanceof DigestClientError) continue;
      const realm = chosen.challenge.realm;
      const previous = chosenByRealm.get(realm);
      if (
        previous === undefined ||
        algorithmStrength(chosen.algorithm) > algorithmStrength(previous.algorithm)
      ) {
        chosenByRealm.set(realm, chosen);
      }
    }
    let progress = false;
    let rejected = false;
    for (const [realm, chosen] of chosenByRealm) {
      const key = `${header}\n${realm}`;
      const previous = this.states.get(key);
      // Refused on the nonce's first use, and not for staleness: the password is wrong. A nonce
      // that already served several requests may simply have expired at a server that does
      // not say stale, which is worth one retry.
      if (previous?.nc === 1 && chosen.challenge.stale !== true) rejected = true;
      else progress = true;
      this.states.set(key, {
        header,
        chosen,
        cnonce: this.options.cnonce?.() ?? newCnonce(),
        nc: 0,
      });
    }
    return progress && !rejected;
  }

  /** Authorization / Proxy-Authorization values for the next request, one per realm known. */
  authorize(method: string, uri: string, body?: string | Uint8Array): AuthorizationHeader[] {
    const headers: AuthorizationHeader[] = [];
    for (const [key, state] of this.states) {
      if (state.nc >= 0xffffffff) {
        // The count is spent: forget the nonce and let the server challenge again.
        this.states.delete(key);
        continue;
      }
      state.nc += 1;
      const value = answerChallenge(state.chosen, {
        method,
        uri,
        username: this.options.username,
        password: this.options.password,
        cnonce: state.cnonce,
        nc: state.nc,
        body,
      });
      headers.push({
        name: state.header === 'WWW-Authenticate' ? 'Authorization' : 'Proxy-Authorization',
        value,
      });
    }
    return headers;
  }

  /** Forgets every challenge (after a password change, or to start over). */
  clear(): void {
    this.states.clear();
  }
}
