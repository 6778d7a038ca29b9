import {
  PRESENCE_STATUSES,
  type CalendarEvent,
  type PresenceStatus,
  type StatusSetting,
  type UserStatus,
} from '../model/index.js';
import type { Repositories } from '../ports/store.js';
import { UserInputError } from './users.js';

/**
 * Step 3 of the call path: the user's status when a call arrives.
 *
 * Precedence (the one rule; `decideStatus` implements it and its tests follow it line by line):
 *  1. A status the user set counts while it is live: `until` unset, or still in the future. An
 *     expired one is ignored, as if none were set.
 *  2. A live setting wins over the calendar, except a standing `available` (no `until`), which is
 *     what "nothing set" means and lets the calendar speak. So "do not disturb" set by hand beats
 *     a meeting, and "available until 15:00" set during a meeting beats that meeting.
 *  3. Else the calendar: an out-of-office event covering now gives `out-of-office` (whether or
 *     not it is marked busy); else a busy event (not TRANSP:TRANSPARENT) covering now gives
 *     `in-a-meeting`.
 *  4. Else `available`.
 */

export type StatusSource = 'set' | 'calendar' | 'default';

export interface EffectiveStatus {
  readonly status: UserStatus;
  /** Where the status comes from: the user's setting, the calendar, or neither. */
  readonly source: StatusSource;
  /** The stored setting, live or not (null when the user never set one). */
  readonly setting: StatusSetting | null;
  /** Whether the stored setting still counts (see the precedence). */
  readonly settingLive: boolean;
  /** The calendar event that decided, for `source: 'calendar'`. */
  readonly event: CalendarEvent | null;
  /**
   * The next time the status may change by itself (a setting's `until`, the end of the deciding
   * event, the start of the next busy event within a day), for clients to refresh; null when
   * nothing known is due.
   */
  readonly changesAt: number | null;
}

/** How far ahead the calendar is read to tell when the status will next change. */
export const STATUS_LOOKAHEAD_MS = 24 * 60 * 60 * 1000;
export const MAX_STATUS_NOTE = 200;

/** The user's status at `now`, from their setting and their calendar. */
export async function effectiveStatus(
  repos: Pick<Repositories, 'statuses' | 'calendar'>,
  userId: string,
  now: number,
): Promise<EffectiveStatus> {
  const [setting, events] = await Promise.all([
    repos.statuses.get(userId),
    repos.calendar.listByUser(userId, now, now + STATUS_LOOKAHEAD_MS),
  ]);
  return decideStatus(setting ?? null, events, now);
}

/** The precedence above, on data already read. `events` may hold events not covering `now`. */
export function decideStatus(
  setting: StatusSetting | null,
  events: readonly CalendarEvent[],
  now: number,
): EffectiveStatus {
  const settingLive = setting !== null && (setting.until === null || setting.until > now);
  const base = { setting, settingLive };
  if (settingLive && (setting.until !== null || setting.status !== 'available')) {
    return {
      ...base,
      status: setting.status,
      source: 'set',
      event: null,
      changesAt: setting.until,
    };
  }
  const covering = events.filter((e) => e.startsAt <= now && now < e.endsAt);
  const relevant = (e: CalendarEvent): boolean => e.outOfOffice || e.busy;
  // The calendar may change the status when a covering event ends or a relevant one starts.
  const changes = [
    ...covering.filter(relevant).map((e) => e.endsAt),
    ...events.filter((e) => e.startsAt > now && relevant(e)).map((e) => e.startsAt),
  ];
  const changesAt = changes.length === 0 ? null : Math.min(...changes);
  const outOfOffice = covering.find((e) => e.outOfOffice);
  if (outOfOffice !== undefined) {
    return { ...base, status: 'out-of-office', source: 'calendar', event: outOfOffice, changesAt };
  }
  const meeting = covering.find((e) => e.busy);
  if (meeting !== undefined) {
    return { ...base, status: 'in-a-meeting', source: 'calendar', event: meeting, changesAt };
  }
  return { ...base, status: 'available', source: 'default', event: null, changesAt };
}

export interface StatusChange {
  readonly userId: string;
  readonly status: string;
  /** Epoch ms, or null/undefined for "until I change it". */
  readonly until?: number | null;
  readonly note?: string | null;
}

/**
 * Stores the status the user sets. Refuses an unknown status, an `until` that is not in the
 * future (it would be ignored at once, which is never what was meant) and a long note.
 * Setting `available` with no `until` clears the setting: the calendar decides again.
 */
export async function setStatus(
  repos: Pick<Repositories, 'statuses' | 'users'>,
  change: StatusChange,
  now: number,
): Promise<StatusSetting | null> {
  if (!isPresenceStatus(change.status)) {
    throw new UserInputError(
      'status',
      `"${change.status}" is not a status you can set; use one of ${PRESENCE_STATUSES.join(', ')} (in-a-meeting and out-of-office come from the calendar)`,
    );
  }
  const until = change.until ?? null;
  if (until !== null && (!Number.isSafeInteger(until) || until <= now)) {
    throw new UserInputError('until', 'must be a time in the future');
  }
  const note = change.note?.trim() ?? '';
  if (note.length > MAX_STATUS_NOTE) {
    throw new UserInputError('note', `must be at most ${String(MAX_STATUS_NOTE)} characters`);
  }
  if ((await repos.users.get(change.userId)) === undefined) {
    throw new UserInputError('userId', `there is no user "${change.userId}"`);
  }
  if (change.status === 'available' && until === null && note === '') {
    await repos.statuses.delete(change.userId);
    return null;
  }
  return repos.statuses.put({
    userId: change.userId,
    status: change.status,
    until,
    note: note === '' ? null : note,
  });
}

export function isPresenceStatus(value: string): value is PresenceStatus {
  return (PRESENCE_STATUSES as readonly string[]).includes(value);
}
