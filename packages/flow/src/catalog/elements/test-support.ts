/**
 * Fixtures for the element handler tests: call facts with defaults, a run context, a settable
 * clock, fake timers and HTTP client, and a CallControl that records what it was asked. Plain
 * TypeScript with no test-runner imports, so it stays browser-safe like the rest of the package.
 */
import type { CallControl } from '../../runtime/call-control.js';
import type { CallFacts, ContactFacts } from '../../runtime/call-facts.js';
import type {
  FlowClock,
  FlowHttpClient,
  FlowServices,
  FlowTimers,
  HttpRequestSpec,
  HttpResponseSpec,
} from '../../runtime/services.js';
import type { ElementRunContext } from '../element.js';

/** 2026-11-23T14:00:00Z, a Monday (09:00 in New York). */
export const FIXTURE_NOW = Date.UTC(2026, 10, 23, 14, 0, 0);

export interface FactsOverrides extends Partial<Omit<CallFacts, 'user' | 'calendar' | 'contact'>> {
  readonly user?: Partial<CallFacts['user']>;
  readonly calendar?: Partial<CallFacts['calendar']>;
  /** A partial contact is completed with the default one; null for no contact. */
  readonly contact?: Partial<ContactFacts> | null;
}

export const FIXTURE_CONTACT: ContactFacts = {
  id: 'c-ada',
  name: 'Ada Lovelace',
  firstName: 'Ada',
  lastName: 'Lovelace',
  organization: 'Analytical Engines Ltd',
  emails: ['ada@example.org'],
  groups: ['Family', 'Friends'],
  fields: { 'X-ACCOUNT': 'A-1001', note: 'prefers mornings' },
};

/**
 * Facts of a call from a known contact (Ada, no handling code) to Alice, who is available and
 * lives in New York. An unknown or anonymous `callerKind` drops the contact by default, and an
 * anonymous one the number too, so `factsFor({ callerKind: 'anonymous' })` is coherent.
 */
export function factsFor(overrides: FactsOverrides = {}): CallFacts {
  const { user, calendar, contact, ...rest } = overrides;
  const callerKind = rest.callerKind ?? 'known';
  const resolvedContact =
    contact === null
      ? null
      : contact !== undefined
        ? { ...FIXTURE_CONTACT, ...contact }
        : callerKind === 'known'
          ? FIXTURE_CONTACT
          : null;
  return {
    callId: 'call-1',
    callerNumber: callerKind === 'anonymous' ? null : '+12025550123',
    callerName: resolvedContact?.name ?? null,
    calledNumber: '+12125550100',
    callerKind,
    contact: resolvedContact,
    handlingCode: null,
    status: 'available',
    startedAt: FIXTURE_NOW,
    ...rest,
    user: {
      id: 'alice',
      name: 'Alice Example',
      timezone: 'America/New_York',
      attendantId: null,
      devices: [
        { id: 'desk', name: 'Desk phone', kind: 'sip' },
        { id: 'cell', name: 'Mobile', kind: 'external' },
      ],
      handlingCodes: ['VIP', 'FAMILY', 'BLOCK'],
      ...user,
    },
    calendar: { inMeetingNow: false, callerIsAttendeeToday: false, ...calendar },
  };
}

/** A clock that stays where it is put. */
export interface FakeClock extends FlowClock {
  set(epochMs: number): void;
}

export function fakeClock(at: number | string = FIXTURE_NOW): FakeClock {
  let now = typeof at === 'number' ? at : Date.parse(at);
  if (Number.isNaN(now)) throw new Error(`fakeClock: "${String(at)}" is not a date`);
  return {
    now: () => now,
    set: (epochMs) => {
      now = epochMs;
    },
  };
}

