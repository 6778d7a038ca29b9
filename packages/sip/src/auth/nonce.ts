// Stateless server nonces (RFC 7616 §3.3 leaves the nonce format to the server and suggests a
// time stamp plus a hash with a private key). Any instance holding the same secret verifies any
// other's nonces, and expiry needs no table.
//
// Layout, base64url without padding (43 characters):
//   bytes  0..8   issue time, epoch ms, unsigned big-endian
//   bytes  8..16  random salt: two challenges in the same millisecond must not share a nonce,
//                 or their nonce counts (replay protection) would collide
//   bytes 16..32  HMAC-SHA-256(secret, bytes 0..16 || realm), first 16 bytes

import { createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';

const TIME_BYTES = 8;
const SALT_BYTES = 8;
const MAC_BYTES = 16;
const HEAD_BYTES = TIME_BYTES + SALT_BYTES;
const NONCE_BYTES = HEAD_BYTES + MAC_BYTES;
const NONCE_CHARS = Math.ceil((NONCE_BYTES * 4) / 3);

export type NonceCheck =
  | { readonly status: 'valid'; readonly issuedAt: number }
  | { readonly status: 'expired'; readonly issuedAt: number }
  | { readonly status: 'invalid' };

export function issueNonce(secret: Buffer, realm: string, now: number): string {
  const bytes = Buffer.allocUnsafe(NONCE_BYTES);
  writeTime(bytes, now);
  randomFillSync(bytes, TIME_BYTES, SALT_BYTES);
  mac(secret, bytes.subarray(0, HEAD_BYTES), realm).copy(bytes, HEAD_BYTES, 0, MAC_BYTES);
  return bytes.toString('base64url');
}

/**
 * Checks that `nonce` was issued by a holder of `secret` for `realm`, and whether it is older
 * than `ttlMs`. A nonce from more than `ttlMs` in the future (clock skew between instances
 * beyond any reason) is invalid.
 */
export function checkNonce(
  secret: Buffer,
  realm: string,
  nonce: string,
  now: number,
  ttlMs: number,
): NonceCheck {
  if (nonce.length !== NONCE_CHARS) return { status: 'invalid' };
  const bytes = Buffer.from(nonce, 'base64url');
  // Node's decoder skips characters it does not know and ignores spare low bits: only the
  // canonical spelling of the bytes is a nonce we issued.
  if (bytes.length !== NONCE_BYTES || bytes.toString('base64url') !== nonce) {
    return { status: 'invalid' };
  }
  const expected = mac(secret, bytes.subarray(0, HEAD_BYTES), realm).subarray(0, MAC_BYTES);
  if (!timingSafeEqual(expected, bytes.subarray(HEAD_BYTES))) return { status: 'invalid' };
  const issuedAt = readTime(bytes);
  const age = now - issuedAt;
  if (age < -ttlMs) return { status: 'invalid' };
  return age > ttlMs ? { status: 'expired', issuedAt } : { status: 'valid', issuedAt };
}

function mac(secret: Buffer, head: Buffer, realm: string): Buffer {
  return createHmac('sha256', secret).update(head).update(realm, 'utf8').digest();
}

function writeTime(bytes: Buffer, ms: number): void {
  const value = Math.max(0, Math.floor(ms));
  bytes.writeUInt32BE(Math.floor(value / 0x1_0000_0000), 0);
  bytes.writeUInt32BE(value % 0x1_0000_0000, 4);
}

function readTime(bytes: Buffer): number {
  return bytes.readUInt32BE(0) * 0x1_0000_0000 + bytes.readUInt32BE(4);
}
