// Server side of SIP Digest authentication: challenges and verification of credentials
// (RFC 3261 §22.1-§22.4, RFC 7616, RFC 8760).

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from './clock.js';
import {
  computeDigestResponse,
  computeHa1,
  DIGEST_ALGORITHMS,
  parseDigestAlgorithm,
  isSessionAlgorithm,
  type DigestAlgorithm,
} from './digest-algorithm.js';
import {
  AuthHeaderFormatError,
  formatChallenge,
  parseCredentials,
  type DigestCredentials,
} from './digest-header.js';
import { checkNonce, issueNonce } from './nonce.js';
import { NonceCountTable } from './nonce-counts.js';

export interface DigestAuthenticatorOptions {
  /** The protection domain shown to users (RFC 3261 §22.1), e.g. the SIP domain. */
  readonly realm: string;
  /** Key for the nonce MACs, at least 16 bytes; instances sharing it accept each other's nonces. */
  readonly secret: Buffer;
  readonly clock: Clock;
  /** How long a nonce is good for; an older one earns `stale`. Default 5 minutes. */
  readonly nonceTtlMs?: number;
  /**
   * Algorithms offered, most preferred first: one challenge each, in this order (RFC 8760
   * §2.3). Default SHA-256 then MD5, the latter for phones that know nothing else.
   */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** Quality of protection offered; only `auth` (auth-int is refused, see `verify`). */
  readonly qop?: 'auth';
  /** Sent in every challenge and required back unchanged when set (RFC 7616 §3.3). */
  readonly opaque?: string;
  /** Nonces whose counts are remembered for replay protection. Default 10,000. */
  readonly maxTrackedNonces?: number;
  /**
   * Accept credentials without qop (RFC 2069 clients, RFC 3261 §22.4). They carry no nonce
   * count, so each nonce is then good for one request only. Default false.
   */
  readonly allowRfc2069?: boolean;
}

/** What the account store knows about a user: the password, or H(user:realm:password). */
export type StoredSecret = { readonly password: string } | { readonly ha1: string };

/**
 * Looks up the secret of `username` in `realm`. `ha1` must be computed with the hash of
 * `algorithm` (an MD5 HA1 cannot answer a SHA-256 challenge); see `computeHa1`. Resolve
 * `undefined` for an unknown user. A rejection propagates out of `verify` (a store failure
 * is not a wrong password).
 */
export type CredentialLookup = (
  username: string,
  realm: string,
  algorithm: DigestAlgorithm,
) => Promise<StoredSecret | undefined>;

export interface VerifyInput {
  /** The request method (RFC 3261 §22.4: the method of the request the credentials are in). */
  readonly method: string;
  /**
   * The Authorization (or Proxy-Authorization) header values of the request. With several,
   * the one for this realm is used (RFC 3261 §22.3).
   */
  readonly authorization: string | readonly string[];
  readonly lookup: CredentialLookup;
}

export type VerifyFailReason =
  /** The header could not be read, or a field is missing or out of range. */
  | 'malformed'
  /** No credentials for this realm. */
  | 'realm'
  /** An algorithm this authenticator does not offer. */
  | 'algorithm'
  /** qop missing (RFC 2069 not allowed) or auth-int / unknown. */
  | 'qop'
  /** The nonce was not issued by this secret for this realm. */
  | 'nonce'
  /** The opaque value is not the one sent. */
  | 'opaque'
  /** Wrong response: wrong password *or unknown user* (the two are indistinguishable). */
  | 'credentials'
  /** The nonce count was used before. */
  | 'replay';

export type VerifyResult =
  | {
      readonly status: 'ok';
      readonly username: string;
      readonly algorithm: DigestAlgorithm;
      /**
       * The digest-uri the response covers. Checking it against the Request-URI is the
       * caller's job (RFC 7616 §3.4.6); proxies may legitimately rewrite the Request-URI.
       */
      readonly uri: string;
      readonly qop: 'auth' | undefined;
    }
  | {
      /** The response was right but the nonce is too old: answer `challenge({ stale: true })`. */
      readonly status: 'stale';
      readonly username: string;
    }
  | {
      readonly status: 'fail';
      readonly reason: VerifyFailReason;
      /** The username claimed, when the credentials were readable (for the failure limiter). */
      readonly username?: string;
      /** For logs only, never for the peer. */
      readonly detail?: string;
    };

const DEFAULT_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'MD5'];
const MIN_SECRET_BYTES = 16;

