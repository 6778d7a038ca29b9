import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineElement, type AnyElementDefinition } from '../catalog/element.js';
import type { CompiledFlow, CompiledState } from '../compiler/compiled-flow.js';
import type { CallControl, RingRequest, RingResult } from './call-control.js';
import type { CallFacts } from './call-facts.js';
import { CallerHungUp } from './caller-hung-up.js';
import { ABORT_GRACE_MS, FlowRun, type FlowRunOptions, type ResolvedFlow } from './flow-run.js';
import type { FlowServices, FlowTimers } from './services.js';
import type { StepLogEntry } from './step-log.js';
import { renderTemplate } from './template.js';

// Unit tests of the runtime with small fake elements, a fake call and manual virtual time, so
// each rule is seen on its own. The real catalog and simulator are in simulate.test.ts.

/** Virtual time: `sleep` waits for `drive` to move the clock to the next timer. */
function manualTime(start = 1_000_000) {
  let now = start;
  let timers: { due: number; fire: () => void }[] = [];
  const sleep: FlowTimers['sleep'] = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const timer = {
        due: now + ms,
        fire: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        timers = timers.filter((t) => t !== timer);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      timers.push(timer);
    });
  const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    clock: { now: () => now },
    timers: { sleep },
    pending: () => timers.length,
    /** Runs `promise` to its end, moving time to the next timer whenever nothing else can run. */
    async drive<T>(promise: Promise<T>, hooks: { at: number; run: () => void }[] = []): Promise<T> {
      const status = { done: false };
      void promise.finally(() => {
        status.done = true;
      });
      const todo = [...hooks].sort((a, b) => a.at - b.at);
      for (;;) {
        await flush();
        if (status.done) return promise;
        const next = [...timers].sort((a, b) => a.due - b.due)[0];
        const hook = todo[0];
        if (hook && (next === undefined || start + hook.at <= next.due)) {
          todo.shift();
          now = Math.max(now, start + hook.at);
          hook.run();
          continue;
        }
        if (next === undefined) throw new Error('deadlock: the run waits for nothing');
        timers = timers.filter((t) => t !== next);
        now = next.due;
        next.fire();
      }
    },
  };
}

type Time = ReturnType<typeof manualTime>;

/** Waits `ms` of virtual time, or rejects with the signal's reason. */
function wait(time: Time, ms: number, signal: AbortSignal): Promise<void> {
  return time.timers.sleep(ms, signal);
}

/** A call that records every operation; ringing lasts `ringMs` and ends as `ringResult`. */
function fakeCall(
  time: Time,
  script: { ringMs?: number; ringResult?: RingResult; answerMs?: number } = {},
) {
  const ops: string[] = [];
  let answered = false;
  const call: CallControl = {
    get answered() {
      return answered;
    },
    progress: () => {
      ops.push('progress');
      return Promise.resolve();
    },
    answer: async (signal) => {
      ops.push('answer');
      if (script.answerMs !== undefined) await wait(time, script.answerMs, signal);
      answered = true;
    },
    ring: async (request: RingRequest, signal) => {
      ops.push(
        `ring ${request.targets.map((t) => (t.kind === 'device' ? t.deviceId : t.kind === 'number' ? t.number : t.userId)).join(',')}`,
      );
      try {
        await wait(time, script.ringMs ?? 30_000, signal);
      } catch (error) {
        ops.push('ring cancelled');
        throw error;
      }
      const result = script.ringResult ?? { outcome: 'no-answer' };
      if (result.outcome === 'answered') answered = true;
      return result;
    },
    play: (request) => {
      ops.push(
        `play ${request.prompts.map((p) => (p.kind === 'tts' ? p.text : p.kind)).join('|')}`,
      );
      return Promise.resolve({});
    },
    collectDigits: () => Promise.resolve({ digits: '', ended: 'timeout' }),
    record: async (_request, signal) => {
      ops.push('record');
      await wait(time, 10_000, signal);
      return { outcome: 'recorded', recordingId: 'r1', durationMs: 10_000, ended: 'silence' };
    },
    notifyDesktop: () => Promise.resolve({ outcome: 'timeout' }),
    startChat: () => Promise.resolve({ chatId: 'chat-1' }),
    reject: (code) => {
      ops.push(`reject ${code}`);
      return Promise.resolve();
    },
    hangUp: () => {
      ops.push(answered ? 'bye' : 'reject 480');
      return Promise.resolve();
    },
  };
  return { call, ops };
}

