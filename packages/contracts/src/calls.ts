import { z } from 'zod';
import { HandlingCodeName, Slug, Timestamp } from './common.js';

export const CallOutcome = z.enum([
  'in-progress',
  'answered',
  'voicemail',
  'forwarded',
  'rejected',
  'missed',
  'abandoned',
  'failed',
]);
export type CallOutcome = z.infer<typeof CallOutcome>;

export const CallDto = z.object({
  id: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  callerNumber: z.string().nullable(),
  callerName: z.string().nullable(),
  calledNumber: z.string(),
  contactId: z.string().nullable(),
  handlingCode: z.string().nullable(),
  flowId: z.string().nullable(),
  flowVersion: z.number().int().nullable(),
  outcome: CallOutcome,
  startedAt: Timestamp,
  answeredAt: Timestamp.nullable(),
  endedAt: Timestamp.nullable(),
  answeredBy: z
    .string()
    .nullable()
    .describe('`device:<id>`, `number:<E.164>`, `user:<id>` or `system`; null until answered'),
});
export type CallDto = z.infer<typeof CallDto>;

export const CallStepDto = z.object({
  seq: z.number().int(),
  at: Timestamp,
  kind: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type CallStepDto = z.infer<typeof CallStepDto>;

export const CallDetailDto = CallDto.extend({ steps: z.array(CallStepDto) });
export type CallDetailDto = z.infer<typeof CallDetailDto>;

export const CallList = z.object({ items: z.array(CallDto) });
export type CallList = z.infer<typeof CallList>;

/** `answered,voicemail` -> ['answered', 'voicemail']. */
const OutcomeList = z
  .string()
  .max(200)
  .transform((text) =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  )
  .pipe(z.array(CallOutcome).min(1, 'name at least one outcome'));

export const CallListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.iso.datetime({ offset: true }).optional().describe('Calls started before this time'),
  caller: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .optional()
    .describe(
      'Calls from this number (any common format, read in the user’s country), or `anonymous`',
    ),
  contactId: z.string().min(1).max(64).optional().describe('Calls recognised as this contact'),
  from: z.iso.datetime({ offset: true }).optional().describe('Calls started at or after this time'),
  to: z.iso.datetime({ offset: true }).optional().describe('Calls started before this time'),
  outcome: OutcomeList.optional().describe(
    'One outcome or several, comma-separated: answered,voicemail,forwarded,rejected,missed,abandoned,failed,in-progress',
  ),
});

/** Who calls, as the notification window shows them. */
export const CallerDto = z.object({
  kind: z.enum(['contact', 'unknown', 'anonymous']),
  /** E.164 (or the digits received when unreadable); null when withheld. */
  number: z.string().nullable(),
  /** The contact's name; for callers not in the contacts, the network's display name. */
  name: z.string().nullable(),
  /** What the network said the name was (never trusted over the contact's). */
  networkName: z.string().nullable(),
  contactId: z.string().nullable(),
  handlingCode: z.string().nullable(),
});
export type CallerDto = z.infer<typeof CallerDto>;

/** The previous and current calls of one caller: what the notification window shows. */
export const CallerCallsDto = z.object({
  number: z.string(),
  /** The contact the number belongs to (the same choice a call makes), or null. */
  contact: z
    .object({ id: z.string(), name: z.string(), handlingCode: z.string().nullable() })
    .nullable(),
  /** Calls still in progress, newest first. */
  current: z.array(CallDto),
  /** Earlier calls, newest first, up to `limit`. */
  previous: z.array(CallDto),
});
export type CallerCallsDto = z.infer<typeof CallerCallsDto>;

export const CallerCallsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** Something a call can be sent to, as events and live calls show it. */
export const CallTargetDto = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('device'), userId: z.string(), deviceId: z.string() }),
  z.object({ kind: z.literal('number'), number: z.string() }),
  z.object({ kind: z.literal('user'), userId: z.string() }),
]);
export type CallTargetDto = z.infer<typeof CallTargetDto>;

/** A call in progress for a user. */
export const LiveCallDto = z.object({
  callId: z.string(),
  userId: z.string(),
  caller: CallerDto,
  calledNumber: z.string(),
  startedAt: Timestamp,
  /** Whether the caller's leg is answered: then the call can no longer be overridden. */
  answered: z.boolean(),
  /** The handling method running (`builtin:...`, a flow id, `override:<kind>` after one). */
  flowId: z.string(),
  /** The element now running, if any. */
  node: z.string().nullable(),
  /** The devices or numbers being rung now. */
  ringing: z.array(CallTargetDto),
});
export type LiveCallDto = z.infer<typeof LiveCallDto>;

export const LiveCallList = z.object({ items: z.array(LiveCallDto) });
export type LiveCallList = z.infer<typeof LiveCallList>;

/**
 * SIP codes a rejection can send: 400-699 except those that need headers a bare rejection
 * cannot give (401, 405, 407, 420, 421, 423, 494; see the Reject element).
 */
export const REJECT_CODES_NEEDING_HEADERS: readonly number[] = [401, 405, 407, 420, 421, 423, 494];

/**
 * The user's live decision for a ringing call: forward to one of their devices or any number,
 * voicemail, their attendant, reject (486 busy unless a code is given), or answer on a device.
 */
export const CallDecision = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('forward'),
      deviceId: Slug.optional().describe('One of the user’s devices'),
      number: z
        .string()
        .trim()
        .min(1)
        .max(40)
        .optional()
        .describe('Any number, read in the user’s country'),
    })
    .refine((d) => (d.deviceId === undefined) !== (d.number === undefined), {
      message: 'give either deviceId or number',
      path: ['deviceId'],
    }),
  z.object({ action: z.literal('voicemail') }),
  z.object({ action: z.literal('attendant') }),
  z.object({
    action: z.literal('reject'),
    code: z
      .number()
      .int()
      .min(400, 'a rejection code is 400 to 699')
      .max(699, 'a rejection code is 400 to 699')
      .refine((code) => !REJECT_CODES_NEEDING_HEADERS.includes(code), {
        message: 'this code needs SIP headers a rejection cannot give',
      })
      .optional(),
  }),
  z.object({ action: z.literal('answer'), deviceId: Slug }),
]);
export type CallDecision = z.infer<typeof CallDecision>;

/**
 * An override. With `remember`, the caller's contact gets `handlingCode` from now on ("always
 * handle this caller this way"): the decision is for this call, the code for the next ones.
 */
export const OverrideRequest = z
  .object({
    decision: CallDecision,
    remember: z.boolean().default(false),
    handlingCode: HandlingCodeName.optional().describe(
      'With remember: the code the caller’s contact gets (one of the user’s codes)',
    ),
  })
  .refine((r) => !r.remember || r.handlingCode !== undefined, {
    message: 'remember needs the handlingCode to give the contact',
    path: ['handlingCode'],
  });
export type OverrideRequest = z.input<typeof OverrideRequest>;

export const OverrideResultDto = z.object({
  callId: z.string(),
  /** The decision as carried out (a forwarded number in E.164). */
  decision: CallDecision,
  /** The contact's handling code change, with `remember`. */
  remembered: z
    .object({
      contactId: z.string(),
      handlingCode: z.string(),
      previous: z.string().nullable(),
    })
    .nullable(),
});
export type OverrideResultDto = z.infer<typeof OverrideResultDto>;