/**
 * Challenges requests and verifies Digest credentials, with stateless nonces (see nonce.ts)
 * and a bounded table of nonce counts against replays.
 *
 * An unknown username takes the same path as a known one: a response is computed against a
 * random dummy secret, compared in constant time, and the result is the same
 * `fail`/`credentials` a wrong password gets, so scanners (SIPVicious svwar) cannot tell
 * accounts apart. What the store itself takes to answer is the store's to keep even.
 */
export class DigestAuthenticator {
  readonly realm: string;
  private readonly secret: Buffer;
  private readonly clock: Clock;
  private readonly nonceTtlMs: number;
  private readonly algorithms: readonly DigestAlgorithm[];
  private readonly opaque: string | undefined;
  private readonly allowRfc2069: boolean;
  private readonly counts: NonceCountTable;
  /** Stands in for the password of users that do not exist. */
  private readonly dummyPassword = randomBytes(16).toString('hex');

  constructor(options: DigestAuthenticatorOptions) {
    this.realm = options.realm;
    this.clock = options.clock;
    this.opaque = options.opaque;
    this.allowRfc2069 = options.allowRfc2069 ?? false;
    if (options.realm.length === 0) throw new RangeError('realm must not be empty');
    if (options.secret.length < MIN_SECRET_BYTES) {
      throw new RangeError(`secret must hold at least ${MIN_SECRET_BYTES} bytes`);
    }
    // Copied so a caller reusing its buffer cannot change the key under us.
    this.secret = Buffer.from(options.secret);
    this.nonceTtlMs = positiveInteger('nonceTtlMs', options.nonceTtlMs ?? 5 * 60_000);
    this.counts = new NonceCountTable(
      positiveInteger('maxTrackedNonces', options.maxTrackedNonces ?? 10_000),
    );
    const algorithms = options.algorithms ?? DEFAULT_ALGORITHMS;
    if (algorithms.length === 0) throw new RangeError('algorithms must not be empty');
    for (const algorithm of algorithms) {
      if (!DIGEST_ALGORITHMS.includes(algorithm)) {
        throw new RangeError(`unknown digest algorithm "${algorithm}"`);
      }
    }
    if (new Set(algorithms).size !== algorithms.length) {
      throw new RangeError('algorithms must not repeat');
    }
    this.algorithms = [...algorithms];
    // `qop` is typed 'auth' only; a JavaScript caller may still pass something else.
    const qop: unknown = options.qop;
    if (qop !== undefined && qop !== 'auth') {
      throw new RangeError(`qop ${JSON.stringify(qop)} is not supported; use "auth"`);
    }
    try {
      this.challenge();
    } catch (error) {
      if (error instanceof AuthHeaderFormatError) {
        throw new RangeError(`${error.field} cannot be written in a challenge: ${error.message}`);
      }
      throw error;
    }
  }

  /**
   * WWW-Authenticate (for a UAS or registrar, with 401) or Proxy-Authenticate (for a proxy,
   * with 407) values: one per algorithm, most preferred first (RFC 8760 §2.3), sharing one
   * fresh nonce. `stale: true` after a `stale` result (RFC 7616 §3.3).
   *
   * `algorithms` narrows the offer for one response, in the order given (a subset of the
   * configured ones). Some clients cannot cope with several challenges: SIPp 3.6 answers only
   * the first and knows only MD5; baresip 1.0 gives up when any challenge names an algorithm
   * it does not know. Choose the narrower offer from something every request shows (the
   * User-Agent, the listening address), never from the account claimed: an unknown user
   * would then get a different challenge from a known one.
   */
  challenge(options?: {
    readonly stale?: boolean;
    readonly algorithms?: readonly DigestAlgorithm[];
  }): string[] {
    const algorithms = options?.algorithms ?? this.algorithms;
    if (algorithms.length === 0 || algorithms.some((a) => !this.algorithms.includes(a))) {
      throw new RangeError(
        `challenge algorithms must be some of ${this.algorithms.join(', ')}, got [${algorithms.join(', ')}]`,
      );
    }
    const nonce = issueNonce(this.secret, this.realm, this.clock.now());
    const stale = options?.stale === true ? true : undefined;
    return algorithms.map((algorithm) =>
      formatChallenge({
        realm: this.realm,
        nonce,
        algorithm,
        qop: ['auth'],
        opaque: this.opaque,
        stale,
      }),
    );
  }

