/** o= line bookkeeping (RFC 4566 §5.2, RFC 3264 §8: same session id, version + 1 per new SDP). */
import { randomInt } from 'node:crypto';
import type { SdpOrigin } from './types.js';

/** The origin for the next SDP of a dialog: a new one for the first, else version + 1. */
export function nextOrigin(previous: SdpOrigin | undefined, username = '-'): SdpOrigin {
  if (previous !== undefined) {
    return { ...previous, sessionVersion: previous.sessionVersion + 1 };
  }
  // RFC 4566 suggests an NTP timestamp; any unique numeric string works. Kept well below 2^53
  // because sdp-transform reads these fields as numbers.
  const sessionId = String(randomInt(1, 2 ** 47));
  return { username: username.replace(/\s/g, '') || '-', sessionId, sessionVersion: 1 };
}
