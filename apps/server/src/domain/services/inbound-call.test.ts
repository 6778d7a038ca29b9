import type { ServerEvent } from '@switchboard/contracts';
import { FlowRun } from '@switchboard/flow';
import { describe, expect, it } from 'vitest';
import { manualClock, TEST_EPOCH, userInput } from '../../test-support/fixtures.js';
import { RecordingCall, testFlowServices } from '../../test-support/recording-call.js';
import { dialects, useStore } from '../../test-support/stores.js';
import { overrideCall } from './call-override.js';
import { EventBus } from './event-bus.js';
import { describeTarget, startInboundCall, type InboundCall } from './inbound-call.js';
import { LiveCallRegistry } from './live-call-registry.js';

describe('describeTarget', () => {
  it('names who answered for the call record', () => {
    expect(describeTarget({ kind: 'device', userId: 'alice', deviceId: 'desk' }, 'alice')).toBe(
      'device:desk',
    );
    expect(describeTarget({ kind: 'device', userId: 'bob', deviceId: 'desk' }, 'alice')).toBe(
      'device:bob/desk',
    );
    expect(describeTarget({ kind: 'number', number: '+12025550199' }, 'alice')).toBe(
      'number:+12025550199',
    );
    expect(describeTarget({ kind: 'user', userId: 'bob' }, 'alice')).toBe('user:bob');
  });
});

