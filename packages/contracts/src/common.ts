import { z } from 'zod';

/**
 * Every time the API returns is an ISO 8601 date-time in UTC, e.g. `2026-11-21T09:30:00.000Z`.
 * Replies are made by the server from epoch milliseconds, so they are not re-checked against
 * the (long) date-time pattern; request fields use `z.iso.datetime()` instead.
 */
export const Timestamp = z
  .string()
  .meta({ format: 'date-time', description: 'ISO 8601 date-time in UTC' });

/** Path parameter naming a user; `me` stands for the signed-in user. */
export const UserIdParam = z.object({
  userId: z.string().min(1).max(64).describe('A user id, or `me` for the signed-in user'),
});

/** Ids chosen by people (`desk`, `cell`, `after-hours`): short, URL-safe, readable. */
export const Slug = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    'use 1-64 letters, digits, `-` or `_`, starting with a letter or digit',
  );

/**
 * A handling method: `builtin:<template>` for a template shipped with the server, or the id of
 * one of the user's flows.
 */
export const HandlingMethod = z
  .string()
  .trim()
  .min(1)
  .max(80)
  .describe('`builtin:<template>` or the id of one of the user’s flows');

/** An upper-case handling code as written in a contact (`VIP`, `FAMILY`, `BLOCK`). */
export const HandlingCodeName = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'use 1-32 letters, digits, `-` or `_`');

/** Reply body of requests that succeed without anything to say. */
export const Ok = z.object({ ok: z.literal(true) });
export type Ok = z.infer<typeof Ok>;
