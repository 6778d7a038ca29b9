/**
 * Fixtures for tests that run elements against a ScriptedCall in virtual time: call facts with
 * defaults, and `runElement`, which does for one element what the runtime does (parse the
 * config, establish preconditions, run under a signal aborted by the caller's hang-up). Plain
 * TypeScript without test-runner imports, so it stays browser-safe like the rest of the package.
 */
import type { z } from 'zod';
import type { ElementDefinition, ElementOutcome } from '../catalog/element.js';
import type { CallFacts, ContactFacts } from '../runtime/call-facts.js';
import { CallerHungUp } from '../runtime/caller-hung-up.js';
import type { FlowServices } from '../runtime/services.js';
import type { CallScript } from './call-script.js';
import { ScriptedCall } from './scripted-call.js';
import { VirtualTime } from './virtual-time.js';

/** 2026-11-23T14:00:00Z, a Monday morning in New York. */
export const SIM_START = Date.UTC(2026, 10, 23, 14, 0, 0);

export const SIM_CONTACT: ContactFacts = {
  id: 'c-ada',
  name: 'Ada Lovelace',
  firstName: 'Ada',
  lastName: 'Lovelace',
  organization: 'Analytical Engines Ltd',
  emails: ['ada@example.org'],
  groups: ['Friends'],
  fields: { 'X-ACCOUNT': 'A-1001' },
};

export interface SimFactsOverrides extends Partial<Omit<CallFacts, 'user' | 'calendar'>> {
  readonly user?: Partial<CallFacts['user']>;
  readonly calendar?: Partial<CallFacts['calendar']>;
}

/**
 * Ada (a known contact) calls Alice, who has a desk phone and a mobile, and whose attendant is
 * Frank.
 */
export function simFacts(overrides: SimFactsOverrides = {}): CallFacts {
  const { user, calendar, ...rest } = overrides;
  return {
    callId: 'sim-call-1',
    callerNumber: '+12025550123',
    callerName: SIM_CONTACT.name,
    calledNumber: '+12125550100',
    callerKind: 'known',
    contact: SIM_CONTACT,
    handlingCode: null,
    status: 'available',
    startedAt: SIM_START,
    ...rest,
    user: {
      id: 'alice',
      name: 'Alice Example',
      timezone: 'America/New_York',
      attendantId: 'frank',
      devices: [
        { id: 'desk', name: 'Desk phone', kind: 'sip' },
        { id: 'cell', name: 'Mobile', kind: 'external' },
      ],
      handlingCodes: ['VIP'],
      ...user,
    },
    calendar: { inMeetingNow: false, callerIsAttendeeToday: false, ...calendar },
  };
}

/** A ScriptedCall on a fresh virtual clock. */
export function scriptedCall(
  script: CallScript = {},
  startMs = SIM_START,
): { call: ScriptedCall; time: VirtualTime } {
  const time = new VirtualTime(startMs);
  return { call: new ScriptedCall(script, { clock: time, timers: time }), time };
}

/** Services with virtual time and an HTTP client that refuses (these elements make no requests). */
export function simServices(time: VirtualTime): FlowServices {
  return {
    clock: time,
    timers: time,
    http: {
      send: () => Promise.reject(new Error('no HTTP in the simulator tests')),
    },
  };
}

export interface RunElementOptions {
  readonly script?: CallScript;
  readonly facts?: CallFacts;
  readonly variables?: Readonly<Record<string, string>>;
  /** Aborts the element's signal with `abortReason` after this many virtual ms (an override). */
  readonly abortAfterMs?: number;
  readonly abortReason?: unknown;
  /** Answer the call before the element runs even if it does not ask for it. */
  readonly answered?: boolean;
}

export interface ElementRun {
  readonly call: ScriptedCall;
  readonly time: VirtualTime;
  readonly facts: CallFacts;
  /** Virtual ms from the element's start to its end. */
  readonly elapsedMs: number;
}

/** Runs one element the way the runtime would; rejects when the handler rejects. */
export async function runElement<S extends z.ZodType>(
  element: ElementDefinition<S>,
  config: z.input<S>,
  options: RunElementOptions = {},
): Promise<ElementRun & { readonly outcome: ElementOutcome }> {
  const settled = await settleElement(element, config, options);
  if ('error' in settled) throw settled.error;
  return settled;
}

/** Runs one element and returns how it settled, rejection included, with the call to inspect. */
export async function settleElement<S extends z.ZodType>(
  element: ElementDefinition<S>,
  config: z.input<S>,
  options: RunElementOptions = {},
): Promise<ElementRun & ({ readonly outcome: ElementOutcome } | { readonly error: unknown })> {
  const facts = options.facts ?? simFacts();
  const { call, time } = scriptedCall(options.script ?? {}, facts.startedAt);
  const controller = new AbortController();
  call.onHangUp(() => {
    controller.abort(new CallerHungUp());
  });
  const watchdog = new AbortController();
  if (options.abortAfterMs !== undefined) {
    time.sleep(options.abortAfterMs, watchdog.signal).then(
      () => {
        controller.abort(options.abortReason ?? new Error('aborted by the test'));
      },
      () => undefined,
    );
  }
  const start = time.now();
  try {
    const parsed = element.config.parse(config);
    const needsAnswer = options.answered === true || element.preconditions.includes('answered');
    if (needsAnswer && !call.answered) await call.answer(controller.signal);
    const outcome = await element.run({
      nodeId: 'node-1',
      config: parsed,
      call,
      facts,
      variables: options.variables ?? {},
      services: simServices(time),
      signal: controller.signal,
    });
    return { outcome, call, time, facts, elapsedMs: time.now() - start };
  } catch (error) {
    return { error, call, time, facts, elapsedMs: time.now() - start };
  } finally {
    watchdog.abort();
  }
}
