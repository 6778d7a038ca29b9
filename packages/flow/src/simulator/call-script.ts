import { z } from 'zod';
import { parseWithIssues, type ParseOutcome } from '../issues.js';
import type { RingTarget } from '../runtime/call-control.js';

/**
 * What the world outside the flow does during a simulated call: who answers when rung, which
 * keys the caller presses, what the user clicks in the notification window, when the caller
 * hangs up and what they say into voicemail. A ScriptedCall plays it back in virtual time.
 *
 * Times are seconds. Ring, desktop and key times count from when the flow starts waiting for
 * that thing (the ring, the notification, the key listener); `hangUpAfterSeconds` counts from
 * the start of the call.
 */

const seconds = (what: string) =>
  z.number().min(0, `${what} must not be negative`).max(86_400, `${what} must be at most a day`);

/** `device:alice/desk`, `device:desk` (that device of any user), `number:+12025550100`, `user:frank`. */
const TARGET_KEY =
  /^(device:([a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*|number:\+[1-9]\d{6,14}|user:[a-z0-9][a-z0-9._-]*)$/;

export const RingBehaviourSchema = z.discriminatedUnion('outcome', [
  z.strictObject({
    outcome: z.literal('answer'),
    /** Picks up this long after ringing starts; at or after the ring timeout it is a no-answer. */
    afterSeconds: seconds('afterSeconds').default(5),
  }),
  z.strictObject({ outcome: z.literal('busy'), afterSeconds: seconds('afterSeconds').default(0) }),
  /** Rings until the timeout. */
  z.strictObject({ outcome: z.literal('no-answer') }),
  z.strictObject({
    outcome: z.literal('fail'),
    afterSeconds: seconds('afterSeconds').default(0),
    detail: z.string().min(1).default('the call to this target failed'),
  }),
]);

const KeyPressSchema = z.strictObject({
  digits: z.string().regex(/^[0-9*#]+$/, 'must be one or more of 0-9 * #'),
  /** First key this long after the flow starts listening (or after the previous entry ended). */
  afterSeconds: seconds('afterSeconds').default(1),
  /** Between the keys of this entry. */
  gapSeconds: seconds('gapSeconds').default(0.5),
});

const DesktopChoiceScriptSchema = z.strictObject({
  choiceId: z.string().min(1, 'must not be empty'),
  afterSeconds: seconds('afterSeconds').default(3),
});

export const CallScriptSchema = z.strictObject({
  /** What each ring target does, by target key (see ringTargetKey). */
  ringing: z
    .record(
      z
        .string()
        .regex(
          TARGET_KEY,
          'must be device:<user>/<device>, device:<device>, number:+<E.164> or user:<id>',
        ),
      RingBehaviourSchema,
    )
    .default({}),
  /** What a target not listed in `ringing` does. */
  defaultRinging: RingBehaviourSchema.default({ outcome: 'no-answer' }),
  /**
   * Keys the caller presses, in order. An entry's clock starts when something first listens
   * for keys (a barge-in prompt, Menu, Collect digits) after the previous entry was pressed;
   * its keys then come at fixed times whether or not anyone still listens. Keys pressed while
   * nothing listens are buffered for the next listener, as a DTMF receiver does.
   */
  keys: z.array(KeyPressSchema).default([]),
  /**
   * The user's click in the notification window: a list answers the notifications in turn, a
   * single choice the first one only. null (or a list that ran out) means nobody clicks and the
   * notification times out; so does a choice the window did not offer.
   */
  desktopChoice: z
    .union([
      DesktopChoiceScriptSchema,
      z.null(),
      z.array(z.union([DesktopChoiceScriptSchema, z.null()])),
    ])
    .default(null),
  /** The caller hangs up this long after the call started. */
  hangUpAfterSeconds: seconds('hangUpAfterSeconds').optional(),
  /**
   * What the caller does at the voicemail beep: speaks for `seconds`, then presses the finish
   * key, falls silent, or hangs up. Absent: the caller hangs up at the beep.
   */
  speaks: z
    .strictObject({
      seconds: seconds('seconds'),
      ends: z.enum(['key', 'silence', 'hang-up']),
    })
    .optional(),
  /** Length of recorded prompt files by name; a file not listed plays for 3 seconds. */
  promptFileSeconds: z.record(z.string(), seconds('a prompt length')).default({}),
});

/** A script as people write it (everything optional). */
export type CallScript = z.input<typeof CallScriptSchema>;
/** A script with its defaults filled in. */
export type ResolvedCallScript = z.output<typeof CallScriptSchema>;
export type RingBehaviour = z.output<typeof RingBehaviourSchema>;
export type DesktopChoiceScript = z.output<typeof DesktopChoiceScriptSchema>;

/** Checks a script from a file or the API, with issues located by path. */
export function parseCallScript(input: unknown): ParseOutcome<ResolvedCallScript> {
  return parseWithIssues(CallScriptSchema, input);
}

/** The key a script uses for a ring target: `device:alice/desk`, `number:+1202...`, `user:frank`. */
export function ringTargetKey(target: RingTarget): string {
  switch (target.kind) {
    case 'device':
      return `device:${target.userId}/${target.deviceId}`;
    case 'number':
      return `number:${target.number}`;
    case 'user':
      return `user:${target.userId}`;
  }
}

/** What the script says a target does: its exact key, then `device:<id>`, then the default. */
export function ringBehaviourOf(script: ResolvedCallScript, target: RingTarget): RingBehaviour {
  const exact = script.ringing[ringTargetKey(target)];
  if (exact) return exact;
  if (target.kind === 'device') {
    const anyUser = script.ringing[`device:${target.deviceId}`];
    if (anyUser) return anyUser;
  }
  return script.defaultRinging;
}
