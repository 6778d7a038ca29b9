import { z } from 'zod';
import { CallerDto, CallOutcome, CallTargetDto } from './calls.js';
import { Timestamp } from './common.js';
import { UserStatusValue } from './status.js';

/**
 * Live events of one call, pushed to the user's WebSocket sessions (and admins'). Every one
 * carries the call id, the user it belongs to and the time; clients show a ringing call from
 * `call.incoming` and drop it at `call.ended`.
 */
const callEvent = <T extends string>(type: T) =>
  z.object({
    type: z.literal(type),
    callId: z.string(),
    userId: z.string(),
    at: Timestamp,
  });

/** Why the handling method was chosen (which setting of the user's profile applied). */
export const HandlingReason = z.enum([
  'handling-code',
  'no-code',
  'unknown-caller',
  'anonymous-caller',
]);
export type HandlingReason = z.infer<typeof HandlingReason>;

/** A call arrived for the user: who calls, and what will happen to it. */
export const CallIncomingEvent = callEvent('call.incoming').extend({
  caller: CallerDto,
  calledNumber: z.string(),
  /** The user's status when the call arrived. */
  status: UserStatusValue,
  reason: HandlingReason,
  /** The handling method that runs (`builtin:...` or a flow id). */
  method: z.string(),
  /** The published version of the flow; null for a built-in template. */
  flowVersion: z.number().int().nullable(),
});
export type CallIncomingEvent = z.infer<typeof CallIncomingEvent>;

/** Devices or numbers are being rung. */
export const CallRingingEvent = callEvent('call.ringing').extend({
  targets: z.array(CallTargetDto),
  mode: z.enum(['simultaneous', 'sequential']),
});
export type CallRingingEvent = z.infer<typeof CallRingingEvent>;

/** The caller's leg was answered: by someone rung, or by Switchboard (null) to play or record. */
export const CallAnsweredEvent = callEvent('call.answered').extend({
  by: CallTargetDto.nullable(),
});
export type CallAnsweredEvent = z.infer<typeof CallAnsweredEvent>;

/** One entry of the call's step log, as it is written. */
export const CallStepEvent = callEvent('call.step').extend({
  /** The step's kind: element, precondition, override, goto, limit, error, end, hang-up... */
  kind: z.string(),
  /** The flow the step belongs to (a flow id, `builtin:...`, `override:<kind>`). */
  flow: z.string(),
  node: z.string().nullable(),
  elementType: z.string().nullable(),
  /** The pin the element left by. */
  pin: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type CallStepEvent = z.infer<typeof CallStepEvent>;

/** The call is being sent elsewhere (a number through a trunk, another user). */
export const CallForwardedEvent = callEvent('call.forwarded').extend({
  to: CallTargetDto,
  /** Why (`forward`, `attendant`, `override`...), as the Diversion header will say. */
  reason: z.string().nullable(),
});
export type CallForwardedEvent = z.infer<typeof CallForwardedEvent>;

/** The caller is leaving a message (`started`), or has left one (`recorded`). */
export const CallVoicemailEvent = callEvent('call.voicemail').extend({
  phase: z.enum(['started', 'recorded']),
  voicemailId: z.string().nullable(),
  durationMs: z.number().int().nullable(),
});
export type CallVoicemailEvent = z.infer<typeof CallVoicemailEvent>;

/** The call is over. */
export const CallEndedEvent = callEvent('call.ended').extend({
  outcome: CallOutcome,
  answeredAt: Timestamp.nullable(),
  /** From arrival to the end. */
  durationMs: z.number().int(),
});
export type CallEndedEvent = z.infer<typeof CallEndedEvent>;

export const CALL_EVENT_TYPES = [
  'call.incoming',
  'call.ringing',
  'call.answered',
  'call.step',
  'call.forwarded',
  'call.voicemail',
  'call.ended',
] as const;
