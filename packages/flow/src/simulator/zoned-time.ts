/**
 * Reads a scenario's start time: ISO 8601 with a zone (`2026-11-23T09:00-05:00`, `...Z`) as
 * written, or a local time (`2026-11-23T09:00`) in the user's IANA zone. Intl only (no Node,
 * no library), so the editor's test panel can use it too.
 */

import { zonedFormatter } from '../time-zone-formatters.js';

const LOCAL_OR_ZONED =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Epoch ms of `text`; throws an Error saying what is wrong with it. */
export function parseStartTime(text: string, timeZone: string): number {
  const m = LOCAL_OR_ZONED.exec(text.trim());
  if (m === null) {
    throw new Error(
      `"${text}" is not a date and time like 2026-11-23T09:00 (in the user's zone) or 2026-11-23T09:00-05:00`,
    );
  }
  const [year, month, day, hour, minute, second, ms] = [1, 2, 3, 4, 5, 6, 7].map((i) =>
    Number(m[i] ?? 0),
  ) as [number, number, number, number, number, number, number];
  const wall = Date.UTC(
    year,
    month - 1,
    day,
    hour,
    minute,
    second,
    Number(String(ms).padEnd(3, '0')),
  );
  const check = new Date(wall);
  if (
    month < 1 ||
    month > 12 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    throw new Error(`"${text}" is not a real date and time`);
  }
  const zone = m[8];
  if (zone !== undefined) {
    if (zone === 'Z') return wall;
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    return wall - sign * offsetMin * 60_000;
  }
  // A local time: subtract the zone's offset at that moment. Near a DST change the first guess
  // can be an hour off, so correct once with the offset at the guess.
  const guess = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(guess, timeZone);
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  try {
    return zonedFormatter(timeZone, true);
  } catch {
    throw new Error(`"${timeZone}" is not a known IANA time zone (e.g. America/New_York)`);
  }
}

/** Checks a zone name the way the start time will use it. */
export function assertTimeZone(timeZone: string): void {
  formatter(timeZone);
}

/** The zone's offset from UTC at `epochMs`, in ms (negative west of Greenwich). */
function offsetAt(epochMs: number, timeZone: string): number {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of formatter(timeZone).formatToParts(epochMs)) parts[part.type] = part.value;
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour) % 24,
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - (epochMs - (((epochMs % 1000) + 1000) % 1000));
}