/** The signal's reason as it should be rethrown (an abort's reason is an Error in practice). */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** Time never passes: `sleep` only ends when its signal aborts, rejecting with the reason. */
export function idleTimers(): FlowTimers & { readonly sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    sleep: (ms, signal) => {
      sleeps.push(ms);
      return new Promise<void>((_resolve, reject) => {
        if (signal.aborted) {
          reject(abortReason(signal));
          return;
        }
        signal.addEventListener(
          'abort',
          () => {
            reject(abortReason(signal));
          },
          { once: true },
        );
      });
    },
  };
}

/** Every `sleep` is over at once: as if its whole time had passed (a timeout fires). */
export function elapsedTimers(): FlowTimers & { readonly sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    sleep: (ms, signal) => {
      sleeps.push(ms);
      return signal.aborted ? Promise.reject(abortReason(signal)) : Promise.resolve();
    },
  };
}

export type HttpResponder = (
  request: HttpRequestSpec,
  signal: AbortSignal,
) => HttpResponseSpec | Promise<HttpResponseSpec>;

/** An HTTP client answering with `respond`, keeping every request it was sent. */
export function fakeHttp(
  respond: HttpResponder = () => ({ status: 200, body: '' }),
): FlowHttpClient & { readonly requests: HttpRequestSpec[] } {
  const requests: HttpRequestSpec[] = [];
  return {
    requests,
    send: async (request, signal) => {
      requests.push(request);
      return respond(request, signal);
    },
  };
}

/** A responder that never answers: it rejects with the signal's reason when aborted. */
export const neverResponds: HttpResponder = (_request, signal) =>
  new Promise<HttpResponseSpec>((_resolve, reject) => {
    if (signal.aborted) {
      reject(abortReason(signal));
      return;
    }
    signal.addEventListener(
      'abort',
      () => {
        reject(abortReason(signal));
      },
      { once: true },
    );
  });

export interface RecordedCallOperation {
  readonly op: 'reject' | 'hangUp';
  readonly args: readonly unknown[];
}

/**
 * A CallControl for end elements: records reject/hangUp (which flip it to ended) and refuses
 * every other operation, so a handler that reaches for one is caught.
 */
export function recordingCall(
  options: { answered?: boolean } = {},
): CallControl & { readonly operations: RecordedCallOperation[] } {
  const operations: RecordedCallOperation[] = [];
  const unexpected = (name: string) => () =>
    Promise.reject(new Error(`recordingCall: unexpected ${name}()`));
  return {
    operations,
    answered: options.answered ?? false,
    progress: unexpected('progress'),
    answer: unexpected('answer'),
    ring: unexpected('ring'),
    play: unexpected('play'),
    collectDigits: unexpected('collectDigits'),
    record: unexpected('record'),
    notifyDesktop: unexpected('notifyDesktop'),
    startChat: unexpected('startChat'),
    reject: (code, reason) => {
      operations.push({ op: 'reject', args: [code, reason] });
      return Promise.resolve();
    },
    hangUp: () => {
      operations.push({ op: 'hangUp', args: [] });
      return Promise.resolve();
    },
  };
}

export interface ContextOptions {
  readonly facts?: CallFacts;
  readonly variables?: Readonly<Record<string, string>>;
  readonly call?: CallControl;
  readonly clock?: FlowClock;
  readonly timers?: FlowTimers;
  readonly http?: FlowHttpClient;
  readonly signal?: AbortSignal;
  readonly nodeId?: string;
}

/** A run context around `config` (already parsed by the element's schema). */
export function contextFor<Config>(
  config: Config,
  options: ContextOptions = {},
): ElementRunContext<Config> {
  const services: FlowServices = {
    clock: options.clock ?? fakeClock(),
    timers: options.timers ?? idleTimers(),
    http: options.http ?? fakeHttp(),
  };
  return {
    nodeId: options.nodeId ?? 'node-1',
    config,
    call: options.call ?? recordingCall(),
    facts: options.facts ?? factsFor(),
    variables: options.variables ?? {},
    services,
    signal: options.signal ?? new AbortController().signal,
  };
}
