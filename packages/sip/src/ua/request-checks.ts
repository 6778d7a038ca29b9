/**
 * The checks a UAS core makes before it looks at what a request asks (RFC 3261 §8.2): the
 * Request-URI scheme (416, §8.2.2.1), Max-Forwards (483, the rule of §16.3 step 3 applied by the
 * UA core as the last element a request can reach), Require (420 with Unsupported, §8.2.2.3) and
 * the body of an INVITE or UPDATE (415 with Accept, §8.2.3), in the order of §8.2. The merged-request
 * check (482, §8.2.2.2), between the two, needs state and lives in `MergedRequestDetector`.
 */
import type { HeaderField, SipRequest } from '../message/index.js';

/** A response decided by a check: the status and the header fields it needs. */
export interface Refusal {
  readonly status: number;
  readonly reason?: string;
  readonly headers?: readonly HeaderField[];
}

/** Request-URI schemes this user agent serves (§8.2.2.1). */
const SCHEMES = new Set(['sip', 'sips', 'tel']);

/** Bodies a session can be described with (§8.2.3). */
const SESSION_TYPES = new Set(['application/sdp']);

/**
 * §8.2.2.1 and §16.3: checks on the Request-URI and Max-Forwards, made before the merged-request
 * check. Undefined when they pass. Throws the message layer's `SipMessageError` (400) for an
 * unreadable Max-Forwards.
 */
export function checkAddressing(request: SipRequest): Refusal | undefined {
  // §8.2.2.1: a scheme we do not understand.
  if (!SCHEMES.has(request.uri.scheme.toLowerCase())) return { status: 416 };
  // §16.3 step 3: no hop left. OPTIONS may still be answered by the element itself.
  if (request.maxForwards() === 0 && request.method !== 'OPTIONS') return { status: 483 };
  return undefined;
}

/**
 * §8.2.2.3 and §8.2.3: Require (option-tags in `supported`, lower-case, pass) and the type of a
 * session description. Undefined when they pass. Throws `SipMessageError` (400) for an
 * unreadable Content-Type.
 */
export function checkExtensions(
  request: SipRequest,
  supported: ReadonlySet<string>,
): Refusal | undefined {
  // §8.2.2.3: Require is not checked for CANCEL, nor for ACK (whose INVITE was checked).
  // (Most requests have no Require: looked for before any list is made.)
  if (request.method !== 'CANCEL' && request.method !== 'ACK' && request.hasHeader('require')) {
    const unsupported = request
      .headerList('Require')
      .filter((tag) => !supported.has(tag.toLowerCase()));
    if (unsupported.length > 0) {
      return { status: 420, headers: [{ name: 'Unsupported', value: unsupported.join(', ') }] };
    }
  }
  // §8.2.3: a session description we cannot read.
  if (
    (request.method === 'INVITE' || request.method === 'UPDATE') &&
    request.body.length > 0 &&
    !SESSION_TYPES.has(request.contentType?.mediaType ?? '')
  ) {
    return { status: 415, headers: [{ name: 'Accept', value: 'application/sdp' }] };
  }
  return undefined;
}
