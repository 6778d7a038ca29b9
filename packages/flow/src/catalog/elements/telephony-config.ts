import { z } from 'zod';
import type { RingResult, RingTarget } from '../../runtime/call-control.js';
import type { ElementOutcome, PinSpec } from '../element.js';

/**
 * Config pieces and outcomes shared by the elements that ring someone (Ring devices, Forward,
 * Attendant, and the forward choice of Notify desktop).
 */

/** E.164: `+`, a country code that does not start with 0, 7 to 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

/**
 * User and device ids follow the server's rule (lower-case, URL-safe, short). Repeated here
 * because packages/flow imports nothing internal.
 */
const ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export const userIdSchema = z
  .string()
  .regex(ID_PATTERN, 'a user id is 1-63 lower-case letters, digits, dot, dash or underscore');

export const deviceIdSchema = z
  .string()
  .regex(ID_PATTERN, 'a device id is 1-63 lower-case letters, digits, dot, dash or underscore');

export const e164Schema = z
  .string()
  .regex(
    E164_PATTERN,
    'must be an international number in E.164 form: + and the country code, digits only (e.g. +12025550123)',
  );

/** A ring timeout in whole seconds, 5 to 300. */
export function ringTimeoutSchema(defaultSeconds: number, help: string) {
  return z
    .number()
    .int('must be a whole number of seconds')
    .min(5, 'must be at least 5 seconds')
    .max(300, 'must be at most 300 seconds')
    .default(defaultSeconds)
    .describe(help)
    .meta({ title: 'Ring for (seconds)' });
}

/** Somewhere to send a call: a phone number or another Switchboard user. */
export const transferTargetSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({
      kind: z.literal('number'),
      number: e164Schema
        .describe('The number to dial through the trunk, in E.164 form, e.g. +12025550123.')
        .meta({ title: 'Phone number' }),
    })
    .meta({ title: 'A phone number' }),
  z
    .strictObject({
      kind: z.literal('user'),
      userId: userIdSchema
        .describe('Id of another Switchboard user: every one of their devices rings.')
        .meta({ title: 'User' }),
    })
    .meta({ title: 'Another user' }),
]);
export type TransferTarget = z.output<typeof transferTargetSchema>;

export function toRingTarget(target: TransferTarget): RingTarget {
  return target.kind === 'number'
    ? { kind: 'number', number: target.number }
    : { kind: 'user', userId: target.userId };
}

/** Time allowed on top of the ringing itself (signalling, cancelling the legs). */
export const RING_MARGIN_MS = 5000;

/** The four ways a ring ends; answered and no-answer must be wired, busy and failed may not. */
export const RING_PINS: readonly PinSpec[] = [
  { id: 'answered', label: 'Answered', required: true },
  { id: 'no-answer', label: 'No answer', required: true },
  { id: 'busy', label: 'Busy', required: false },
  { id: 'failed', label: 'Failed', required: false },
];

/** A ring result as an outcome: its pin, what answered or why it failed, and `extra` detail. */
export function ringOutcome(
  result: RingResult,
  extra: Readonly<Record<string, unknown>> = {},
): ElementOutcome {
  switch (result.outcome) {
    case 'answered':
      return { pin: 'answered', detail: { ...extra, answeredBy: describeTarget(result.by) } };
    case 'failed':
      return { pin: 'failed', detail: { ...extra, error: result.detail } };
    case 'busy':
    case 'no-answer':
      return { pin: result.outcome, detail: { ...extra } };
  }
}

/** `desk`, `+12025550123`, `user frank`: short enough for a step log line. */
export function describeTarget(target: RingTarget): string {
  switch (target.kind) {
    case 'device':
      return target.deviceId;
    case 'number':
      return target.number;
    case 'user':
      return `user ${target.userId}`;
  }
}