const facts: CallFacts = {
  callId: 'call-1',
  callerNumber: '+12025550142',
  callerName: 'Bob Boss',
  calledNumber: '+12025550100',
  callerKind: 'known',
  contact: {
    id: 'bob',
    name: 'Bob Boss',
    firstName: 'Bob',
    lastName: 'Boss',
    organization: null,
    emails: [],
    groups: [],
    fields: {},
  },
  handlingCode: 'VIP',
  user: {
    id: 'alice',
    name: 'Alice',
    timezone: 'America/New_York',
    attendantId: 'carol',
    devices: [{ id: 'desk', name: 'Desk', kind: 'sip' }],
    handlingCodes: ['VIP'],
  },
  status: 'available',
  calendar: { inMeetingNow: false, callerIsAttendeeToday: false },
  startedAt: 1_000_000,
};

/** Fake elements: just enough behaviour to exercise the runtime's rules. */
function fakeCatalog(time: Time, extra: AnyElementDefinition[] = []) {
  const elements: AnyElementDefinition[] = [
    defineElement({
      type: 'start',
      label: 'Start',
      category: 'start',
      description: 'start',
      config: z.object({}),
      pins: () => [{ id: 'next', label: 'Next', required: true }],
      preconditions: [],
      waits: false,
      maxDurationMs: () => 1000,
      run: () => Promise.resolve({ pin: 'next' }),
    }),
    defineElement({
      type: 'decide',
      label: 'Decide',
      category: 'decision',
      description: 'leaves by the pin in its config',
      config: z.object({
        pin: z.string().default('next'),
        set: z.record(z.string(), z.string()).optional(),
      }),
      pins: () => [],
      preconditions: [],
      waits: false,
      maxDurationMs: () => 1000,
      run: ({ config, variables }) =>
        Promise.resolve({
          pin: config.pin,
          detail: { seen: { ...variables } },
          ...(config.set ? { variables: config.set } : {}),
        }),
    }),
    defineElement({
      type: 'ring',
      label: 'Ring',
      category: 'telephony',
      description: 'rings the desk',
      config: z.object({ devices: z.array(z.string()).default(['desk']) }),
      pins: () => [],
      preconditions: [],
      waits: true,
      maxDurationMs: () => 60_000,
      run: async ({ config, call, signal }) => {
        const result = await call.ring(
          {
            targets: config.devices.map((deviceId) => ({
              kind: 'device',
              userId: 'alice',
              deviceId,
            })),
            mode: 'simultaneous',
            timeoutSeconds: 30,
          },
          signal,
        );
        return { pin: result.outcome, detail: { ...result } };
      },
    }),
    defineElement({
      type: 'say',
      label: 'Say',
      category: 'media',
      description: 'speaks a template',
      config: z.object({ text: z.string() }),
      pins: () => [],
      preconditions: ['answered'],
      waits: true,
      maxDurationMs: () => 60_000,
      run: async ({ config, call, facts: f, variables, signal }) => {
        const text = renderTemplate(config.text, f, variables);
        await call.play({ prompts: [{ kind: 'tts', text }], bargeIn: false }, signal);
        return { pin: 'next', detail: { text } };
      },
    }),
    defineElement({
      type: 'refuse',
      label: 'Refuse',
      category: 'end',
      description: 'rejects an unanswered call',
      config: z.object({ code: z.number().default(486) }),
      pins: () => [],
      preconditions: ['unanswered'],
      waits: false,
      maxDurationMs: () => 1000,
      run: async ({ config, call }) => {
        await call.reject(config.code, undefined);
        return { pin: 'done', ends: true };
      },
    }),
    defineElement({
      type: 'stall',
      label: 'Stall',
      category: 'data',
      description: 'waits far longer than its limit',
      config: z.object({ limitMs: z.number().default(5000) }),
      pins: () => [],
      preconditions: [],
      waits: false,
      maxDurationMs: (config) => config.limitMs,
      run: async ({ signal }) => {
        await wait(time, 1_000_000, signal);
        return { pin: 'next' };
      },
    }),
    defineElement({
      type: 'stuck',
      label: 'Stuck',
      category: 'data',
      description: 'ignores its signal and never settles',
      config: z.object({}),
      pins: () => [],
      preconditions: [],
      waits: false,
      maxDurationMs: () => 10_000_000,
      run: () => new Promise(() => undefined),
    }),
    defineElement({
      type: 'boom',
      label: 'Boom',
      category: 'data',
      description: 'throws',
      config: z.object({ sync: z.boolean().default(false) }),
      pins: () => [],
      preconditions: [],
      waits: false,
      maxDurationMs: () => 1000,
      run: ({ config }) => {
        if (config.sync) throw new Error('sync failure');
        return Promise.reject(new Error('database is on fire'));
      },
    }),
    defineElement({
      type: 'jump',
      label: 'Jump',
      category: 'data',
      description: 'goes to another flow',
      config: z.object({ flow: z.string() }),
      pins: () => [],
      preconditions: [],
      waits: false,
      maxDurationMs: () => 1000,
      run: ({ config }) => Promise.resolve({ pin: 'next', gotoFlow: config.flow }),
    }),
    // Stand-ins for the elements the built-in override sequences use.
    defineElement({
      type: 'forward',
      label: 'Forward',
      category: 'telephony',
      description: 'forward',
      config: z.object({ to: z.unknown(), timeoutSeconds: z.number().default(20) }),
      pins: () => [],
      preconditions: [],
      waits: true,
      maxDurationMs: () => 60_000,
      run: async ({ call, signal }) => {
        const result = await call.ring(
          {
            targets: [{ kind: 'number', number: '+15550001' }],
            mode: 'simultaneous',
            timeoutSeconds: 20,
          },
          signal,
        );
        return { pin: result.outcome };
      },
    }),
    defineElement({
      type: 'voicemail',
      label: 'Voicemail',
      category: 'media',
      description: 'voicemail',
      config: z.object({ maxSeconds: z.number().default(120) }),
      pins: () => [],
      preconditions: ['answered'],
      waits: true,
      maxDurationMs: () => 300_000,
      run: async ({ call, signal }) => {
        await call.record(
          { maxSeconds: 120, silenceSeconds: 5, beep: true, voicemail: { mailToUser: true } },
          signal,
        );
        return { pin: 'recorded' };
      },
    }),
    ...extra,
  ];
  const byType = new Map(elements.map((e) => [e.type, e]));
  return (type: string) => byType.get(type);
}