describe.each(dialects)('an inbound call through the domain on %s', (dialect) => {
  const clock = manualClock();
  const store = useStore(dialect, { clock });

  async function setUp(): Promise<{ events: ServerEvent[]; bus: EventBus }> {
    clock.set(TEST_EPOCH);
    await store().users.put(
      userInput('alice', {
        country: 'US',
        timezone: 'America/New_York',
        defaultHandling: 'builtin:ring-then-voicemail',
        unknownHandling: 'builtin:voicemail',
      }),
    );
    await store().numbers.put('+12025550100', 'alice');
    await store().devices.put({
      kind: 'sip',
      userId: 'alice',
      id: 'desk',
      name: 'Desk',
      sipUsername: 'alice-desk',
      sipPassword: 'pw',
    });
    for (const [code, method] of [
      ['VIP', 'builtin:ring-then-voicemail'],
      ['BLOCK', 'builtin:reject'],
    ] as const) {
      await store().handlingCodes.put({ userId: 'alice', code, method, description: null });
    }
    await store().contacts.put({
      id: 'bob',
      userId: 'alice',
      source: 'api',
      externalId: null,
      name: 'Bob Boss',
      organization: null,
      emails: [],
      phones: [{ e164: '+12025550142', raw: '(202) 555-0142', type: 'cell' }],
      handlingCode: null,
    });
    const bus = new EventBus();
    const events: ServerEvent[] = [];
    bus.subscribe('alice', (event) => events.push(event));
    return { events, bus };
  }

  async function start(bus: EventBus, callingNumber: string | null, calledNumber = '12025550100') {
    const started = await startInboundCall(
      { store: store(), events: bus, clock, newId: () => 'call-1' },
      { calledNumber, callingNumber, displayName: '"Network Name"', privacy: [] },
    );
    if (!started.ok) throw new Error(started.message);
    return started.call;
  }

  function runFlow(call: InboundCall, control: RecordingCall, hangUp = new AbortController()) {
    return new FlowRun({
      ...call.runOptions(),
      call: control,
      services: testFlowServices(() => clock.now()),
      hangUp: hangUp.signal,
    });
  }

  it('refuses a number no user has', async () => {
    const { bus } = await setUp();
    const started = await startInboundCall(
      { store: store(), events: bus, clock },
      { calledNumber: '+12025550999', callingNumber: '+12025550142' },
    );
    expect(started).toEqual({
      ok: false,
      reason: 'unknown-number',
      message: 'no user has the number +12025550999',
    });
    expect(await store().calls.listByUser('alice')).toEqual([]);
  });

  it('records who calls, the status and the method before anything rings, and says so live', async () => {
    const { events, bus } = await setUp();
    const call = await start(bus, 'sip:2025550142@carrier.example');
    // The record and its first steps are queued for the journal's next commit.
    await call.flushed();
    expect(await store().calls.get('call-1')).toMatchObject({
      userId: 'alice',
      callerNumber: '+12025550142',
      callerName: 'Bob Boss',
      calledNumber: '+12025550100',
      contactId: 'bob',
      handlingCode: null,
      flowId: 'builtin:ring-then-voicemail',
      flowVersion: null,
      outcome: 'in-progress',
      startedAt: TEST_EPOCH,
    });
    const steps = await store().calls.listSteps('call-1');
    expect(steps.map((s) => s.kind)).toEqual(['lookup', 'status', 'method']);
    expect(steps[0]?.detail).toMatchObject({
      callerKind: 'contact',
      contactId: 'bob',
      networkName: 'Network Name',
    });
    expect(steps[1]?.detail).toMatchObject({ status: 'available', source: 'default' });
    expect(steps[2]?.detail).toMatchObject({
      reason: 'no-code',
      method: 'builtin:ring-then-voicemail',
      passedOver: [],
    });
    expect(events).toEqual([
      {
        type: 'call.incoming',
        callId: 'call-1',
        userId: 'alice',
        at: new Date(TEST_EPOCH).toISOString(),
        caller: {
          kind: 'contact',
          number: '+12025550142',
          name: 'Bob Boss',
          networkName: 'Network Name',
          contactId: 'bob',
          handlingCode: null,
        },
        calledNumber: '+12025550100',
        status: 'available',
        reason: 'no-code',
        method: 'builtin:ring-then-voicemail',
        flowVersion: null,
      },
    ]);
    expect(call.liveCall()).toMatchObject({ callId: 'call-1', answered: false, ringing: [] });
  });

  it('records every step of the flow, who answered and the end, with live events', async () => {
    const { events, bus } = await setUp();
    const call = await start(bus, '+12025550142');
    const registry = new LiveCallRegistry();
    const control = new RecordingCall((request) => {
      const [target] = request.targets;
      if (target === undefined) return { outcome: 'failed', detail: 'no target' };
      clock.advance(4000);
      call.answered(target);
      return { outcome: 'answered', by: target };
    });
    const run = runFlow(call, control);
    call.track(registry, run);
    expect((await registry.list('alice')).map((c) => c.callId)).toEqual(['call-1']);
    const result = await run.run();
    expect(result.outcome).toBe('ended');
    clock.advance(1000);
    const record = await call.finish('answered');
    expect(record).toMatchObject({
      outcome: 'answered',
      answeredAt: TEST_EPOCH + 4000,
      answeredBy: 'device:desk',
      endedAt: TEST_EPOCH + 5000,
    });
    expect(registry.size()).toBe(0);
    const kinds = (await store().calls.listSteps('call-1')).map((s) => s.kind);
    expect(kinds[0]).toBe('lookup');
    expect(kinds.slice(3)).toEqual(['element', 'element', 'element', 'end', 'ended']);
    const steps = await store().calls.listSteps('call-1');
    expect(
      steps.find((s) => s.kind === 'element' && s.detail['node'] === 'ring')?.detail,
    ).toMatchObject({
      flow: 'builtin:ring-then-voicemail',
      type: 'ring-devices',
      pin: 'answered',
    });
    expect(steps.at(-1)?.detail).toEqual({ outcome: 'answered' });
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('call.incoming');
    expect(types).toContain('call.answered');
    expect(types.filter((t) => t === 'call.step')).toHaveLength(4);
    expect(types.at(-1)).toBe('call.ended');
    expect(events.at(-1)).toMatchObject({ outcome: 'answered', durationMs: 5000 });
    // Finishing twice changes nothing.
    expect(await call.finish('failed')).toMatchObject({ outcome: 'answered' });
  });

  it('takes the user’s override while devices ring: forward to a number, remembered as BLOCK', async () => {
    const { events, bus } = await setUp();
    const call = await start(bus, '+12025550142');
    const registry = new LiveCallRegistry();
    const control = new RecordingCall((request) =>
      request.targets.some((t) => t.kind === 'number') ? { outcome: 'no-answer' } : 'wait',
    );
    const run = runFlow(call, control);
    call.track(registry, run);
    const running = run.run();
    await control.ringing();
    call.ringing([{ kind: 'device', userId: 'alice', deviceId: 'desk' }], 'simultaneous');
    expect((await registry.get('call-1'))?.ringing).toEqual([
      { kind: 'device', userId: 'alice', deviceId: 'desk' },
    ]);

    const user = await store().users.get('alice');
    const result = await overrideCall(
      { repos: store(), liveCalls: registry },
      {
        user: user!,
        callId: 'call-1',
        decision: { action: 'forward', number: '(202) 555-0199' },
        remember: true,
        handlingCode: 'block',
        requestedBy: 'alice',
      },
    );
    expect(result).toMatchObject({
      decision: { action: 'forward', number: '+12025550199' },
      remembered: { contactId: 'bob', handlingCode: 'BLOCK', previous: null },
    });
    expect((await running).outcome).toBe('overridden');
    expect(control.actions).toContain('ring stopped');
    expect(control.actions).toContain('ring number:+12025550199');
    await call.finish('forwarded');
    // The contact carries the code from now on.
    expect((await store().contacts.get('alice', 'bob'))?.handlingCode).toBe('BLOCK');
    const steps = await store().calls.listSteps('call-1');
    const override = steps.find((s) => s.kind === 'override');
    expect(override?.detail).toEqual({
      decision: { action: 'forward', number: '+12025550199' },
      requestedBy: 'alice',
      remember: 'BLOCK',
    });
    expect(steps.some((s) => s.kind === 'override-applied')).toBe(true);
    expect(events.some((e) => e.type === 'call.ringing')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'call.ended', outcome: 'forwarded' });
    // A second call from Bob now runs the BLOCK method.
    const next = await startInboundCall(
      { store: store(), events: bus, clock, newId: () => 'call-2' },
      { calledNumber: '+12025550100', callingNumber: '+12025550142' },
    );
    expect(next.ok && next.call.choice.method).toBe('builtin:reject');
  });

  it('keeps going when the store fails a step write, and logs it', async () => {
    const { bus } = await setUp();
    const call = await start(bus, null);
    expect(call.identification.kind).toBe('anonymous');
    expect(call.choice.method).toBe('builtin:voicemail');
    // A step for a call that is gone cannot be written; the call itself goes on.
    await store().calls.update('call-1', {});
    await store().users.delete('alice');
    call.onStep({ seq: 1, at: TEST_EPOCH, kind: 'end', flow: 'builtin:voicemail' });
    await expect(call.flushed()).resolves.toBeUndefined();
  });
});
