/** Direction algebra of RFC 3264 §6.1 and §8.4 (hold). */
import type { MediaDirection } from './types.js';

export function sends(direction: MediaDirection): boolean {
  return direction === 'sendrecv' || direction === 'sendonly';
}

export function receives(direction: MediaDirection): boolean {
  return direction === 'sendrecv' || direction === 'recvonly';
}

export function directionOf(send: boolean, receive: boolean): MediaDirection {
  if (send) return receive ? 'sendrecv' : 'sendonly';
  return receive ? 'recvonly' : 'inactive';
}

/**
 * Our direction given what we want and what the far end declared: we send only if we want to and
 * they receive; we receive only if we want to and they send. For a sendonly offer this is
 * recvonly, for recvonly sendonly, for inactive inactive (RFC 3264 §6.1).
 */
export function answerDirection(local: MediaDirection, remote: MediaDirection): MediaDirection {
  return directionOf(sends(local) && receives(remote), receives(local) && sends(remote));
}

export function isDirection(value: unknown): value is MediaDirection {
  return (
    value === 'sendrecv' || value === 'sendonly' || value === 'recvonly' || value === 'inactive'
  );
}