/** A compiled flow from `[id, type, config, transitions]` rows; the first row is the start. */
function flowOf(
  name: string,
  rows: [string, string, Record<string, unknown>, Record<string, string>?][],
) {
  const states: Record<string, CompiledState> = {};
  for (const [id, type, config, transitions] of rows) {
    states[id] = { id, type, config: fill(type, config), transitions: transitions ?? {} };
  }
  return { format: 1, name, start: rows[0]![0], states } satisfies CompiledFlow;
}

/** Config defaults as the compiler would fill them. */
function fill(type: string, config: Record<string, unknown>): unknown {
  const defaults: Record<string, Record<string, unknown>> = {
    decide: { pin: 'next' },
    ring: { devices: ['desk'] },
    refuse: { code: 486 },
    stall: { limitMs: 5000 },
    boom: { sync: false },
    voicemail: { maxSeconds: 120 },
    forward: { timeoutSeconds: 20 },
  };
  return { ...(defaults[type] ?? {}), ...config };
}

function setup(
  flow: CompiledFlow,
  options: Partial<FlowRunOptions> & {
    script?: Parameters<typeof fakeCall>[1];
    extra?: AnyElementDefinition[];
  } = {},
) {
  const time = manualTime();
  const { call, ops } = fakeCall(time, options.script);
  const hangUp = new AbortController();
  const live: StepLogEntry[] = [];
  const services: FlowServices = {
    clock: time.clock,
    timers: time.timers,
    http: { send: () => Promise.reject(new Error('no network in tests')) },
  };
  const run = new FlowRun({
    flowId: 'main',
    flow,
    call,
    facts,
    services,
    catalog: fakeCatalog(time, options.extra),
    hangUp: hangUp.signal,
    onStep: (entry) => live.push(entry),
    ...options,
  });
  return { time, call, ops, hangUp, run, live };
}

const kinds = (steps: readonly StepLogEntry[]) =>
  steps.map((s) => `${s.kind}${s.node ? ':' + s.node : ''}${s.pin ? '>' + s.pin : ''}`);

