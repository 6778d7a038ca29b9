import { z } from 'zod';
import { zonedFormatter } from '../../time-zone-formatters.js';
import { defineElement } from '../element.js';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
type Day = (typeof DAYS)[number];

const TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const END_TIME = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function minutesOf(hhmm: string): number {
  const [h = 0, m = 0] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (m === null) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

function isTimeZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

const RangeSchema = z
  .strictObject({
    days: z
      .array(z.enum(DAYS))
      .min(1, 'pick at least one day')
      .describe('The days this range starts on.')
      .meta({ title: 'Days' }),
    from: z
      .string()
      .regex(TIME, 'a time is HH:MM, 00:00 to 23:59')
      .describe('Opening time, HH:MM (24-hour clock).')
      .meta({ title: 'From' }),
    to: z
      .string()
      .regex(END_TIME, 'a time is HH:MM, 00:00 to 24:00')
      .describe(
        'Closing time, HH:MM; 24:00 is midnight at the end of the day. A time before `from` ' +
          'runs past midnight into the next day (22:00 to 06:00).',
      )
      .meta({ title: 'To' }),
  })
  .refine((range) => minutesOf(range.from) !== minutesOf(range.to), {
    message: 'from and to are the same time; use 00:00 to 24:00 for the whole day',
    path: ['to'],
  });

export type OpeningRange = z.output<typeof RangeSchema>;

/**
 * Opening hours in the user's time zone. A range is open from `from` (included) to `to`
 * (excluded) on each of its days; when `to` is earlier than `from` it runs past midnight and the
 * early hours belong to the day it started on. A holiday is closed for its whole local day, and
 * a range that starts on a holiday is cancelled, early hours of the next day included.
 * Local time comes from Intl with the zone's rules, so DST changes need nothing special: a
 * skipped hour never happens and a repeated hour is judged by its wall-clock time both times.
 */
export const scheduleElement = defineElement({
  type: 'schedule',
  label: 'Schedule',
  category: 'decision',
  description: 'Goes one way during opening hours and another when closed or on a holiday.',
  config: z.strictObject({
    hours: z
      .array(RangeSchema)
      .max(100, 'must hold at most 100 ranges')
      .default([{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }])
      .describe('Weekly opening hours. No range at all means always closed.')
      .meta({ title: 'Opening hours' }),
    holidays: z
      .array(z.string().refine(isCalendarDate, 'a holiday is a date written YYYY-MM-DD'))
      .max(1000, 'must hold at most 1000 dates')
      .default([])
      .describe('Dates closed all day (YYYY-MM-DD, in the time zone below).')
      .meta({ title: 'Holidays' }),
    timezone: z
      .string()
      .refine(isTimeZone, 'not a known IANA time zone (e.g. Europe/Paris)')
      .optional()
      .describe("IANA time zone such as Europe/Paris; the user's own time zone when left out.")
      .meta({ title: 'Time zone' }),
  }),
  pins: () => [
    { id: 'open', label: 'Open', required: true },
    { id: 'closed', label: 'Closed', required: true },
  ],
  preconditions: [],
  waits: false,
  maxDurationMs: () => 1000,
  run: ({ config, facts, services }) => {
    const timezone = config.timezone ?? facts.user.timezone;
    const local = localTime(services.clock.now(), timezone);
    const holidays = new Set(config.holidays);
    const holiday = holidays.has(local.date);
    const open = !holiday && isOpen(config.hours, local, holidays);
    return Promise.resolve({
      pin: open ? 'open' : 'closed',
      detail: {
        timezone,
        localTime: `${local.date}T${String(Math.floor(local.minutes / 60)).padStart(2, '0')}:${String(local.minutes % 60).padStart(2, '0')}`,
        weekday: local.day,
        ...(holiday ? { holiday: true } : {}),
      },
    });
  },
});

interface LocalTime {
  /** YYYY-MM-DD */
  readonly date: string;
  readonly day: Day;
  /** Minutes since local midnight. */
  readonly minutes: number;
  readonly previousDate: string;
  readonly previousDay: Day;
}

function isOpen(
  ranges: readonly OpeningRange[],
  local: LocalTime,
  holidays: ReadonlySet<string>,
): boolean {
  const previousIsHoliday = holidays.has(local.previousDate);
  return ranges.some((range) => {
    const from = minutesOf(range.from);
    const to = minutesOf(range.to);
    if (from < to) {
      return range.days.includes(local.day) && local.minutes >= from && local.minutes < to;
    }
    // Past midnight: the evening part on its own day, the early part on the next day.
    if (range.days.includes(local.day) && local.minutes >= from) return true;
    return !previousIsHoliday && range.days.includes(local.previousDay) && local.minutes < to;
  });
}

/** Formatting is the slow part of Intl: one formatter per zone, made once. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  // Throws a RangeError for a zone the runtime does not know.
  return zonedFormatter(timeZone, false);
}

/** Wall-clock date and time at `epochMs` in `timeZone`. */
export function localTime(epochMs: number, timeZone: string): LocalTime {
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = formatterFor(timeZone);
  } catch {
    throw new Error(`schedule: "${timeZone}" is not a known IANA time zone`);
  }
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of formatter.formatToParts(epochMs)) parts[part.type] = part.value;
  const year = Number(parts.year);
  const month = Number(parts.month);
  const dayOfMonth = Number(parts.day);
  // Some engines print midnight as 24 even with h23; it is the start of the same day.
  const hour = Number(parts.hour) % 24;
  const minute = Number(parts.minute);
  // Weekdays from the calendar date itself (UTC arithmetic on a date has no zone in it).
  const noon = Date.UTC(year, month - 1, dayOfMonth, 12);
  const weekday = new Date(noon).getUTCDay();
  const previous = new Date(noon - 86_400_000);
  return {
    date: isoDate(year, month, dayOfMonth),
    day: DAYS[weekday] ?? 'sun',
    minutes: hour * 60 + minute,
    previousDate: isoDate(
      previous.getUTCFullYear(),
      previous.getUTCMonth() + 1,
      previous.getUTCDate(),
    ),
    previousDay: DAYS[(weekday + 6) % 7] ?? 'sun',
  };
}

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
