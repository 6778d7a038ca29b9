import {
  CallerCallsDto,
  LiveCallList,
  OverrideResultDto,
  ServerEvent,
  type CallList,
} from '@switchboard/contracts';
import { FlowRun } from '@switchboard/flow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { CallRecord } from '../domain/model/index.js';
import { startInboundCall, type InboundCall } from '../domain/services/inbound-call.js';
import { LiveCallRegistry } from '../domain/services/live-call-registry.js';
import { PASSWORDS, startApiHarness, type ApiHarness } from '../test-support/api-harness.js';
import { RecordingCall, testFlowServices } from '../test-support/recording-call.js';
import { dialects } from '../test-support/stores.js';

const MINUTE = 60_000;

describe.each(dialects)('calls API on %s', (dialect) => {
  let h: ApiHarness;
  let registry: LiveCallRegistry;
  let alice: string;
  let bob: string;
  let admin: string;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeEach(async () => {
    registry = new LiveCallRegistry();
    h = await startApiHarness({ dialect, liveCalls: registry });
    [alice, bob, admin] = await Promise.all([
      h.login('alice@example.test', PASSWORDS.alice),
      h.login('bob@example.test', PASSWORDS.bob),
      h.login('admin@example.test', PASSWORDS.admin),
    ]);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await h.close();
  });

  function get(cookie: string, url: string) {
    return h.app.inject({ method: 'GET', url, headers: { cookie } });
  }
  function post(cookie: string, url: string, payload: object) {
    return h.app.inject({ method: 'POST', url, headers: { cookie }, payload });
  }
  const issuePaths = (body: string) =>
    (JSON.parse(body) as { error: { issues?: { path: string }[] } }).error.issues?.map(
      (i) => i.path,
    );

  function call(id: string, minutesAgo: number, overrides: Partial<CallRecord> = {}): CallRecord {
    const startedAt = h.clock.now() - minutesAgo * MINUTE;
    return {
      id,
      userId: 'u-alice',
      direction: 'inbound',
      callerNumber: '+12025550142',
      callerName: 'Bob Boss',
      calledNumber: '+12025550100',
      contactId: 'bob',
      handlingCode: null,
      flowId: 'builtin:ring-all',
      flowVersion: null,
      outcome: 'answered',
      startedAt,
      answeredAt: startedAt + 5000,
      endedAt: startedAt + 65_000,
      answeredBy: 'device:desk',
      ...overrides,
    };
  }

  async function aliceContacts(): Promise<void> {
    await h.store.contacts.put({
      id: 'bob',
      userId: 'u-alice',
      source: 'api',
      externalId: null,
      name: 'Bob Boss',
      organization: null,
      emails: [],
      phones: [{ e164: '+12025550142', raw: '(202) 555-0142', type: 'cell' }],
      handlingCode: null,
    });
    await h.store.handlingCodes.put({
      userId: 'u-alice',
      code: 'BLOCK',
      method: 'builtin:reject',
      description: null,
    });
  }

  describe('history', () => {
    beforeEach(async () => {
      await aliceContacts();
      await h.store.calls.insert(call('c1', 60));
      await h.store.calls.insert(call('c2', 50, { outcome: 'voicemail', answeredBy: 'system' }));
      await h.store.calls.insert(
        call('c3', 40, {
          callerNumber: '+442079460958',
          callerName: null,
          contactId: null,
          outcome: 'missed',
        }),
      );
      await h.store.calls.insert(
        call('c4', 30, {
          callerNumber: null,
          callerName: null,
          contactId: null,
          outcome: 'rejected',
        }),
      );
      await h.store.calls.insert(
        call('c5', 1, { outcome: 'in-progress', answeredAt: null, endedAt: null }),
      );
    });
    const ids = (body: string) => (JSON.parse(body) as CallList).items.map((c) => c.id);

    it('filters by caller in any format, anonymous, contact, outcomes and dates', async () => {
      const list = async (query: string) => {
        const response = await get(alice, `/api/users/me/calls${query}`);
        expect(response.statusCode, `${query}: ${response.body}`).toBe(200);
        return ids(response.body);
      };
      expect(await list('')).toEqual(['c5', 'c4', 'c3', 'c2', 'c1']);
      expect(await list('?caller=(202)%20555-0142')).toEqual(['c5', 'c2', 'c1']);
      expect(await list('?caller=%2B44%2020%207946%200958')).toEqual(['c3']);
      expect(await list('?caller=anonymous')).toEqual(['c4']);
      expect(await list('?contactId=bob&outcome=answered,voicemail')).toEqual(['c2', 'c1']);
      const from = new Date(h.clock.now() - 55 * MINUTE).toISOString();
      const to = new Date(h.clock.now() - 35 * MINUTE).toISOString();
      expect(await list(`?from=${from}&to=${to}`)).toEqual(['c3', 'c2']);
      expect(await list('?limit=2')).toEqual(['c5', 'c4']);
      const first = await get(alice, '/api/users/me/calls?limit=1&outcome=answered');
      expect(JSON.parse(first.body)).toMatchObject({
        items: [{ id: 'c1', answeredBy: 'device:desk' }],
      });
    });

    it('names the bad query field', async () => {
      const bad: [string, string][] = [
        ['?caller=call%20me', 'query.caller'],
        ['?outcome=answered,lost', 'query.outcome[1]'],
        ['?outcome=', 'query.outcome'],
        ['?from=yesterday', 'query.from'],
        [
          `?from=${new Date(h.clock.now()).toISOString()}&to=${new Date(h.clock.now()).toISOString()}`,
          'query.to',
        ],
      ];
      for (const [query, path] of bad) {
        const response = await get(alice, `/api/users/me/calls${query}`);
        expect(response.statusCode, query).toBe(400);
        expect(issuePaths(response.body), query).toEqual([path]);
      }
    });

    it('shows one caller’s current and previous calls with their contact', async () => {
      const response = await get(alice, '/api/users/me/callers/%2B12025550142/calls?limit=1');
      expect(response.statusCode).toBe(200);
      const body = CallerCallsDto.parse(response.json());
      expect(body.number).toBe('+12025550142');
      expect(body.contact).toEqual({ id: 'bob', name: 'Bob Boss', handlingCode: null });
      expect(body.current.map((c) => c.id)).toEqual(['c5']);
      expect(body.previous.map((c) => c.id)).toEqual(['c2']);
      // A national number reads in the user's country; a number with no calls is empty.
      const national = await get(alice, '/api/users/me/callers/202-555-0142/calls');
      expect(CallerCallsDto.parse(national.json()).previous.map((c) => c.id)).toEqual(['c2', 'c1']);
      const stranger = CallerCallsDto.parse(
        (await get(alice, '/api/users/me/callers/%2B12025550177/calls')).json(),
      );
      expect(stranger).toEqual({
        number: '+12025550177',
        contact: null,
        current: [],
        previous: [],
      });
      const bad = await get(alice, '/api/users/me/callers/nobody/calls');
      expect(bad.statusCode).toBe(400);
      expect(issuePaths(bad.body)).toEqual(['params.number']);
    });

    it('keeps each user’s history to themselves (admins see it)', async () => {
      expect(ids((await get(bob, '/api/users/me/calls')).body)).toEqual([]);
      expect((await get(bob, '/api/users/u-alice/calls')).statusCode).toBe(403);
      expect((await get(bob, '/api/users/me/calls/c1')).statusCode).toBe(404);
      expect(ids((await get(admin, '/api/users/u-alice/calls?caller=anonymous')).body)).toEqual([
        'c4',
      ]);
    });
  });

  describe('live calls and overrides', () => {
    /** A real call through the domain, ringing alice's devices until something stops it. */
    async function ringingCall(): Promise<{
      call: InboundCall;
      control: RecordingCall;
      done: Promise<unknown>;
    }> {
      await aliceContacts();
      await h.store.numbers.put('+12025550100', 'u-alice');
      await h.store.devices.put({
        kind: 'sip',
        userId: 'u-alice',
        id: 'desk',
        name: 'Desk',
        sipUsername: 'alice-desk',
        sipPassword: 'pw',
      });
      await h.store.devices.put({
        kind: 'external',
        userId: 'u-alice',
        id: 'cell',
        name: 'Cell',
        number: '+12025550199',
      });
      const started = await startInboundCall(
        { store: h.store, events: h.events, clock: h.clock, newId: () => 'live-1' },
        { calledNumber: '+12025550100', callingNumber: '+12025550142' },
      );
      if (!started.ok) throw new Error(started.message);
      const { call } = started;
      // Alice's devices ring until stopped; her cell, once forwarded to, does not answer.
      const control = new RecordingCall((request) =>
        request.targets.length === 1 &&
        request.targets.every((t) => t.kind === 'device' && t.deviceId === 'cell')
          ? { outcome: 'no-answer' }
          : 'wait',
      );
      const hangUp = new AbortController();
      const run = new FlowRun({
        ...call.runOptions(),
        call: control,
        services: testFlowServices(() => h.clock.now()),
        hangUp: hangUp.signal,
      });
      call.track(registry, run);
      const done = run.run().then(() => call.finish('forwarded'));
      cleanups.push(async () => {
        hangUp.abort(new Error('test over'));
        await done;
      });
      await control.ringing();
      return { call, control, done };
    }

    it('lists the call and forwards it to a device on the user’s word, remembering a code', async () => {
      const { control, done } = await ringingCall();
      const live = LiveCallList.parse((await get(alice, '/api/users/me/calls/live')).json());
      expect(live.items).toEqual([
        expect.objectContaining({
          callId: 'live-1',
          caller: {
            kind: 'contact',
            number: '+12025550142',
            name: 'Bob Boss',
            networkName: null,
            contactId: 'bob',
            handlingCode: null,
          },
          answered: false,
          flowId: 'builtin:ring-all',
          node: 'ring',
        }),
      ]);
      expect(LiveCallList.parse((await get(bob, '/api/users/me/calls/live')).json()).items).toEqual(
        [],
      );

      const response = await post(alice, '/api/users/me/calls/live-1/override', {
        decision: { action: 'forward', deviceId: 'cell' },
        remember: true,
        handlingCode: 'block',
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(OverrideResultDto.parse(response.json())).toEqual({
        callId: 'live-1',
        decision: { action: 'forward', deviceId: 'cell' },
        remembered: { contactId: 'bob', handlingCode: 'BLOCK', previous: null },
      });
      await done;
      expect(control.actions).toContain('ring device:cell');
      expect((await h.store.contacts.get('u-alice', 'bob'))?.handlingCode).toBe('BLOCK');
      const detail = (await get(alice, '/api/users/me/calls/live-1')).json<{
        outcome: string;
        steps: { kind: string; detail: Record<string, unknown> }[];
      }>();
      expect(detail.outcome).toBe('forwarded');
      expect(detail.steps.find((s) => s.kind === 'override')?.detail).toEqual({
        decision: { action: 'forward', deviceId: 'cell' },
        requestedBy: 'u-alice',
        remember: 'BLOCK',
      });
      // Over: it is no longer live, and a late override is a 404.
      expect(
        LiveCallList.parse((await get(alice, '/api/users/me/calls/live')).json()).items,
      ).toEqual([]);
      expect(
        (
          await post(alice, '/api/users/me/calls/live-1/override', {
            decision: { action: 'voicemail' },
          })
        ).statusCode,
      ).toBe(404);
    });

    it('checks the decision: its device, its number, the call’s owner and state', async () => {
      const { call } = await ringingCall();
      const attempts: [string, object, number, string[] | undefined][] = [
        ['me', { decision: { action: 'forward', deviceId: 'boat' } }, 400, ['decision.deviceId']],
        ['me', { decision: { action: 'forward', number: 'call me' } }, 400, ['decision.number']],
        ['me', { decision: { action: 'forward' } }, 400, ['decision.deviceId']],
        ['me', { decision: { action: 'reject', code: 407 } }, 400, ['decision.code']],
        ['me', { decision: { action: 'teleport' } }, 400, ['decision.action']],
        ['me', { decision: { action: 'attendant' } }, 400, ['decision.action']],
        ['me', { decision: { action: 'voicemail' }, remember: true }, 400, ['handlingCode']],
        [
          'me',
          { decision: { action: 'voicemail' }, remember: true, handlingCode: 'GOLF' },
          400,
          ['handlingCode'],
        ],
      ];
      for (const [who, body, status, paths] of attempts) {
        const response = await post(alice, `/api/users/${who}/calls/live-1/override`, body);
        expect(response.statusCode, JSON.stringify(body)).toBe(status);
        expect(issuePaths(response.body), JSON.stringify(body)).toEqual(paths);
      }
      // Bob cannot see it; for admins it is alice's call under alice's path.
      expect(
        (
          await post(bob, '/api/users/me/calls/live-1/override', {
            decision: { action: 'voicemail' },
          })
        ).statusCode,
      ).toBe(404);
      // Answered: too late.
      call.answered({ kind: 'device', userId: 'u-alice', deviceId: 'desk' });
      const late = await post(admin, '/api/users/u-alice/calls/live-1/override', {
        decision: { action: 'voicemail' },
      });
      expect(late.statusCode).toBe(409);
      expect(late.json()).toMatchObject({ error: { code: 'conflict' } });
      expect(
        (await h.store.calls.listSteps('live-1')).filter((s) => s.kind === 'override'),
      ).toEqual([]);
    });

    it('sends the call’s events to the user’s WebSocket', async () => {
      const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
      const socket = new WebSocket(`${address.replace(/^http/, 'ws')}/api/events`, {
        headers: { cookie: alice },
      });
      const received: ServerEvent[] = [];
      socket.on('message', (data: Buffer) => {
        received.push(ServerEvent.parse(JSON.parse(data.toString('utf8'))));
      });
      cleanups.push(() => {
        socket.terminate();
      });
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      const { control } = await ringingCall();
      expect(control.actions).toContain('ring device:cell,device:desk');
      const response = await post(alice, '/api/users/me/calls/live-1/override', {
        decision: { action: 'voicemail' },
      });
      expect(response.statusCode).toBe(200);
      const deadline = Date.now() + 3000;
      while (!received.some((e) => e.type === 'call.ended') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const types = received.map((e) => e.type);
      expect(types[0]).toBe('hello');
      expect(types).toContain('call.incoming');
      expect(types).toContain('call.step');
      expect(types.at(-1)).toBe('call.ended');
      expect(received.find((e) => e.type === 'call.incoming')).toMatchObject({
        callId: 'live-1',
        userId: 'u-alice',
        caller: { name: 'Bob Boss' },
        method: 'builtin:ring-all',
      });
      expect(
        received.some(
          (e) => e.type === 'call.step' && e.kind === 'override' && e.flow === 'builtin:ring-all',
        ),
      ).toBe(true);
    });
  });
});