describe('FlowRun: the state loop', () => {
  it('follows the transition of each pin and logs every step with its time', async () => {
    const flow = flowOf('main', [
      ['start', 'start', {}, { next: 'vip?' }],
      ['vip?', 'decide', { pin: 'yes', set: { tier: 'gold' } }, { yes: 'ring' }],
      ['ring', 'ring', {}, {}],
    ]);
    const { time, run, ops, live } = setup(flow);
    const result = await time.drive(run.run());

    expect(result.outcome).toBe('ended');
    expect(kinds(result.steps)).toEqual([
      'element:start>next',
      'element:vip?>yes',
      'element:ring>no-answer',
      'end:ring',
    ]);
    expect(ops).toEqual(['ring desk', 'reject 480']);
    expect(result.variables).toEqual({ tier: 'gold' });
    expect(result.lastNode).toBe('ring');
    expect(result.flowId).toBe('main');

    const ring = result.steps[2]!;
    expect(ring).toMatchObject({
      seq: 3,
      at: 1_000_000,
      flow: 'main',
      type: 'ring',
      durationMs: 30_000,
      inputs: { devices: ['desk'] },
    });
    expect(ring.detail).toEqual({ outcome: 'no-answer' });
    expect(result.steps.map((s) => s.seq)).toEqual([1, 2, 3, 4]);
    expect(result.steps[3]).toMatchObject({
      kind: 'end',
      at: 1_030_000,
      detail: { pin: 'no-answer', hungUp: true },
    });
    // The live sink saw the same entries, in order.
    expect(live).toEqual(result.steps);
  });

  it('says BYE rather than 480 when the call was answered before the flow ended', async () => {
    const flow = flowOf('main', [
      ['start', 'start', {}, { next: 'hello' }],
      ['hello', 'say', { text: 'Hello' }, {}],
    ]);
    const { time, run, ops } = setup(flow);
    const result = await time.drive(run.run());
    expect(ops).toEqual(['answer', 'play Hello', 'bye']);
    expect(result.outcome).toBe('ended');
  });

  it('hangs up after an answered ring whose pin leads nowhere (the conversation is over)', async () => {
    const flow = flowOf('main', [
      ['start', 'start', {}, { next: 'ring' }],
      ['ring', 'ring', {}, {}],
    ]);
    const by = { kind: 'device', userId: 'alice', deviceId: 'desk' } as const;
    const { time, run, ops } = setup(flow, {
      script: { ringMs: 4000, ringResult: { outcome: 'answered', by } },
    });
    const result = await time.drive(run.run());
    expect(ops).toEqual(['ring desk', 'bye']);
    expect(result.outcome).toBe('ended');
    expect(result.steps.at(-1)).toMatchObject({
      kind: 'end',
      node: 'ring',
      detail: { pin: 'answered', hungUp: true },
    });
  });

  it('does not hang up again after an element that ended the call itself', async () => {
    const flow = flowOf('main', [
      ['start', 'start', {}, { next: 'no' }],
      ['no', 'refuse', { code: 603 }, { done: 'start' }],
    ]);
    const { time, run, ops } = setup(flow);
    const result = await time.drive(run.run());
    expect(ops).toEqual(['reject 603']);
    expect(kinds(result.steps)).toEqual(['element:start>next', 'element:no>done', 'end:no']);
    expect(result.steps.at(-1)?.detail).toEqual({ by: 'element' });
  });

  it('merges variables from outcomes and hands each element a copy of them', async () => {
    const flow = flowOf('main', [
      ['start', 'start', {}, { next: 'a' }],
      ['a', 'decide', { set: { account: 'A-1', lang: 'en' } }, { next: 'b' }],
      ['b', 'decide', { set: { lang: 'fr' } }, { next: 'c' }],
      ['c', 'decide', {}, {}],
    ]);
    const { time, run } = setup(flow, { variables: { source: 'sip' } });
    const result = await time.drive(run.run());
    expect(result.variables).toEqual({ source: 'sip', account: 'A-1', lang: 'fr' });
    expect(result.steps[3]?.detail).toEqual({
      seen: { source: 'sip', account: 'A-1', lang: 'fr' },
    });
    expect(result.steps[1]?.detail).toEqual({ seen: { source: 'sip' } });
  });

  it('logs the text an element actually spoke after templating', async () => {
    const flow = flowOf('main', [
      ['start', 'start', {}, { next: 'a' }],
      ['a', 'decide', { set: { account: 'A-7' } }, { next: 'hello' }],
      ['hello', 'say', { text: 'Hello {{contact.firstName}}, account {{vars.account}}' }, {}],
    ]);
    const { time, run, ops } = setup(flow);
    const result = await time.drive(run.run());
    const hello = result.steps.find((s) => s.kind === 'element' && s.node === 'hello');
    expect(hello?.inputs).toEqual({
      text: 'Hello {{contact.firstName}}, account {{vars.account}}',
    });
    expect(hello?.detail).toEqual({ text: 'Hello Bob, account A-7' });
    expect(ops).toContain('play Hello Bob, account A-7');
  });

  it('returns the same result when run() is called twice', async () => {
    const flow = flowOf('main', [['start', 'start', {}, {}]]);
    const { time, run, ops } = setup(flow);
    const first = run.run();
    expect(run.run()).toBe(first);
    await time.drive(first);
    expect(ops).toEqual(['reject 480']);
  });

  it('refuses a step limit below 1', () => {
    const flow = flowOf('main', [['start', 'start', {}, {}]]);
    expect(() => setup(flow, { maxSteps: 0 })).toThrow(/maxSteps/);
  });

  it('keeps going when the step sink throws', async () => {
    const flow = flowOf('main', [['start', 'start', {}, {}]]);
    const { time, run } = setup(flow, {
      onStep: () => {
        throw new Error('socket closed');
      },
    });
    const result = await time.drive(run.run());
    expect(kinds(result.steps)).toEqual(['element:start>next', 'end:start']);
  });
});

