/**
 * Single-valued header fields with a small grammar: CSeq (RFC 3261 §20.16), Max-Forwards
 * (§20.22), Expires (§20.19), Content-Length (§20.14) and Content-Type (§20.15).
 */
import { malformed } from './errors.js';
import { parseParams } from './params.js';
import { TOKEN, is, isToken, isWsp, parseBoundedInt, skipWs, trimWs } from './syntax.js';
import type { Params } from './uri.js';

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** RFC 3261 §8.1.1.5: the sequence number must fit in 32 bits (RFC 4475 §3.1.2.4). */
export const MAX_CSEQ = 0xffffffff;

/** `CSeq: 1*DIGIT LWS Method`; leading zeros allowed (RFC 4475 §3.1.1.1: `0009`). */
export function parseCSeq(value: string): CSeq {
  const text = trimWs(value);
  let i = 0;
  while (i < text.length && !isWsp(text.charCodeAt(i))) i += 1;
  const seq = parseBoundedInt(text.slice(0, i), MAX_CSEQ);
  if (seq === undefined) throw malformed('CSeq', 'the sequence number must be 0 to 2**32-1');
  const methodStart = skipWs(text, i);
  if (methodStart === i) throw malformed('CSeq', 'missing method');
  const method = text.slice(methodStart);
  if (!isToken(method)) throw malformed('CSeq', 'invalid method');
  return { seq, method };
}

/** `Max-Forwards: 1*DIGIT`, 0 to 255 (RFC 3261 §20.22; RFC 4475 §3.1.2.4 has 300). */
export function parseMaxForwards(value: string): number {
  const hops = parseBoundedInt(trimWs(value), 255);
  if (hops === undefined) throw malformed('Max-Forwards', 'must be 0 to 255');
  return hops;
}

/** delta-seconds: 1*DIGIT, at most 2**32-1 (RFC 3261 §20.19, RFC 4475 §3.1.2.4). */
export function parseDeltaSeconds(value: string, header: string): number {
  const seconds = parseBoundedInt(trimWs(value), 0xffffffff);
  if (seconds === undefined) throw malformed(header, 'must be a number of seconds, 0 to 2**32-1');
  return seconds;
}

/** Content-Length: 1*DIGIT (RFC 4475 §3.1.2.3: a negative value is an error). */
export function parseContentLength(value: string, max: number): number | undefined {
  return parseBoundedInt(trimWs(value), max);
}

export interface ContentType {
  /** Lower-cased type: `application`. */
  readonly type: string;
  /** Lower-cased subtype: `sdp`. */
  readonly subtype: string;
  /** `type/subtype`, lower-cased, for comparisons: `application/sdp`. */
  readonly mediaType: string;
  /** m-parameters (boundary, charset...), lower-cased names, values as written. */
  readonly params: Params;
}

/** `media-type = m-type SLASH m-subtype *(SEMI m-parameter)` (RFC 3261 §25.1). */
export function parseContentType(value: string): ContentType {
  const header = 'Content-Type';
  let i = skipWs(value, 0);
  const typeStart = i;
  while (i < value.length && is(value.charCodeAt(i), TOKEN)) i += 1;
  const type = value.slice(typeStart, i).toLowerCase();
  i = skipWs(value, i);
  if (type.length === 0 || value.charCodeAt(i) !== 0x2f)
    throw malformed(header, 'expected type/subtype');
  i = skipWs(value, i + 1);
  const subStart = i;
  while (i < value.length && is(value.charCodeAt(i), TOKEN)) i += 1;
  const subtype = value.slice(subStart, i).toLowerCase();
  if (subtype.length === 0) throw malformed(header, 'missing subtype');
  const params = parseParams(value, i, header);
  return { type, subtype, mediaType: `${type}/${subtype}`, params };
}