  /**
   * Verifies the credentials of a request. Never throws for anything the peer sent; a
   * rejection of `lookup` propagates. Checking the digest-uri against the Request-URI is left
   * to the caller (see `VerifyResult`).
   */
  async verify(input: VerifyInput): Promise<VerifyResult> {
    const picked = this.pickCredentials(input.authorization);
    if (!('response' in picked)) return picked;
    const credentials = picked;
    const { username } = credentials;

    const algorithm = parseDigestAlgorithm(credentials.algorithm);
    if (algorithm === undefined || !this.algorithms.includes(algorithm)) {
      return fail('algorithm', username, `algorithm ${credentials.algorithm ?? 'MD5'}`);
    }
    let count = 0;
    if (credentials.qop === undefined) {
      // RFC 7616 §3.4.2: the -sess algorithms need a cnonce, which only qop brings.
      if (!this.allowRfc2069 || isSessionAlgorithm(algorithm)) {
        return fail('qop', username, 'no qop');
      }
    } else if (credentials.qop === 'auth') {
      count = Number.parseInt(credentials.nc ?? '', 16);
      if (!(count >= 1)) return fail('malformed', username, 'nc must be at least 1');
    } else {
      // auth-int would need the body and buys little in SIP: refused, not half-done.
      return fail('qop', username, `qop ${credentials.qop}`);
    }
    if (this.opaque !== undefined && credentials.opaque !== this.opaque) {
      return fail('opaque', username);
    }
    const nonce = checkNonce(
      this.secret,
      this.realm,
      credentials.nonce,
      this.clock.now(),
      this.nonceTtlMs,
    );
    if (nonce.status === 'invalid') return fail('nonce', username);

    const stored = await input.lookup(username, this.realm, algorithm);
    const ha1 =
      stored === undefined
        ? computeHa1(algorithm, username, this.realm, this.dummyPassword)
        : 'ha1' in stored
          ? stored.ha1.toLowerCase()
          : computeHa1(algorithm, username, this.realm, stored.password);
    const expected = computeDigestResponse({
      algorithm,
      ha1,
      nonce: credentials.nonce,
      method: input.method,
      uri: credentials.uri,
      qop: credentials.qop === 'auth' ? 'auth' : undefined,
      cnonce: credentials.cnonce,
      nc: credentials.nc,
    });
    const matches = equalHex(expected, credentials.response);
    if (!matches || stored === undefined) return fail('credentials', username);

    // RFC 7616 §3.3: a right answer to an old nonce earns a new challenge with stale=true, so
    // the client retries without asking its user for the password again.
    if (nonce.status === 'expired') return { status: 'stale', username };
    // One nonce serves every algorithm of a challenge; a count is per answer to one of them.
    // (The nonce has a fixed length and algorithm names hold no newline: the key is unambiguous.)
    const key = `${credentials.nonce}${algorithm}\n${username}`;
    if (credentials.qop === undefined) {
      // RFC 2069 has no count: the nonce is good once, then the client gets a fresh one.
      if (this.counts.use(key, 1) !== 'fresh') return { status: 'stale', username };
      return { status: 'ok', username, algorithm, uri: credentials.uri, qop: undefined };
    }
    const outcome = this.counts.use(key, count);
    if (outcome === 'replay') return fail('replay', username);
    // Not in the table with a count above 1: evicted, restarted, or another instance's client.
    // Replays cannot be told apart, so a fresh nonce is the safe answer that costs a round trip.
    if (outcome === 'unknown') return { status: 'stale', username };
    return { status: 'ok', username, algorithm, uri: credentials.uri, qop: 'auth' };
  }

  /** The credentials for this realm among the Authorization values, or why there are none. */
  private pickCredentials(
    authorization: string | readonly string[],
  ): DigestCredentials | VerifyResult {
    const values = typeof authorization === 'string' ? [authorization] : authorization;
    let firstError: string | undefined;
    let otherRealm = false;
    for (const value of values) {
      const parsed = parseCredentials(value);
      if (!parsed.ok) {
        firstError ??= parsed.error.message;
        continue;
      }
      if (parsed.value.realm === this.realm) return parsed.value;
      otherRealm = true;
    }
    if (otherRealm) return fail('realm', undefined);
    return fail('malformed', undefined, firstError ?? 'no credentials');
  }
}

function fail(
  reason: VerifyFailReason,
  username: string | undefined,
  detail?: string,
): VerifyResult {
  const result: { status: 'fail'; reason: VerifyFailReason; username?: string; detail?: string } = {
    status: 'fail',
    reason,
  };
  if (username !== undefined) result.username = username;
  if (detail !== undefined) result.detail = detail;
  return result;
}

/** Constant-time comparison of the expected hex digest with what the client sent. */
function equalHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  if (a.length !== b.length) {
    // Same work either way; the length of a digest is public anyway.
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