describe('FlowRun: preconditions', () => {
  it('answers before an element that needs an answered call, once', async () => {
    const flow = flowOf('main', [
      ['start', 'start', {}, { next: 'one' }],
      ['one', 'say', { text: 'one' }, { next: 'two' }],
      ['two', 'say', { text: 'two' }, {}],
    ]);
    const { time, run, ops } = setup(flow, { script: { answerMs: 200 } });
    const result = await time.drive(run.run());
    expect(ops).toEqual(['answer', 'play one', 'play two', 'bye']);
    expect(kinds(result.steps)).toEqual([
      'element:start>next',
      'precondition:one',
      'element:one>next',
      'element:two>next',
      'end:two',
    ]);
    expect(result.steps[1]).toMatchObject({
      type: 'say',
      durationMs: 200,
      detail: { precondition: 'answered' },
    });
  });

  it('refuses an element that needs an unanswered call and follows its failed connection', async () => {
    const flow = flowOf('main', [
      ['start', 'start', {}, { next: 'hello' }],
      ['hello', 'say', { text: 'hi' }, { next: 'no' }],
      ['no', 'refuse', {}, { failed: 'bye' }],
      ['bye', 'say', { text: 'sorry' }, {}],
    ]);
    const { time, run, ops } = setup(flow);
    const result = await time.drive(run.run());
    expect(ops).toEqual(['answer', 'play hi', 'play sorry', 'bye']);
    const refused = result.steps.find((s) => s.node === 'no');
    expect(refused).toMatchObject({
      kind: 'precondition',
      detail: { precondition: 'unanswered', satisfied: false },
    });
  });

  it('ends the call when a refused element has no failed connection', async () => {
    const flow = flowOf('main', [
      ['start', 'start', {}, { next: 'hello' }],
      ['hello', 'say', { text: 'hi' }, { next: 'no' }],
      ['no', 'refuse', {}, {}],
    ]);
    const { time, run, ops } = setup(flow);
    const result = await time.drive(run.run());
    expect(ops).toEqual(['answer', 'play hi', 'bye']);
    expect(kinds(result.steps).slice(-2)).toEqual(['precondition:no', 'end:no']);
    expect(result.outcome).toBe('ended');
  });
});

describe('FlowRun: limits and failures', () => {
  it('stops an element at its maxDurationMs, logs a limit step and ends the call', async () => {
    const flow = flowOf('main', [
      ['start', 'start', {}, { next: 'slow' }],
      ['slow', 'stall', { limitMs: 5000 }, { next: 'start' }],
    ]);
    const { time, run, ops } = setup(flow);
    const result = await time.drive(run.run());
    expect(result.outcome).toBe('error');
    expect(ops).toEqual(['reject 480']);
    expect(result.steps.at(-2)).toMatchObject({
      kind: 'limit',
      node: 'slow',
      durationMs: 5000,
      detail: { reason: 'element-timeout', maxDurationMs: 5000 },
    });
    expect(time.pending()).toBe(0);
  });

  it('stops a runaway loop at the step limit', async () => {
    const flow = flowOf('main', [
      ['start', 'start', {}, { next: 'a' }],
      ['a', 'decide', {}, { next: 'b' }],
      ['b', 'decide', {}, { next: 'a' }],
    ]);
    const { time, run, ops } = setup(flow, { maxSteps: 25 });
    const result = await time.drive(run.run());
    expect(result.outcome).toBe('step-limit');
    expect(result.steps.filter((s) => s.kind === 'element')).toHaveLength(25);
    expect(result.steps.at(-2)).toMatchObject({
      kind: 'limit',
      detail: { reason: 'step-limit', maxSteps: 25 },
    });
    expect(ops).toEqual(['reject 480']);
  });

  it('runs at most 200 steps by default', async () => {
    const flow = flowOf('main', [['a', 'decide', {}, { next: 'a' }]]);
    const { time, run } = setup(flow);
    const result = await time.drive(run.run());
    expect(result.steps.filter((s) => s.kind === 'element')).toHaveLength(200);
  });

  it.each([
    ['a rejected promise', false, 'database is on fire'],
    ['a synchronous throw', true, 'sync failure'],
  ])(
    'logs an element that fails with %s and ends the call cleanly',
    async (_what, sync, message) => {
      const flow = flowOf('main', [
        ['start', 'start', {}, { next: 'x' }],
        ['x', 'boom', { sync }, { next: 'start' }],
      ]);
      const { time, run, ops } = setup(flow);
      const result = await time.drive(run.run());
      expect(result.outcome).toBe('error');
      expect(kinds(result.steps)).toEqual(['element:start>next', 'error:x', 'end:x']);
      expect(result.steps[1]?.detail).toEqual({ message });
      expect(ops).toEqual(['reject 480']);
    },
  );

  it('reports a flow that names an unknown element type or a missing state', async () => {
    const unknownType = flowOf('main', [
      ['start', 'start', {}, { next: 'x' }],
      ['x', 'teleport', {}, {}],
    ]);
    const a = setup(unknownType);
    const first = await a.time.drive(a.run.run());
    expect(first.outcome).toBe('error');
    expect(first.steps[1]?.detail).toEqual({ message: 'unknown element type "teleport"' });

    const missing = flowOf('main', [['start', 'start', {}, { next: 'nowhere' }]]);
    const b = setup(missing);
    const second = await b.time.drive(b.run.run());
    expect(second.outcome).toBe('error');
    expect(second.steps[1]?.detail).toEqual({ message: 'flow "main" has no state "nowhere"' });
    expect(b.ops).toEqual(['reject 480']);
  });

  it('an element whose maxDurationMs throws fails like any element', async () => {
    const odd = defineElement({
      type: 'odd',
      label: 'Odd',
      category: 'data',
      description: 'odd',
      config: z.object({}),
      pins: () => [],
      preconditions: [],
      waits: false,
      maxDurationMs: () => {
        throw new Error('no limit known');
      },
      run: () => Promise.resolve({ pin: 'next' }),
    });
    const flow = flowOf('main', [['x', 'odd', {}, {}]]);
    const { time, run } = setup(flow, { extra: [odd] });
    const result = await time.drive(run.run());
    expect(result.outcome).toBe('error');
    expect(result.steps[0]).toMatchObject({ kind: 'error', detail: { message: 'no limit known' } });
  });
});

