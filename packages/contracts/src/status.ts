import { z } from 'zod';
import { Timestamp } from './common.js';

/**
 * A user's status as calls see it. The names are the call flows' (Check status), so what the
 * API shows is what a flow branches on.
 */

/** What a user sets by hand. */
export const PresenceStatus = z.enum(['available', 'busy', 'do-not-disturb', 'away']);
export type PresenceStatus = z.infer<typeof PresenceStatus>;

/** Every status: the ones set by hand and the ones read from the calendar. */
export const UserStatusValue = z.enum([
  'available',
  'busy',
  'do-not-disturb',
  'away',
  'in-a-meeting',
  'out-of-office',
]);
export type UserStatusValue = z.infer<typeof UserStatusValue>;

/** Where the status comes from. */
export const StatusSource = z.enum(['set', 'calendar', 'default']);
export type StatusSource = z.infer<typeof StatusSource>;

export const MAX_STATUS_NOTE = 200;

/** The status the user set, and whether it still counts (an `until` in the past does not). */
export const StatusSettingDto = z.object({
  status: PresenceStatus,
  until: Timestamp.nullable(),
  note: z.string().nullable(),
  live: z.boolean(),
  updatedAt: Timestamp,
});
export type StatusSettingDto = z.infer<typeof StatusSettingDto>;

/** The calendar event that gives the status, when the calendar decides. */
export const StatusEventDto = z.object({
  id: z.string(),
  summary: z.string(),
  startsAt: Timestamp,
  endsAt: Timestamp,
  outOfOffice: z.boolean(),
});
export type StatusEventDto = z.infer<typeof StatusEventDto>;

/**
 * The status calls see now. Precedence: a live status set by hand (no `until`, or `until` in
 * the future) wins over the calendar, except a standing `available`, which lets the calendar
 * speak; then an out-of-office event now; then a busy event now (`in-a-meeting`); else
 * `available`.
 */
export const UserStatusDto = z.object({
  userId: z.string(),
  status: UserStatusValue,
  source: StatusSource,
  setting: StatusSettingDto.nullable(),
  event: StatusEventDto.nullable(),
  changesAt: Timestamp.nullable().describe(
    'When the status may next change by itself (an until, a meeting ending or starting)',
  ),
});
export type UserStatusDto = z.infer<typeof UserStatusDto>;

/** Sets the status by hand. `available` with no `until` and no note clears the setting. */
export const PutStatusRequest = z.object({
  status: PresenceStatus,
  until: z.iso
    .datetime({ offset: true })
    .nullable()
    .optional()
    .describe('When the status stops counting (in the future); none: until changed'),
  note: z.string().trim().max(MAX_STATUS_NOTE).nullable().optional(),
});
export type PutStatusRequest = z.input<typeof PutStatusRequest>;
