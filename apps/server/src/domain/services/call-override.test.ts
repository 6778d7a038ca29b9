import type { CallDecision } from '@switchboard/contracts';
import type { OverrideDecision } from '@switchboard/flow';
import { describe, expect, it } from 'vitest';
import type { User } from '../model/index.js';
import type { LiveCall } from '../ports/live-calls.js';
import { manualClock, TEST_EPOCH, userInput } from '../../test-support/fixtures.js';
import { dialects, useStore } from '../../test-support/stores.js';
import { CallOverrideError, overrideCall } from './call-override.js';
import { LiveCallRegistry, toOverrideDecision, type OverrideNote } from './live-call-registry.js';

function liveCall(overrides: Partial<LiveCall> = {}): LiveCall {
  return {
    callId: 'call-1',
    userId: 'alice',
    callerKind: 'contact',
    callerNumber: '+12025550142',
    callerName: 'Bob Boss',
    networkName: null,
    contactId: 'bob',
    handlingCode: null,
    calledNumber: '+12025550100',
    startedAt: TEST_EPOCH,
    answered: false,
    flowId: 'builtin:ring-all',
    node: 'ring',
    ringing: [],
    ...overrides,
  };
}

describe('toOverrideDecision', () => {
  it('maps each API decision to the runtime’s override', () => {
    const cases: [CallDecision, OverrideDecision][] = [
      [
        { action: 'forward', deviceId: 'cell' },
        { kind: 'forward', target: { kind: 'device', userId: 'alice', deviceId: 'cell' } },
      ],
      [
        { action: 'forward', number: '+12025550199' },
        { kind: 'forward', target: { kind: 'number', number: '+12025550199' } },
      ],
      [{ action: 'voicemail' }, { kind: 'voicemail' }],
      [{ action: 'attendant' }, { kind: 'attendant' }],
      [{ action: 'reject' }, { kind: 'reject' }],
      [
        { action: 'reject', code: 603 },
        { kind: 'reject', code: 603 },
      ],
      [
        { action: 'answer', deviceId: 'desk' },
        { kind: 'answer-on', deviceId: 'desk' },
      ],
    ];
    for (const [decision, expected] of cases) {
      expect(toOverrideDecision('alice', decision)).toEqual(expected);
    }
  });
});

describe('LiveCallRegistry', () => {
  it('lists a user’s calls oldest first, follows updates, and forgets ended calls', async () => {
    const registry = new LiveCallRegistry();
    const refuse = { override: () => false };
    const second = registry.register(liveCall({ callId: 'c2', startedAt: TEST_EPOCH + 5 }), refuse);
    registry.register(liveCall({ callId: 'c1' }), refuse);
    registry.register(liveCall({ callId: 'b1', userId: 'bob' }), refuse);
    expect((await registry.list('alice')).map((c) => c.callId)).toEqual(['c1', 'c2']);
    second.update({ answered: true, node: null });
    expect(await registry.get('c2')).toMatchObject({ answered: true, node: null });
    second.end();
    second.end();
    second.update({ answered: false });
    expect(await registry.get('c2')).toBeUndefined();
    expect(registry.size()).toBe(2);
    expect(() => registry.register(liveCall({ callId: 'c1' }), refuse)).toThrow(RangeError);
  });

  it('refuses overrides of unknown and answered calls, and passes on what the flow says', async () => {
    const registry = new LiveCallRegistry();
    const taken: OverrideDecision[] = [];
    let accept = true;
    const handle = registry.register(liveCall(), {
      override: (decision) => {
        taken.push(decision);
        return accept;
      },
    });
    expect(await registry.override('nope', { action: 'voicemail' })).toMatchObject({
      ok: false,
      reason: 'not-found',
    });
    expect(await registry.override('call-1', { action: 'voicemail' })).toEqual({ ok: true });
    accept = false;
    expect(await registry.override('call-1', { action: 'attendant' })).toMatchObject({
      ok: false,
      reason: 'refused',
    });
    handle.update({ answered: true });
    expect(await registry.override('call-1', { action: 'reject' })).toMatchObject({
      ok: false,
      reason: 'answered',
    });
    expect(taken).toEqual([{ kind: 'voicemail' }, { kind: 'attendant' }]);
  });
});

