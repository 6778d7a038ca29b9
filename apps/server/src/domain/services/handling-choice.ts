import {
  builtinTemplate,
  compileFlowMap,
  type CompiledFlow,
  type FlowRunOptions,
  type ResolvedFlow,
} from '@switchboard/flow';
import {
  BUILTIN_PREFIX,
  type CalendarEvent,
  type CallerIdentification,
  type Contact,
  type Device,
  type User,
} from '../model/index.js';
import type { Repositories } from '../ports/store.js';
import { parseBuiltinMethod, builtinDevice } from './builtin-methods.js';
import type { EffectiveStatus } from './user-status.js';

/**
 * Step 4 of the call path: which handling method runs for this caller, and what the running
 * flow knows about the call.
 *
 * The user's profile decides:
 *  - a contact with a handling code the user has defined: that code's method;
 *  - a contact with no code, or with a code the user has not defined (yet): `defaultHandling`;
 *  - a number in no contact: `unknownHandling`;
 *  - an anonymous caller: `anonymousHandling` when the user set one, else `unknownHandling`.
 * The status does not pick the method; it is in the flow's facts, where Check status branches
 * on it, so the user draws what "busy" means for each kind of caller.
 *
 * A method that cannot run (a flow deleted or never published, `builtin:forward:<device>` for a
 * device that is gone) must not lose the call: the next one down the chain runs instead, and
 * the choice says what was passed over and why. The chain is the configured method, then
 * (anonymous) `unknownHandling`, then `defaultHandling`, then SAFE_METHOD.
 */

/** The facts a FlowRun starts with (`CallFacts` of @switchboard/flow). */
export type CallFacts = FlowRunOptions['facts'];

/** What runs when nothing the user configured can: ring their devices, then voicemail. */
export const SAFE_METHOD = 'builtin:ring-then-voicemail';

/** Which setting of the profile applied to the caller. */
export type HandlingReason = 'handling-code' | 'no-code' | 'unknown-caller' | 'anonymous-caller';

export interface PassedOver {
  /** The method (or handling code) that could not be used. */
  readonly method: string;
  readonly problem: string;
}

export interface HandlingChoice {
  readonly reason: HandlingReason;
  /** The method the profile names for this caller. */
  readonly configured: string;
  /** The method that runs: `configured`, unless it could not run (see `passedOver`). */
  readonly method: string;
  /** Methods skipped on the way to `method`, with why, in order; empty when none were. */
  readonly passedOver: readonly PassedOver[];
  /** The handling code that applied (defined by the user), or null. */
  readonly handlingCode: string | null;
  /** Names the flow in the step log and the call record: a flow id or `builtin:<template>`. */
  readonly flowId: string;
  /** The published version of a user's flow; null for a built-in template. */
  readonly flowVersion: number | null;
  readonly flow: CompiledFlow;
  /** What the flow knows about the call (caller, contact, code, status, calendar). */
  readonly facts: CallFacts;
}

export interface HandlingInput {
  readonly user: User;
  readonly identification: CallerIdentification;
  readonly status: EffectiveStatus;
  /** When the call arrived (epoch ms). */
  readonly now: number;
  readonly callId: string;
  /** The user's number that was called (E.164). */
  readonly calledNumber: string;
}

type HandlingRepos = Pick<Repositories, 'handlingCodes' | 'flows' | 'devices' | 'calendar'>;

/** The method to run for this call and the facts to run it with. */
export async function chooseHandlingMethod(
  repos: HandlingRepos,
  input: HandlingInput,
): Promise<HandlingChoice> {
  const { user, identification } = input;
  const [codes, devices] = await Promise.all([
    repos.handlingCodes.listByUser(user.id),
    repos.devices.listByUser(user.id),
  ]);
  const codeNames = codes.map((c) => c.code);
  const passedOver: PassedOver[] = [];

  let reason: HandlingReason;
  let configured: string;
  let handlingCode: string | null = null;
  const chain: string[] = [];
  if (identification.kind === 'anonymous') {
    reason = 'anonymous-caller';
    configured = user.anonymousHandling ?? user.unknownHandling;
    chain.push(user.unknownHandling, user.defaultHandling);
  } else if (identification.kind === 'unknown') {
    reason = 'unknown-caller';
    configured = user.unknownHandling;
    chain.push(user.defaultHandling);
  } else {
    const code = identification.handlingCode;
    const defined = code === null ? undefined : codes.find((c) => c.code === code);
    if (defined !== undefined) {
      reason = 'handling-code';
      configured = defined.method;
      handlingCode = defined.code;
    } else {
      reason = 'no-code';
      configured = user.defaultHandling;
      if (code !== null) {
        passedOver.push({
          method: `handling code ${code}`,
          problem: `${code} is not one of the user's handling codes; the default method applies`,
        });
      }
    }
    chain.push(user.defaultHandling);
  }

  const candidates = [...new Set([configured, ...chain, SAFE_METHOD])];
  for (const method of candidates) {
    const resolved = await resolveMethod(repos, user.id, method, codeNames, devices);
    if ('problem' in resolved) {
      passedOver.push({ method, problem: resolved.problem });
      continue;
    }
    const facts = await callFacts(repos, input, devices, codeNames);
    return {
      reason,
      configured,
      method,
      passedOver,
      handlingCode,
      flowId: method,
      flowVersion: resolved.version,
      flow: resolved.flow,
      facts,
    };
  }
  // SAFE_METHOD is a template shipped with the server; failing to compile it is a bug.
  throw new Error(`the safe handling method ${SAFE_METHOD} cannot run: ${describe(passedOver)}`);
}

