import { z } from 'zod';
import { parseWithIssues, type ParseOutcome } from '../issues.js';
import type { RingTarget } from '../runtime/call-control.js';
import {
  USER_STATUSES,
  type CallFacts,
  type ContactFacts,
  type UserStatus,
} from '../runtime/call-facts.js';
import type { OverrideDecision } from '../runtime/override.js';
import { CallScriptSchema, type CallScript } from './call-script.js';
import { assertTimeZone, parseStartTime } from './zoned-time.js';

/**
 * A simulated call: who calls, what the contacts and calendar say, when, and what the world
 * does meanwhile (who answers, which keys the caller presses, what the user clicks, when the
 * caller hangs up). Everything has a default, so `{}` is an unknown caller to an available user
 * on Monday 2026-11-23 at 09:00 in the user's zone, whom nobody answers.
 *
 * The world's behaviour uses the call script's keys (`ringing`, `defaultRinging`, `keys`,
 * `desktopChoice`, `hangUpAfterSeconds`, `speaks`, `promptFileSeconds`; see call-script.ts).
 */
const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +12025550142');
const handlingCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'a handling code is a word of letters, digits, _ and -')
  .transform((code) => code.toUpperCase());
/** User and device ids: the server's rule (lower-case, URL-safe, short). */
const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be lower-case letters, digits and . _ - (up to 63)');

export const RingTargetSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('device'), userId: id, deviceId: id }),
  z.strictObject({ kind: z.literal('number'), number: e164 }),
  z.strictObject({ kind: z.literal('user'), userId: id }),
]) satisfies z.ZodType<RingTarget>;

export const OverrideDecisionSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('forward'),
    target: RingTargetSchema,
    timeoutSeconds: z.number().positive().max(600).optional(),
  }),
  z.strictObject({ kind: z.literal('voicemail') }),
  z.strictObject({ kind: z.literal('attendant') }),
  z.strictObject({
    kind: z.literal('reject'),
    code: z.number().int().min(400).max(699).optional(),
  }),
  z.strictObject({ kind: z.literal('answer-on'), deviceId: id }),
]) satisfies z.ZodType<OverrideDecision>;

const ContactSchema = z.strictObject({
  id: id.default('contact-1'),
  name: z.string().trim().min(1, 'must not be empty'),
  /** Split from `name` when left out: first word, the rest. */
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  organization: z.string().nullable().default(null),
  /** The contact's handling code (VIP...), if any. */
  code: handlingCode.nullable().default(null),
  groups: z.array(z.string()).default([]),
  emails: z.array(z.string()).default([]),
  fields: z.record(z.string(), z.string()).default({}),
});

const DeviceSchema = z.strictObject({
  id,
  name: z.string().optional(),
  kind: z.enum(['sip', 'external']).default('sip'),
});

const DEFAULT_DEVICES = [
  { id: 'desk', name: 'Desk phone', kind: 'sip' as const },
  { id: 'cell', name: 'Mobile', kind: 'external' as const },
];