describe('FlowRun: a connected call', () => {
  // A ring that is answered settles when the conversation ends (CallControl.ring): the element's
  // time limit covers the ringing, never the conversation, and nothing can override it.
  const bridge = defineElement({
    type: 'bridge',
    label: 'Bridge',
    category: 'telephony',
    description: 'answered at 3 s, then a two-minute conversation',
    config: z.object({}),
    pins: () => [{ id: 'answered', label: 'Answered', required: true }],
    preconditions: [],
    waits: true,
    maxDurationMs: () => 25_000,
    run: async ({ call, services, signal }) => {
      await services.timers.sleep(3_000, signal);
      await call.answer(signal);
      await services.timers.sleep(120_000, signal);
      return { pin: 'answered' };
    },
  });

  it('is not cut off by the ring time limit, and refuses overrides while connected', async () => {
    const flow = flowOf('main', [
      ['start', 'start', {}, { next: 'ring' }],
      ['ring', 'bridge', {}, {}],
    ]);
    const { time, run } = setup(flow, { extra: [bridge] });
    let accepted: boolean | undefined;
    const result = await time.drive(run.run(), [
      { at: 60_000, run: () => (accepted = run.override({ kind: 'voicemail' })) },
    ]);
    expect(accepted).toBe(false);
    expect(result.outcome).toBe('ended');
    expect(kinds(result.steps)).toEqual([
      'element:start>next',
      'element:ring>answered',
      'end:ring',
    ]);
    expect(result.steps[1]).toMatchObject({ durationMs: 123_000 });
  });
});

describe('FlowRun: quick loops', () => {
  const instant = defineElement({
    type: 'instant-fail',
    label: 'Instant fail',
    category: 'telephony',
    description: 'a ring to a device that does not exist',
    config: z.object({}),
    pins: () => [{ id: 'failed', label: 'Failed', required: true }],
    preconditions: [],
    waits: true,
    maxDurationMs: () => 25_000,
    run: () => Promise.resolve({ pin: 'failed' }),
  });

  it('stops a telephony node that keeps coming back at once instead of hammering the trunk', async () => {
    const flow = flowOf('main', [
      ['start', 'start', {}, { next: 'ring' }],
      ['ring', 'instant-fail', {}, { failed: 'ring' }],
    ]);
    const { time, run } = setup(flow, { extra: [instant] });
    const result = await time.drive(run.run());
    expect(result.outcome).toBe('step-limit');
    expect(result.visits.filter((v) => v.node === 'ring')).toHaveLength(5);
    expect(result.steps.at(-2)).toMatchObject({ kind: 'limit', detail: { reason: 'quick-loop' } });
  });
});