function describe(passedOver: readonly PassedOver[]): string {
  return passedOver.map((p) => `${p.method}: ${p.problem}`).join('; ');
}

type Resolved = { flow: CompiledFlow; version: number | null } | { problem: string };

async function resolveMethod(
  repos: HandlingRepos,
  userId: string,
  method: string,
  codes: readonly string[],
  devices: readonly Device[],
): Promise<Resolved> {
  if (method.startsWith(BUILTIN_PREFIX)) {
    const builtin = parseBuiltinMethod(method);
    if (builtin === undefined) return { problem: 'not a built-in method' };
    const device = builtinDevice(builtin);
    if (device !== undefined && !devices.some((d) => d.id === device)) {
      return { problem: `the user has no device "${device}"` };
    }
    const flow = compiledBuiltin(method, codes);
    return flow === undefined
      ? { problem: 'the template does not compile' }
      : { flow, version: null };
  }
  const published = await repos.flows.getPublished(userId, method);
  if (published === undefined) {
    const flow = await repos.flows.get(userId, method);
    return {
      problem: flow === undefined ? 'the flow does not exist' : 'the flow has never been published',
    };
  }
  if (!isCompiledFlow(published.compiled)) {
    return { problem: `version ${String(published.version)} has no compiled program` };
  }
  return { flow: published.compiled, version: published.version };
}

/**
 * Finds the target of a Go to flow element while a call runs: the user's flow as published at
 * the moment of the jump (built-in templates by their `builtin:` name too).
 */
export function flowResolver(
  repos: Pick<Repositories, 'flows' | 'handlingCodes'>,
  userId: string,
): (flowId: string) => Promise<ResolvedFlow | undefined> {
  return async (flowId) => {
    if (flowId.startsWith(BUILTIN_PREFIX)) {
      const codes = (await repos.handlingCodes.listByUser(userId)).map((c) => c.code);
      const flow = compiledBuiltin(flowId, codes);
      return flow === undefined ? undefined : { flowId, flow };
    }
    const published = await repos.flows.getPublished(userId, flowId);
    return published !== undefined && isCompiledFlow(published.compiled)
      ? { flowId, flow: published.compiled }
      : undefined;
  };
}

/** A stored compiled program, checked just enough to be run (the runtime checks states). */
function isCompiledFlow(value: unknown): value is CompiledFlow {
  if (typeof value !== 'object' || value === null) return false;
  const flow = value as Partial<Record<keyof CompiledFlow, unknown>>;
  return (
    flow.format === 1 &&
    typeof flow.start === 'string' &&
    typeof flow.states === 'object' &&
    flow.states !== null
  );
}

/**
 * Compiled built-in templates, by method and the user's handling codes (Match caller's pins
 * depend on them). Templates are fixed, so a compiled one is reused instead of compiling a map
 * on every call; the cache is bounded, oldest entry out first.
 */
const BUILTIN_CACHE_SIZE = 256;
const builtinCache = new Map<string, CompiledFlow>();

function compiledBuiltin(method: string, codes: readonly string[]): CompiledFlow | undefined {
  const key = `${method}\n${[...codes].sort().join(',')}`;
  const cached = builtinCache.get(key);
  if (cached !== undefined) return cached;
  const map = builtinTemplate(method);
  if (map === undefined) return undefined;
  let flow: CompiledFlow;
  try {
    flow = compileFlowMap(map, { env: { handlingCodes: [...codes] } });
  } catch {
    return undefined;
  }
  if (builtinCache.size >= BUILTIN_CACHE_SIZE) {
    const oldest = builtinCache.keys().next().value;
    if (oldest !== undefined) builtinCache.delete(oldest);
  }
  builtinCache.set(key, flow);
  return flow;
}

