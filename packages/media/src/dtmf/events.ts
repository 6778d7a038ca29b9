/** DTMF digits and their RFC 4733 event codes (§3.2, table 1: events 0-15). */

const DIGITS = '0123456789*#ABCD';

/** The digit of an event code 0-15, `undefined` for anything else (flash, tones...). */
export function digitOfEvent(event: number): string | undefined {
  return event >= 0 && event < 16 ? DIGITS[event] : undefined;
}

/** The event code of a digit (`0`-`9`, `*`, `#`, `A`-`D`, case-insensitive), else -1. */
export function eventOfDigit(digit: string): number {
  return digit.length === 1 ? DIGITS.indexOf(digit.toUpperCase()) : -1;
}

/** Why digits could not be sent. */
export class DtmfError extends Error {
  override readonly name = 'DtmfError';
}

/** Checks a digit string and returns the event codes, or throws a DtmfError naming the culprit. */
export function eventsOfDigits(digits: string): number[] {
  const events: number[] = [];
  for (const digit of digits) {
    const event = eventOfDigit(digit);
    if (event < 0) {
      throw new DtmfError(`"${digit}" is not a DTMF digit (0-9, *, #, A-D) in "${digits}"`);
    }
    events.push(event);
  }
  return events;
}