describe('FlowRun: hang-up', () => {
  it('aborts the running element and makes no further call operation', async () => {
    const flow = flowOf('main', [
      ['start', 'start', {}, { next: 'ring' }],
      ['ring', 'ring', {}, { 'no-answer': 'vm' }],
      ['vm', 'voicemail', {}, {}],
    ]);
    const { time, run, ops, hangUp } = setup(flow);
    const result = await time.drive(run.run(), [
      {
        at: 7000,
        run: () => {
          hangUp.abort();
        },
      },
    ]);
    expect(result.outcome).toBe('hung-up');
    expect(ops).toEqual(['ring desk', 'ring cancelled']);
    expect(result.steps.at(-1)).toMatchObject({
      kind: 'hang-up',
      node: 'ring',
      durationMs: 7000,
      detail: { during: 'element' },
    });
    expect(result.lastNode).toBe('ring');
    expect(time.pending()).toBe(0);
  });

  it('does nothing at all when the caller has already gone', async () => {
    const flow = flowOf('main', [
      ['start', 'start', {}, { next: 'ring' }],
      ['ring', 'ring', {}, {}],
    ]);
    const { time, run, ops, hangUp } = setup(flow);
    hangUp.abort();
    const result = await time.drive(run.run());
    expect(result.outcome).toBe('hung-up');
    expect(ops).toEqual([]);
    expect(kinds(result.steps)).toEqual(['hang-up']);
  });

  it('takes a CallerHungUp from the call control as a hang-up, even before the signal says so', async () => {
    const gone = defineElement({
      type: 'gone',
      label: 'Gone',
      category: 'media',
      description: 'meets a caller who has left',
      config: z.object({}),
      pins: () => [],
      preconditions: [],
      waits: true,
      maxDurationMs: () => 1000,
      run: () => Promise.reject(new CallerHungUp()),
    });
    const flow = flowOf('main', [['x', 'gone', {}, { next: 'x' }]]);
    const { time, run, ops } = setup(flow, { extra: [gone] });
    const result = await time.drive(run.run());
    expect(result.outcome).toBe('hung-up');
    expect(kinds(result.steps)).toEqual(['hang-up:x']);
    expect(ops).toEqual([]);
  });

  it('moves on after a grace period when an element ignores the abort', async () => {
    const flow = flowOf('main', [['x', 'stuck', {}, {}]]);
    const { time, run, ops, hangUp } = setup(flow);
    const result = await time.drive(run.run(), [
      {
        at: 1000,
        run: () => {
          hangUp.abort();
        },
      },
    ]);
    expect(result.outcome).toBe('hung-up');
    expect(result.steps.at(-1)).toMatchObject({
      kind: 'hang-up',
      durationMs: 1000 + ABORT_GRACE_MS,
      detail: { during: 'element', cleanup: 'unconfirmed' },
    });
    expect(ops).toEqual([]);
  });
});

describe('FlowRun: override', () => {
  const ringThenVoicemail = flowOf('main', [
    ['start', 'start', {}, { next: 'ring' }],
    ['ring', 'ring', {}, { 'no-answer': 'vm' }],
    ['vm', 'voicemail', {}, {}],
  ]);

  it('cancels the ringing, logs the decision and runs the built-in voicemail sequence', async () => {
    const { time, run, ops } = setup(ringThenVoicemail);
    const result = await time.drive(run.run(), [
      { at: 5000, run: () => run.override({ kind: 'voicemail' }) },
    ]);
    expect(result.outcome).toBe('overridden');
    expect(ops).toEqual(['ring desk', 'ring cancelled', 'answer', 'record', 'bye']);
    expect(kinds(result.steps)).toEqual([
      'element:start>next',
      'override:ring',
      'precondition:override-voicemail',
      'element:override-voicemail>recorded',
      'end:override-voicemail',
    ]);
    expect(result.steps[1]).toMatchObject({
      flow: 'main',
      durationMs: 5000,
      detail: { decision: { kind: 'voicemail' }, interrupted: 'ring' },
    });
    expect(result.steps[3]).toMatchObject({
      flow: 'override:voicemail',
      type: 'voicemail',
      inputs: { maxSeconds: 120 },
    });
    expect(result.flowId).toBe('override:voicemail');
  });

  it('lets a second override replace the first', async () => {
    const { time, run, ops } = setup(ringThenVoicemail);
    const target = { kind: 'number', number: '+15550001' } as const;
    const result = await time.drive(run.run(), [
      { at: 1000, run: () => run.override({ kind: 'forward', target }) },
      { at: 3000, run: () => run.override({ kind: 'voicemail' }) },
    ]);
    expect(ops).toEqual([
      'ring desk',
      'ring cancelled',
      'ring +15550001',
      'ring cancelled',
      'answer',
      'record',
      'bye',
    ]);
    const overrides = result.steps.filter((s) => s.kind === 'override');
    expect(
      overrides.map((s) => [s.flow, s.node, (s.detail?.['decision'] as { kind: string }).kind]),
    ).toEqual([
      ['main', 'ring', 'forward'],
      ['override:forward', 'override-forward', 'voicemail'],
    ]);
    expect(result.outcome).toBe('overridden');
  });

  it('takes an override given before the run starts, without running the flow', async () => {
    const { time, run, ops } = setup(ringThenVoicemail);
    expect(run.override({ kind: 'voicemail' })).toBe(true);
    const result = await time.drive(run.run());
    expect(ops).toEqual(['answer', 'record', 'bye']);
    expect(result.steps[0]).toMatchObject({
      kind: 'override',
      detail: { decision: { kind: 'voicemail' } },
    });
  });

  it('uses the sequence given by overrideFlow when there is one', async () => {
    const custom = flowOf('custom', [['sorry', 'say', { text: 'Alice chose voicemail' }, {}]]);
    const { time, run, ops } = setup(ringThenVoicemail, { overrideFlow: () => custom });
    const result = await time.drive(run.run(), [
      { at: 2000, run: () => run.override({ kind: 'voicemail' }) },
    ]);
    expect(ops).toEqual([
      'ring desk',
      'ring cancelled',
      'answer',
      'play Alice chose voicemail',
      'bye',
    ]);
    expect(result.outcome).toBe('overridden');
  });

  it('refuses a decision it cannot carry out and leaves the running element alone', async () => {
    const { time, run, ops } = setup(ringThenVoicemail);
    let accepted: boolean | undefined;
    const result = await time.drive(run.run(), [
      // The fake catalog has no `reject` element.
      { at: 2000, run: () => (accepted = run.override({ kind: 'reject', code: 603 })) },
    ]);
    expect(accepted).toBe(false);
    expect(result.outcome).not.toBe('error');
    expect(kinds(result.steps)).not.toContain('override:ring');
    expect(ops).not.toContain('ring cancelled');
  });

  it('is refused once the run is over', async () => {
    const { time, run } = setup(flowOf('main', [['start', 'start', {}, {}]]));
    await time.drive(run.run());
    expect(run.override({ kind: 'voicemail' })).toBe(false);
  });
});

