/**
 * HTTP range requests (RFC 9110 §14) for audio files: one byte range per request, as browsers'
 * `<audio>` elements and download tools send it. Several ranges (multipart/byteranges) are not
 * served: the whole file is, which the RFC allows (a server MAY ignore Range, §14.2).
 */

export type RangeDecision =
  /** Send the whole file, 200. */
  | { readonly kind: 'full' }
  /** Send bytes start..end (inclusive), 206 with Content-Range. */
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  /** 416 with `Content-Range: bytes *\/size`. */
  | { readonly kind: 'unsatisfiable' };

const FULL: RangeDecision = { kind: 'full' };
const SINGLE = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

/**
 * What to send for the `Range` header `header` of a file of `size` bytes. A header that cannot
 * be read, names another unit, or asks for several ranges is ignored (the whole file); a range
 * beginning past the end, or an empty suffix, is unsatisfiable (§14.1.1, §15.5.17).
 */
export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return FULL;
  const match = SINGLE.exec(header.trim());
  if (match === null) return FULL;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return FULL;
  if (first === '') {
    // bytes=-N: the last N bytes.
    const suffix = Number(last);
    if (!Number.isSafeInteger(suffix)) return FULL;
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return FULL;
  if (end < start) return FULL; // invalid (§14.1.1): ignored
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}