const UserSchema = z.strictObject({
  id: id.default('alice'),
  name: z.string().default('Alice'),
  timezone: z
    .string()
    .default('UTC')
    .superRefine((zone, ctx) => {
      try {
        assertTimeZone(zone);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  attendantId: id.nullable().default(null),
  devices: z.array(DeviceSchema).default(DEFAULT_DEVICES),
  /** The user's handling codes; the contact's own code is added when missing. */
  handlingCodes: z.array(handlingCode).default([]),
});

const seconds = z.number().min(0, 'must not be negative').max(86_400, 'must be at most a day');

export const ScenarioSchema = z
  .strictObject({
    /** The calling number (E.164), or `anonymous` when withheld. */
    caller: z.union([z.literal('anonymous'), e164]).default('+12025550199'),
    /** The name the network sent (shown for unknown callers; a contact's name wins). */
    callerName: z.string().nullable().default(null),
    called: e164.default('+12025550100'),
    /** The contact the caller's number matches; null for an unknown caller. */
    contact: ContactSchema.nullable().default(null),
    user: UserSchema.default(UserSchema.parse({})),
    status: z.enum(USER_STATUSES as readonly [UserStatus, ...UserStatus[]]).default('available'),
    calendar: z
      .strictObject({
        /** Defaults to true when `status` is `in-a-meeting`. */
        inMeetingNow: z.boolean().optional(),
        callerIsAttendeeToday: z.boolean().default(false),
      })
      .default({ callerIsAttendeeToday: false }),
    /** Start of the call: ISO 8601 with a zone, or a local time in the user's zone. */
    at: z.string().default('2026-11-23T09:00'),
    callId: z.string().min(1).default('sim-1'),
    /** Flow variables the call starts with. */
    variables: z.record(z.string(), z.string()).default({}),
    /** The user's live choices in the notification window, each this long after the start. */
    overrides: z
      .array(z.strictObject({ afterSeconds: seconds, decision: OverrideDecisionSchema }))
      .default([]),
    /** What every webhook answers; without it HTTP requests fail (the simulator has no network). */
    http: z
      .strictObject({
        status: z.number().int().min(100).max(599),
        body: z.string().default(''),
      })
      .optional(),
    ...CallScriptSchema.shape,
  })
  .superRefine((scenario, ctx) => {
    if (scenario.caller === 'anonymous' && scenario.contact !== null) {
      ctx.addIssue({
        code: 'custom',
        path: ['contact'],
        message: 'an anonymous caller (no number) cannot match a contact',
      });
    }
    try {
      parseStartTime(scenario.at, scenario.user.timezone);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['at'], message: (error as Error).message });
    }
  });

/** A scenario as people write it (everything optional). */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
/** A scenario with its defaults filled in. */
export type Scenario = z.output<typeof ScenarioSchema>;

/** Checks a scenario (from the API, a file or parseScenario), issues located by path. */
export function checkScenario(input: unknown): ParseOutcome<Scenario> {
  return parseWithIssues(ScenarioSchema, input);
}

/** The scenario's start as epoch ms. */
export function scenarioStart(scenario: Scenario): number {
  return parseStartTime(scenario.at, scenario.user.timezone);
}

/** What the runtime knows when the call arrives, as the server's lookups would find it. */
export function scenarioFacts(scenario: Scenario): CallFacts {
  const contact = scenario.contact === null ? null : contactFacts(scenario.contact);
  const code = scenario.contact?.code ?? null;
  const codes = [...scenario.user.handlingCodes];
  if (code !== null && !codes.includes(code)) codes.push(code);
  return {
    callId: scenario.callId,
    callerNumber: scenario.caller === 'anonymous' ? null : scenario.caller,
    callerName: contact?.name ?? scenario.callerName,
    calledNumber: scenario.called,
    callerKind: scenario.caller === 'anonymous' ? 'anonymous' : contact ? 'known' : 'unknown',
    contact,
    handlingCode: code,
    user: {
      id: scenario.user.id,
      name: scenario.user.name,
      timezone: scenario.user.timezone,
      attendantId: scenario.user.attendantId,
      devices: scenario.user.devices.map((d) => ({ id: d.id, name: d.name ?? d.id, kind: d.kind })),
      handlingCodes: codes,
    },
    status: scenario.status,
    calendar: {
      inMeetingNow: scenario.calendar.inMeetingNow ?? scenario.status === 'in-a-meeting',
      callerIsAttendeeToday: scenario.calendar.callerIsAttendeeToday,
    },
    startedAt: scenarioStart(scenario),
  };
}

/** The part of the scenario the scripted call plays back. */
export function scenarioScript(scenario: Scenario): CallScript {
  return {
    ringing: scenario.ringing,
    defaultRinging: scenario.defaultRinging,
    keys: scenario.keys,
    desktopChoice: scenario.desktopChoice,
    ...(scenario.hangUpAfterSeconds === undefined
      ? {}
      : { hangUpAfterSeconds: scenario.hangUpAfterSeconds }),
    ...(scenario.speaks === undefined ? {} : { speaks: scenario.speaks }),
    promptFileSeconds: scenario.promptFileSeconds,
  };
}

function contactFacts(contact: Scenario['contact'] & object): ContactFacts {
  const [first = '', ...rest] = contact.name.split(/\s+/);
  return {
    id: contact.id,
    name: contact.name,
    firstName: contact.firstName ?? first,
    lastName: contact.lastName ?? rest.join(' '),
    organization: contact.organization,
    emails: contact.emails,
    groups: contact.groups,
    fields: contact.fields,
  };
}