describe('FlowRun: Go to flow', () => {
  const other = flowOf('other', [
    ['start', 'start', {}, { next: 'set' }],
    ['set', 'decide', { set: { from: 'other' } }, {}],
  ]);

  it('continues in the resolved flow with the same variables', async () => {
    const main = flowOf('main', [
      ['start', 'start', {}, { next: 'a' }],
      ['a', 'decide', { set: { account: 'A-1' } }, { next: 'go' }],
      ['go', 'jump', { flow: 'sales' }, {}],
    ]);
    const resolveFlow = (id: string): Promise<ResolvedFlow | undefined> =>
      Promise.resolve(id === 'sales' ? { flowId: 'sales', flow: other } : undefined);
    const { time, run } = setup(main, { resolveFlow });
    const result = await time.drive(run.run());
    expect(kinds(result.steps)).toEqual([
      'element:start>next',
      'element:a>next',
      'element:go>next',
      'goto:go',
      'element:start>next',
      'element:set>next',
      'end:set',
    ]);
    expect(result.steps[3]).toMatchObject({ flow: 'main', detail: { from: 'main', to: 'sales' } });
    expect(result.steps[5]).toMatchObject({ flow: 'sales', detail: { seen: { account: 'A-1' } } });
    expect(result.variables).toEqual({ account: 'A-1', from: 'other' });
    expect(result.flowId).toBe('sales');
  });

  it('counts jumps in the step limit, so two flows that go to each other stop', async () => {
    const ping = flowOf('ping', [['go', 'jump', { flow: 'pong' }, {}]]);
    const pong = flowOf('pong', [['go', 'jump', { flow: 'ping' }, {}]]);
    const resolveFlow = (id: string) =>
      Promise.resolve({ flowId: id, flow: id === 'ping' ? ping : pong });
    const { time, run } = setup(ping, { resolveFlow, maxSteps: 9 });
    const result = await time.drive(run.run());
    expect(result.outcome).toBe('step-limit');
    const counted = result.steps.filter((s) => s.kind === 'element' || s.kind === 'goto');
    expect(counted).toHaveLength(9);
  });

  it('ends with an error when the target flow does not exist or fails to load', async () => {
    const main = flowOf('main', [['go', 'jump', { flow: 'gone' }, {}]]);
    const missing = setup(main, { resolveFlow: () => Promise.resolve(undefined) });
    const first = await missing.time.drive(missing.run.run());
    expect(first.outcome).toBe('error');
    expect(first.steps.at(-2)).toMatchObject({
      kind: 'error',
      detail: { message: 'no flow "gone" to go to' },
    });

    const failing = setup(main, { resolveFlow: () => Promise.reject(new Error('store closed')) });
    const second = await failing.time.drive(failing.run.run());
    expect(second.outcome).toBe('error');
    expect(second.steps.at(-2)?.detail).toEqual({
      message: 'flow "gone" could not be loaded: store closed',
    });

    const none = setup(main);
    const third = await none.time.drive(none.run.run());
    expect(third.outcome).toBe('error');
  });
});
