// Digest response arithmetic shared by the server and the client (RFC 7616 §3.4.1-§3.4.3,
// RFC 2617 §3.2.2 for qop, RFC 2069 §2.1.2 when no qop, RFC 8760 §2.1 for SIP's algorithms).

import { createHash } from 'node:crypto';

/** Algorithm names of the IANA "HTTP Digest Hash Algorithms" registry that SIP uses (RFC 8760). */
export type DigestAlgorithm =
  'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = [
  'MD5',
  'MD5-sess',
  'SHA-256',
  'SHA-256-sess',
  'SHA-512-256',
  'SHA-512-256-sess',
];

/** qop values this stack can compute. The server accepts only `auth`. */
export type DigestQop = 'auth' | 'auth-int';

const BY_LOWER_NAME = new Map<string, DigestAlgorithm>(
  DIGEST_ALGORITHMS.map((name) => [name.toLowerCase(), name]),
);

const NODE_HASH: Record<DigestAlgorithm, string> = {
  MD5: 'md5',
  'MD5-sess': 'md5',
  'SHA-256': 'sha256',
  'SHA-256-sess': 'sha256',
  'SHA-512-256': 'sha512-256',
  'SHA-512-256-sess': 'sha512-256',
};

/** Higher is stronger; the session variants hash with the same function as their base. */
const STRENGTH: Record<DigestAlgorithm, number> = {
  MD5: 1,
  'MD5-sess': 1,
  'SHA-256': 2,
  'SHA-256-sess': 2,
  'SHA-512-256': 3,
  'SHA-512-256-sess': 3,
};

/**
 * The algorithm an `algorithm` parameter names, case-insensitively; an absent parameter means
 * MD5 (RFC 7616 §3.3). `undefined` for an algorithm this stack does not know.
 */
export function parseDigestAlgorithm(token: string | undefined): DigestAlgorithm | undefined {
  if (token === undefined) return 'MD5';
  return BY_LOWER_NAME.get(token.toLowerCase());
}

export function algorithmStrength(algorithm: DigestAlgorithm): number {
  return STRENGTH[algorithm];
}

export function isSessionAlgorithm(algorithm: DigestAlgorithm): boolean {
  return algorithm.endsWith('-sess');
}

/** H(data) as lower-case hex (RFC 7616 §3.4.1: digests are written in lower-case hex). */
export function digestHash(algorithm: DigestAlgorithm, data: string | Uint8Array): string {
  return createHash(NODE_HASH[algorithm]).update(data).digest('hex');
}

/**
 * H(username ":" realm ":" password), the secret a registrar may store instead of the password
 * (RFC 7616 §3.4.2). Always the non-session form, with the algorithm's hash function.
 */
export function computeHa1(
  algorithm: DigestAlgorithm,
  username: string,
  realm: string,
  password: string,
): string {
  return digestHash(algorithm, `${username}:${realm}:${password}`);
}

export interface DigestResponseInput {
  readonly algorithm: DigestAlgorithm;
  /** H(username:realm:password) of `computeHa1`, lower-case hex. */
  readonly ha1: string;
  readonly nonce: string;
  readonly method: string;
  readonly uri: string;
  /** Absent: RFC 2069 compatibility (no cnonce, no nc). */
  readonly qop?: DigestQop | undefined;
  /** Required with qop and with the -sess algorithms. */
  readonly cnonce?: string | undefined;
  /** Nonce count as written in the header: 8 hex digits. Required with qop. */
  readonly nc?: string | undefined;
  /** H(entity-body) for qop=auth-int. */
  readonly bodyHash?: string | undefined;
}

/**
 * The request-digest ("response" parameter), RFC 7616 §3.4.1:
 * with qop:    H( HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2 )
 * without qop: H( HA1 ":" nonce ":" HA2 )                (RFC 2069)
 * where HA2 = H( method ":" uri [ ":" H(body) for auth-int ] ), and for -sess algorithms
 * HA1 is H( H(user:realm:pass) ":" nonce ":" cnonce ) (RFC 7616 §3.4.2).
 */
export function computeDigestResponse(input: DigestResponseInput): string {
  const { algorithm, nonce, qop } = input;
  const cnonce = input.cnonce ?? '';
  const ha1 = isSessionAlgorithm(algorithm)
    ? digestHash(algorithm, `${input.ha1}:${nonce}:${cnonce}`)
    : input.ha1;
  const a2 =
    qop === 'auth-int'
      ? `${input.method}:${input.uri}:${input.bodyHash ?? digestHash(algorithm, '')}`
      : `${input.method}:${input.uri}`;
  const ha2 = digestHash(algorithm, a2);
  if (qop === undefined) return digestHash(algorithm, `${ha1}:${nonce}:${ha2}`);
  return digestHash(algorithm, `${ha1}:${nonce}:${input.nc ?? ''}:${cnonce}:${qop}:${ha2}`);
}

/** Nonce count as a header value: 8 lower-case hex digits (RFC 7616 §3.4). */
export function formatNonceCount(count: number): string {
  if (!Number.isInteger(count) || count < 1 || count > 0xffffffff) {
    throw new RangeError(`nonce count must be an integer from 1 to 4294967295, got ${count}`);
  }
  return count.toString(16).padStart(8, '0');
}
