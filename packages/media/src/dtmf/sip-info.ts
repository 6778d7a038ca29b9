/**
 * DTMF carried in SIP INFO bodies (RFC 6086 INFO; the de facto `application/dtmf-relay` body,
 * "Signal=5\r\nDuration=160", and the bare `application/dtmf` body, "5"). The signalling layer
 * parses the request and hands the body here; the result goes to `RtpSession.injectDtmf`.
 */
import type { DtmfEvent } from '../frames.js';
import { digitOfEvent, eventOfDigit } from './events.js';

/** Bodies longer than this are not DTMF. */
const MAX_BODY = 1024;

/**
 * The digit in an INFO body, `undefined` when the content type is not a DTMF one or the body
 * names no digit. Durations are in ms (absent: 0).
 */
export function parseSipInfoDtmf(contentType: string, body: string): DtmfEvent | undefined {
  const type = contentType.split(';')[0]?.trim().toLowerCase();
  if (body.length > MAX_BODY) return undefined;
  if (type === 'application/dtmf-relay') {
    let digit: string | undefined;
    let durationMs = 0;
    for (const line of body.split(/\r?\n/)) {
      const match = /^\s*([A-Za-z]+)\s*=\s*(\S+)\s*$/.exec(line);
      if (match === null) continue;
      const key = match[1]?.toLowerCase();
      const value = match[2] ?? '';
      if (key === 'signal') digit = signalDigit(value);
      else if (key === 'duration' && /^\d{1,6}$/.test(value)) durationMs = Number(value);
    }
    return digit === undefined ? undefined : { digit, durationMs, via: 'sip-info' };
  }
  if (type === 'application/dtmf') {
    const digit = signalDigit(body.trim());
    return digit === undefined ? undefined : { digit, durationMs: 0, via: 'sip-info' };
  }
  return undefined;
}

/** A digit, or the event numbers some phones send instead (10 = *, 11 = #, 12-15 = A-D). */
function signalDigit(value: string): string | undefined {
  if (eventOfDigit(value) >= 0) return value.toUpperCase();
  if (/^\d{2}$/.test(value)) return digitOfEvent(Number(value));
  return undefined;
}