/** The facts the flow runs with. */
async function callFacts(
  repos: Pick<Repositories, 'calendar'>,
  input: HandlingInput,
  devices: readonly Device[],
  codes: readonly string[],
): Promise<CallFacts> {
  const { user, identification, now } = input;
  const [dayStart, dayEnd] = localDayBounds(now, user.timezone);
  const today = await repos.calendar.listByUser(user.id, dayStart, dayEnd);
  const contact = identification.contact;
  return {
    callId: input.callId,
    callerNumber: identification.number,
    // The contact's name when known; the network's only for callers the contacts do not know.
    callerName: contact?.name ?? identification.networkName,
    calledNumber: input.calledNumber,
    callerKind:
      identification.kind === 'contact'
        ? 'known'
        : identification.kind === 'unknown'
          ? 'unknown'
          : 'anonymous',
    contact: contact === null ? null : contactFacts(contact),
    handlingCode: identification.handlingCode,
    user: {
      id: user.id,
      name: user.name,
      timezone: user.timezone,
      attendantId: user.attendantId,
      devices: devices.map((d) => ({ id: d.id, name: d.name, kind: d.kind })),
      handlingCodes: [...codes],
    },
    // The domain's statuses are the flow package's names: this assignment checks it.
    status: input.status.status,
    calendar: {
      inMeetingNow: today.some(
        (e) => e.busy && !e.outOfOffice && e.startsAt <= now && now < e.endsAt,
      ),
      callerIsAttendeeToday: contact !== null && isAttendee(contact, today),
    },
    startedAt: now,
  };
}

function isAttendee(contact: Contact, events: readonly CalendarEvent[]): boolean {
  const emails = new Set(contact.emails.map((e) => e.toLowerCase()));
  return emails.size > 0 && events.some((e) => e.attendees.some((a) => emails.has(a)));
}

function contactFacts(contact: Contact): NonNullable<CallFacts['contact']> {
  const [first = '', ...rest] = contact.name.trim().split(/\s+/);
  const fields: Record<string, string> = {};
  if (contact.organization !== null) fields['organization'] = contact.organization;
  if (contact.handlingCode !== null) fields['handlingCode'] = contact.handlingCode;
  const [email] = contact.emails;
  if (email !== undefined) fields['email'] = email;
  return {
    id: contact.id,
    name: contact.name,
    firstName: first,
    lastName: rest.join(' '),
    organization: contact.organization,
    emails: [...contact.emails],
    // Contacts keep no groups yet (vCard CATEGORIES are read only for the handling code).
    groups: [],
    fields,
  };
}

/** The day each zone's last call fell in: most calls of a day reuse it. */
const lastDays = new Map<string, readonly [number, number]>();

/** [start, end) in epoch ms of the calendar day holding `now` in `timeZone`. */
export function localDayBounds(now: number, timeZone: string): [number, number] {
  // Working the bounds out takes five Intl.DateTimeFormat.formatToParts calls, a noticeable
  // share of a call's CPU (npm run bench:call-path); the day only changes once a day.
  const last = lastDays.get(timeZone);
  if (last !== undefined && now >= last[0] && now < last[1]) return [last[0], last[1]];
  const { year, month, day } = localParts(now, timeZone);
  const bounds: [number, number] = [
    localMidnight(year, month, day, timeZone),
    localMidnight(year, month, day + 1, timeZone),
  ];
  // Zones are checked IANA names: the map is as small as the set of zones in use.
  lastDays.set(timeZone, bounds);
  return [bounds[0], bounds[1]];
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localParts(at: number, timeZone: string): LocalParts {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    // Users' zones are checked IANA names, so this map stays as small as the set of zones in use.
    formatters.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts['year'] ?? 1970,
    month: parts['month'] ?? 1,
    day: parts['day'] ?? 1,
    hour: parts['hour'] ?? 0,
    minute: parts['minute'] ?? 0,
    second: parts['second'] ?? 0,
  };
}

/** The zone's offset from UTC at `at`, in ms (local = UTC + offset). */
function offsetAt(at: number, timeZone: string): number {
  const p = localParts(at, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** The instant local midnight starts the given day (days past the month's end roll over). */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  // Two passes settle the offset across a DST change; a midnight that does not exist (a zone
  // that springs forward at 00:00) lands on the first instant of the day instead.
  let guess = wall - offsetAt(wall, timeZone);
  guess = wall - offsetAt(guess, timeZone);
  return guess;
}