describe.each(dialects)('overrideCall on %s', (dialect) => {
  const clock = manualClock();
  const store = useStore(dialect, { clock });

  async function setUp(): Promise<{
    user: User;
    registry: LiveCallRegistry;
    taken: OverrideDecision[];
    notes: OverrideNote[];
  }> {
    clock.set(TEST_EPOCH);
    const user = await store().users.put(userInput('alice', { country: 'US' }));
    await store().users.put(userInput('bob', { country: 'US' }));
    await store().devices.put({
      kind: 'external',
      userId: 'alice',
      id: 'cell',
      name: 'Cell',
      number: '+12025550199',
    });
    await store().devices.put({
      kind: 'external',
      userId: 'bob',
      id: 'bobcell',
      name: 'Bob cell',
      number: '+12025550198',
    });
    await store().handlingCodes.put({
      userId: 'alice',
      code: 'VIP',
      method: 'builtin:ring-all',
      description: null,
    });
    await store().contacts.put({
      id: 'bob',
      userId: 'alice',
      source: 'import',
      externalId: 'uid-bob',
      name: 'Bob Boss',
      organization: null,
      emails: [],
      phones: [{ e164: '+12025550142', raw: '202 555 0142', type: null }],
      handlingCode: null,
    });
    await store().calls.insert({
      id: 'call-1',
      userId: 'alice',
      direction: 'inbound',
      callerNumber: '+12025550142',
      callerName: 'Bob Boss',
      calledNumber: '+12025550100',
      contactId: 'bob',
      handlingCode: null,
      flowId: 'builtin:ring-all',
      flowVersion: null,
      outcome: 'in-progress',
      startedAt: TEST_EPOCH,
      answeredAt: null,
      endedAt: null,
    });
    const registry = new LiveCallRegistry();
    const taken: OverrideDecision[] = [];
    const notes: OverrideNote[] = [];
    registry.register(liveCall(), {
      override: (decision, note) => {
        taken.push(decision);
        notes.push(note);
        return true;
      },
    });
    return { user, registry, taken, notes };
  }

  const request = (user: User, decision: CallDecision, extra: object = {}) => ({
    user,
    callId: 'call-1',
    decision,
    remember: false,
    requestedBy: user.id,
    ...extra,
  });

  it('refuses, before touching anything, what cannot be carried out', async () => {
    const { user, registry, taken } = await setUp();
    const bob = (await store().users.get('bob'))!;
    const deps = { repos: store(), liveCalls: registry };
    const refusals: [Parameters<typeof overrideCall>[1], string, string | undefined][] = [
      [request(bob, { action: 'voicemail' }), 'not-found', undefined],
      [{ ...request(user, { action: 'voicemail' }), callId: 'nope' }, 'not-found', undefined],
      [request(user, { action: 'forward', deviceId: 'bobcell' }), 'invalid', 'decision.deviceId'],
      [request(user, { action: 'answer', deviceId: 'desk' }), 'invalid', 'decision.deviceId'],
      [request(user, { action: 'forward', number: 'call me' }), 'invalid', 'decision.number'],
      [request(user, { action: 'attendant' }), 'invalid', 'decision.action'],
      [
        request(user, { action: 'voicemail' }, { remember: true, handlingCode: 'GOLF' }),
        'invalid',
        'handlingCode',
      ],
      [request(user, { action: 'voicemail' }, { remember: true }), 'invalid', 'handlingCode'],
    ];
    for (const [input, kind, field] of refusals) {
      const error = await overrideCall(deps, input).catch((e: unknown) => e);
      expect(error, JSON.stringify(input.decision)).toBeInstanceOf(CallOverrideError);
      expect(error).toMatchObject({ kind, field });
    }
    expect(taken).toEqual([]);
    expect((await store().calls.listSteps('call-1')).map((s) => s.kind)).toEqual([]);
  });

  it('refuses remember for a caller who is not a contact, and an answered call with 409', async () => {
    const { user, registry } = await setUp();
    registry.register(liveCall({ callId: 'call-2', contactId: null, callerKind: 'unknown' }), {
      override: () => true,
    });
    await expect(
      overrideCall(
        { repos: store(), liveCalls: registry },
        {
          ...request(user, { action: 'voicemail' }, { remember: true, handlingCode: 'VIP' }),
          callId: 'call-2',
        },
      ),
    ).rejects.toMatchObject({ kind: 'invalid', field: 'remember' });
    registry.register(liveCall({ callId: 'call-3', answered: true }), { override: () => true });
    await expect(
      overrideCall(
        { repos: store(), liveCalls: registry },
        { ...request(user, { action: 'voicemail' }), callId: 'call-3' },
      ),
    ).rejects.toMatchObject({ kind: 'conflict' });
  });

  it('leaves the contact alone when the running flow refuses the decision', async () => {
    const { user } = await setUp();
    const registry = new LiveCallRegistry();
    registry.register(liveCall(), { override: () => false });
    await expect(
      overrideCall(
        { repos: store(), liveCalls: registry },
        request(user, { action: 'voicemail' }, { remember: true, handlingCode: 'VIP' }),
      ),
    ).rejects.toMatchObject({ kind: 'conflict' });
    expect((await store().contacts.get('alice', 'bob'))?.handlingCode).toBeNull();
    expect(await store().calls.listSteps('call-1')).toEqual([]);
  });

  it('carries out a decision, hands the call what to record, and remembers the code', async () => {
    const { user, registry, taken, notes } = await setUp();
    clock.advance(7000);
    const result = await overrideCall(
      { repos: store(), liveCalls: registry },
      request(
        user,
        { action: 'forward', deviceId: 'cell' },
        { remember: true, handlingCode: 'vip' },
      ),
    );
    expect(taken).toEqual([
      { kind: 'forward', target: { kind: 'device', userId: 'alice', deviceId: 'cell' } },
    ]);
    expect(result.remembered).toEqual({ contactId: 'bob', handlingCode: 'VIP', previous: null });
    // The contact keeps where it came from; only the code changed.
    expect(await store().contacts.get('alice', 'bob')).toMatchObject({
      source: 'import',
      externalId: 'uid-bob',
      name: 'Bob Boss',
      handlingCode: 'VIP',
    });
    // The running call records the override itself (InboundCall.track), in order with its steps.
    expect(notes).toEqual([
      { decision: { action: 'forward', deviceId: 'cell' }, requestedBy: 'alice', remember: 'VIP' },
    ]);
  });
});
