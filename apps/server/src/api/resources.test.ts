import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PASSWORDS, startApiHarness, type ApiHarness } from '../test-support/api-harness.js';
import { dialects } from '../test-support/stores.js';

let h: ApiHarness;
let admin: string;
let alice: string;
let bob: string;

// The API runs the same on both engines; these suites check that through real stores.
describe.each(dialects)('on %s', (dialect) => {
  beforeEach(async () => {
    h = await startApiHarness({ dialect });
    [admin, alice, bob] = await Promise.all([
      h.login('admin@example.test', PASSWORDS.admin),
      h.login('alice@example.test', PASSWORDS.alice),
      h.login('bob@example.test', PASSWORDS.bob),
    ]);
  });
  afterEach(async () => {
    await h.close();
  });

  type Sent = LightMyRequestResponse;

  function call(cookie: string, method: string, url: string, payload?: unknown): Promise<Sent> {
    return h.app.inject({
      method: method as 'GET',
      url,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  }

  function issues(response: Sent): { path: string; message: string }[] {
    return (
      response.json<{ error: { issues?: { path: string; message: string }[] } }>().error.issues ??
      []
    );
  }

  describe('contacts', () => {
    it('normalises phones written in the owner’s country to E.164', async () => {
      const forAlice = await call(alice, 'POST', '/api/users/me/contacts', {
        name: 'Dr. Who',
        organization: 'TARDIS Ltd',
        emails: ['Who@Example.test'],
        phones: ['(202) 555-0142', { number: '+44 20 7946 0958', type: 'Work' }, '202.555.0142'],
        handlingCode: 'vip',
      });
      expect(forAlice.statusCode).toBe(201);
      expect(forAlice.json()).toMatchObject({
        source: 'api',
        emails: ['who@example.test'],
        handlingCode: 'VIP',
        // The same number written twice is kept once.
        phones: [
          { e164: '+12025550142', raw: '(202) 555-0142', type: null },
          { e164: '+442079460958', raw: '+44 20 7946 0958', type: 'work' },
        ],
      });
      // The stored contact is found by caller lookup.
      const found = await h.store.contacts.findByPhone('u-alice', '+12025550142');
      expect(found.map((c) => c.name)).toEqual(['Dr. Who']);

      // Bob lives in GB: the same kind of national number reads differently.
      const forBob = await call(bob, 'POST', '/api/users/me/contacts', {
        name: 'Mum',
        phones: ['020 7946 0958'],
      });
      expect(forBob.json()).toMatchObject({ phones: [{ e164: '+442079460958' }] });
    });

    it('answers a bad number with a 400 naming phones[i] and stores nothing', async () => {
      const response = await call(alice, 'POST', '/api/users/me/contacts', {
        name: 'Broken',
        phones: ['(202) 555-0142', 'call me maybe', '12'],
      });
      expect(response.statusCode).toBe(400);
      const found = issues(response);
      expect(found.map((i) => i.path)).toEqual(['phones[1]', 'phones[2]']);
      expect(found[0]?.message).toContain('call me maybe');
      expect(await h.store.contacts.countByUser('u-alice')).toBe(0);
    });

    it('reports schema problems with their paths', async () => {
      const response = await call(alice, 'POST', '/api/users/me/contacts', {
        name: '',
        emails: ['fine@example.test', 'not-an-email'],
        phones: [42],
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: { code: 'validation' } });
      expect(
        issues(response)
          .map((i) => i.path)
          .sort(),
      ).toEqual(['emails[1]', 'name', 'phones[0]']);
    });

    it('pages through the list', async () => {
      for (const name of ['Ann', 'Ben', 'Cat']) {
        expect((await call(alice, 'POST', '/api/users/me/contacts', { name })).statusCode).toBe(
          201,
        );
      }
      const first = await call(alice, 'GET', '/api/users/me/contacts?limit=2');
      expect(first.json()).toMatchObject({ total: 3, limit: 2, offset: 0 });
      const second = await call(alice, 'GET', '/api/users/me/contacts?limit=2&offset=2');
      const names = [
        ...first.json<{ items: { name: string }[] }>().items,
        ...second.json<{ items: { name: string }[] }>().items,
      ].map((c) => c.name);
      expect(names.sort()).toEqual(['Ann', 'Ben', 'Cat']);
      const bad = await call(alice, 'GET', '/api/users/me/contacts?limit=0');
      expect(bad.statusCode).toBe(400);
      expect(issues(bad).map((i) => i.path)).toEqual(['query.limit']);
    });

    it('replaces and deletes a contact', async () => {
      const created = await call(alice, 'POST', '/api/users/me/contacts', {
        name: 'Old name',
        phones: ['202 555 0100'],
      });
      const { id } = created.json<{ id: string }>();
      const replaced = await call(alice, 'PUT', `/api/users/me/contacts/${id}`, {
        name: 'New name',
        phones: ['202 555 0199'],
      });
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json()).toMatchObject({
        id,
        name: 'New name',
        phones: [{ e164: '+12025550199' }],
      });
      expect(await h.store.contacts.findByPhone('u-alice', '+12025550100')).toEqual([]);

      expect((await call(alice, 'DELETE', `/api/users/me/contacts/${id}`)).statusCode).toBe(204);
      expect((await call(alice, 'GET', `/api/users/me/contacts/${id}`)).statusCode).toBe(404);
      expect((await call(alice, 'DELETE', `/api/users/me/contacts/${id}`)).statusCode).toBe(404);
    });
  });

  describe('numbers', () => {
    it('assigns numbers, and refuses a number another user has with 409', async () => {
      const assigned = await call(admin, 'POST', '/api/users/u-alice/numbers', {
        number: '(202) 555-0100',
      });
      expect(assigned.statusCode).toBe(201);
      expect(assigned.json()).toMatchObject({ number: '+12025550100', userId: 'u-alice' });
      // Assigning it to the same user again changes nothing.
      const again = await call(admin, 'POST', '/api/users/u-alice/numbers', {
        number: '+12025550100',
      });
      expect(again.statusCode).toBe(200);

      const taken = await call(admin, 'POST', '/api/users/u-bob/numbers', {
        number: '+1 202 555 0100',
      });
      expect(taken.statusCode).toBe(409);
      expect(taken.json()).toEqual({
        error: {
          code: 'conflict',
          message: 'The number +12025550100 already belongs to another user',
        },
      });
      expect(await h.store.numbers.get('+12025550100')).toMatchObject({ userId: 'u-alice' });

      const mine = await call(alice, 'GET', '/api/users/me/numbers');
      expect(mine.json()).toMatchObject({ items: [{ number: '+12025550100' }] });
    });

    it('leaves assigning and releasing to admins', async () => {
      const claim = await call(alice, 'POST', '/api/users/me/numbers', { number: '+12025550111' });
      expect(claim.statusCode).toBe(403);
      await h.store.numbers.put('+12025550111', 'u-alice');
      expect((await call(alice, 'DELETE', '/api/users/me/numbers/+12025550111')).statusCode).toBe(
        403,
      );
      const released = await call(admin, 'DELETE', '/api/users/u-alice/numbers/%2B12025550111');
      expect(released.statusCode).toBe(204);
      expect(await h.store.numbers.get('+12025550111')).toBeUndefined();
    });

    it('names the field of an unreadable number', async () => {
      const response = await call(admin, 'POST', '/api/users/u-alice/numbers', { number: 'nine' });
      expect(response.statusCode).toBe(400);
      expect(issues(response).map((i) => i.path)).toEqual(['number']);
    });
  });

  describe('devices', () => {
    it('shows the SIP password to the owner and refuses a taken SIP username', async () => {
      const created = await call(alice, 'POST', '/api/users/me/devices', {
        kind: 'sip',
        id: 'desk',
        name: 'Desk phone',
        sipUsername: 'alice-desk',
      });
      expect(created.statusCode).toBe(201);
      const device = created.json<{ sipPassword: string }>();
      expect(device).toMatchObject({ kind: 'sip', sipUsername: 'alice-desk', userId: 'u-alice' });
      expect(device.sipPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);

      const asAdmin = await call(admin, 'GET', '/api/users/u-alice/devices/desk');
      expect(asAdmin.json()).toMatchObject({ sipPassword: device.sipPassword });
      expect((await call(bob, 'GET', '/api/users/u-alice/devices/desk')).statusCode).toBe(403);

      const clash = await call(bob, 'POST', '/api/users/me/devices', {
        kind: 'sip',
        id: 'desk',
        name: 'Bob desk',
        sipUsername: 'alice-desk',
      });
      expect(clash.statusCode).toBe(409);
      expect(await h.store.devices.listByUser('u-bob')).toEqual([]);
    });

    it('normalises external numbers and keeps fields to their kind', async () => {
      const created = await call(alice, 'POST', '/api/users/me/devices', {
        kind: 'external',
        id: 'cell',
        name: 'Cell',
        number: '202-555-0177',
      });
      expect(created.json()).toMatchObject({ kind: 'external', number: '+12025550177' });
      const wrong = await call(alice, 'PATCH', '/api/users/me/devices/cell', {
        sipPassword: 'abcdefgh',
      });
      expect(wrong.statusCode).toBe(400);
      expect(issues(wrong).map((i) => i.path)).toEqual(['sipPassword']);
      const renamed = await call(alice, 'PATCH', '/api/users/me/devices/cell', {
        name: 'Mobile',
        number: '+1 202 555 0178',
      });
      expect(renamed.json()).toMatchObject({ name: 'Mobile', number: '+12025550178' });
      expect((await call(alice, 'DELETE', '/api/users/me/devices/cell')).statusCode).toBe(204);
      expect((await call(alice, 'GET', '/api/users/me/devices')).json()).toEqual({ items: [] });
    });
  });

  describe('flows and handling codes', () => {
    it('saves each flow save as a new version', async () => {
      const first = await call(alice, 'PUT', '/api/users/me/flows/after-hours', {
        name: 'After hours',
        document: flowMap('voicemail'),
      });
      expect(first.statusCode).toBe(201);
      expect(first.json()).toMatchObject({ id: 'after-hours', version: 1, currentVersion: 1 });
      h.clock.advance(1_000);
      const second = await call(alice, 'PUT', '/api/users/me/flows/after-hours', {
        name: 'After hours (v2)',
        document: flowMap('ring-devices'),
      });
      expect(second.statusCode).toBe(200);
      expect(second.json()).toMatchObject({
        version: 2,
        currentVersion: 2,
        name: 'After hours (v2)',
      });

      const current = await call(alice, 'GET', '/api/users/me/flows/after-hours');
      expect(current.json()).toMatchObject({
        version: 2,
        document: {
          nodes: [{ id: 'start' }, { id: 'then', type: 'ring-devices' }, { id: 'end' }],
        },
      });
      const versions = await call(alice, 'GET', '/api/users/me/flows/after-hours/versions');
      expect(versions.json<{ items: { version: number }[] }>().items.map((v) => v.version)).toEqual(
        [1, 2],
      );
      const old = await call(alice, 'GET', '/api/users/me/flows/after-hours/versions/1');
      expect(old.json()).toMatchObject({
        version: 1,
        document: { nodes: [{ id: 'start' }, { id: 'then', type: 'voicemail' }] },
      });
      expect(
        (await call(alice, 'GET', '/api/users/me/flows/after-hours/versions/9')).statusCode,
      ).toBe(404);
      const list = await call(alice, 'GET', '/api/users/me/flows');
      expect(list.json()).toMatchObject({ items: [{ id: 'after-hours', currentVersion: 2 }] });
      const notObject = await call(alice, 'PUT', '/api/users/me/flows/x', {
        name: 'x',
        document: [],
      });
      expect(notObject.statusCode).toBe(400);
      expect(issues(notObject).map((i) => i.path)).toEqual(['document']);

      // A map that cannot run is kept as a draft, with the path of every problem; publishing
      // it is refused and leaves what calls run as it was.
      expect(second.json()).toMatchObject({
        issues: [],
        publishedAt: null,
        publishedVersion: null,
      });
      const published = await call(alice, 'POST', '/api/users/me/flows/after-hours/publish', {});
      expect(published.statusCode).toBe(200);
      expect(published.json()).toMatchObject({ version: 2, publishedVersion: 2, issues: [] });
      expect(published.json<{ publishedAt: string | null }>().publishedAt).not.toBeNull();

      const broken = flowMap('ring-phones');
      broken.edges.push({ from: { node: 'then', pin: 'next' }, to: { node: 'nowhere' } });
      const draft = await call(alice, 'PUT', '/api/users/me/flows/after-hours', {
        name: 'Broken',
        document: broken,
      });
      expect(draft.statusCode).toBe(200);
      const draftIssues = draft.json<{ issues: { path: string; node?: string }[] }>().issues;
      expect(draftIssues.map((i) => i.path)).toEqual(
        expect.arrayContaining(['document.nodes[1].type', 'document.edges[1].to.node']),
      );
      expect(draftIssues.find((i) => i.path === 'document.nodes[1].type')?.node).toBe('then');
      const refused = await call(alice, 'POST', '/api/users/me/flows/after-hours/publish', {});
      expect(refused.statusCode).toBe(400);
      expect(issues(refused).map((i) => i.path)).toEqual(
        expect.arrayContaining(['document.nodes[1].type', 'document.edges[1].to.node']),
      );
      const now = await call(alice, 'GET', '/api/users/me/flows/after-hours');
      expect(now.json()).toMatchObject({ version: 3, currentVersion: 3, publishedVersion: 2 });
      // An older version can be published again.
      const back = await call(alice, 'POST', '/api/users/me/flows/after-hours/publish', {
        version: 1,
      });
      expect(back.json()).toMatchObject({ version: 1, publishedVersion: 1 });
      const missing = await call(alice, 'POST', '/api/users/me/flows/nope/publish', {});
      expect(missing.statusCode).toBe(404);
    });

    it('copies a built-in template into an editable flow, and lists templates and the catalog', async () => {
      const templates = await call(alice, 'GET', '/api/flow-templates');
      expect(templates.statusCode).toBe(200);
      expect(
        templates.json<{ items: { method: string }[] }>().items.map((t) => t.method),
      ).toContain('builtin:business-hours-menu');
      const copy = await call(alice, 'POST', '/api/users/me/flows/office/from-template', {
        template: 'builtin:business-hours-menu',
        name: 'Office hours',
      });
      expect(copy.statusCode).toBe(201);
      expect(copy.json()).toMatchObject({ id: 'office', name: 'Office hours', issues: [] });
      const unknown = await call(alice, 'POST', '/api/users/me/flows/x/from-template', {
        template: 'builtin:teleport',
        name: 'X',
      });
      expect(unknown.statusCode).toBe(400);
      expect(issues(unknown).map((i) => i.path)).toEqual(['template']);

      // The editor's test panel: the draft against a scripted call, with the user's own data.
      const simulated = await call(alice, 'POST', '/api/users/me/flows/office/simulate', {
        scenario: 'at=2026-11-23T10:00 tz=America/New_York presses=2 speaks=5',
      });
      expect(simulated.statusCode).toBe(200);
      expect(simulated.json()).toMatchObject({
        outcome: 'ended',
        path: ['start', 'hours', 'menu', 'voicemail'],
      });
      const badScenario = await call(alice, 'POST', '/api/users/me/flows/office/simulate', {
        scenario: 'status=sleepy',
      });
      expect(badScenario.statusCode).toBe(400);
      expect(issues(badScenario)[0]?.path).toMatch(/^scenario/);

      const catalog = await call(alice, 'GET', '/api/users/me/flow-catalog');
      const elements = catalog.json<{ elements: { type: string }[] }>().elements;
      expect(elements.map((e) => e.type)).toEqual(expect.arrayContaining(['ring-devices', 'menu']));
    });

    it("checks a flow's Match caller pins against the user's handling codes", async () => {
      const sorting = flowMap('match-caller', ['code:FRIEND']);
      const early = await call(alice, 'PUT', '/api/users/me/flows/sorting', {
        name: 'Sorting',
        document: sorting,
      });
      expect(early.statusCode).toBe(201);
      expect(early.json<{ issues: unknown[] }>().issues).toEqual([
        expect.objectContaining({
          path: 'document.edges[4].from.pin',
          message: expect.stringContaining('node "then" has no pin "code:FRIEND"') as string,
        }),
      ]);
      const code = await call(alice, 'PUT', '/api/users/me/handling-codes/friend', {
        method: 'builtin:ring-all',
      });
      expect(code.statusCode).toBe(201);
      const saved = await call(alice, 'PUT', '/api/users/me/flows/sorting', {
        name: 'Sorting',
        document: sorting,
      });
      expect(saved.statusCode).toBe(200);
      expect(saved.json<{ issues: unknown[] }>().issues).toEqual([]);
      expect((await call(alice, 'DELETE', '/api/users/me/flows/sorting')).statusCode).toBe(204);
      expect((await call(alice, 'DELETE', '/api/users/me/handling-codes/FRIEND')).statusCode).toBe(
        204,
      );
    });

    it('links handling codes to flows and refuses to delete a flow in use', async () => {
      await call(alice, 'PUT', '/api/users/me/flows/vip-flow', {
        name: 'VIP',
        document: flowMap('ring-devices'),
      });
      const unknownFlow = await call(alice, 'PUT', '/api/users/me/handling-codes/vip', {
        method: 'vip-flw',
      });
      expect(unknownFlow.statusCode).toBe(400);
      expect(issues(unknownFlow).map((i) => i.path)).toEqual(['method']);

      // Calls run published versions: a flow that was never published cannot be a method.
      const draftOnly = await call(alice, 'PUT', '/api/users/me/handling-codes/vip', {
        method: 'vip-flow',
      });
      expect(draftOnly.statusCode).toBe(400);
      expect(issues(draftOnly)[0]?.message).toContain('never been published');
      await call(alice, 'POST', '/api/users/me/flows/vip-flow/publish', {});

      const created = await call(alice, 'PUT', '/api/users/me/handling-codes/vip', {
        method: 'vip-flow',
        description: 'Ring everything',
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ code: 'VIP', method: 'vip-flow' });
      const updated = await call(alice, 'PUT', '/api/users/me/handling-codes/VIP', {
        method: 'vip-flow',
        description: 'Ring every device',
      });
      expect(updated.statusCode).toBe(200);

      const inUse = await call(alice, 'DELETE', '/api/users/me/flows/vip-flow');
      expect(inUse.statusCode).toBe(409);
      expect(inUse.json<{ error: { message: string } }>().error.message).toContain('VIP');

      expect((await call(alice, 'DELETE', '/api/users/me/handling-codes/vip')).statusCode).toBe(
        204,
      );
      // Another flow that goes to it keeps it alive too.
      const jumper = {
        ...flowMap('goto-flow'),
        nodes: [
          { id: 'start', type: 'incoming-call', position: { x: 0, y: 0 } },
          {
            id: 'then',
            type: 'goto-flow',
            position: { x: 200, y: 0 },
            config: { flow: 'vip-flow' },
          },
        ],
      };
      await call(alice, 'PUT', '/api/users/me/flows/jumper', { name: 'Jumper', document: jumper });
      const target = await call(alice, 'DELETE', '/api/users/me/flows/vip-flow');
      expect(target.statusCode).toBe(409);
      expect(target.json<{ error: { message: string } }>().error.message).toContain('jumper');
      expect((await call(alice, 'DELETE', '/api/users/me/flows/jumper')).statusCode).toBe(204);
      expect((await call(alice, 'DELETE', '/api/users/me/flows/vip-flow')).statusCode).toBe(204);
      expect((await call(alice, 'GET', '/api/users/me/flows/vip-flow')).statusCode).toBe(404);
    });

    it('accepts built-in templates as handling methods', async () => {
      const response = await call(alice, 'PUT', '/api/users/me/handling-codes/block', {
        method: 'builtin:reject',
      });
      expect(response.statusCode).toBe(201);
      const bad = await call(alice, 'PUT', '/api/users/me/handling-codes/block', {
        method: 'builtin:Not A Template',
      });
      expect(bad.statusCode).toBe(400);
    });

    it('accepts builtin:forward:<deviceId> only for a device of the user', async () => {
      const method = 'builtin:forward:pager';
      const missing = await call(alice, 'PUT', '/api/users/me/handling-codes/PAGE', { method });
      expect(missing.statusCode).toBe(400);
      expect(issues(missing)).toEqual([
        { path: 'method', message: `"${method}" names no device of the user's: add "pager" first` },
      ]);
      const unnamed = await call(alice, 'PUT', '/api/users/me/handling-codes/PAGE', {
        method: 'builtin:forward',
      });
      expect(issues(unnamed)[0]?.message).toMatch(/^"builtin:forward" needs a deviceId/);

      const device = await call(alice, 'POST', '/api/users/me/devices', {
        kind: 'external',
        id: 'pager',
        name: 'Pager',
        number: '+12025550199',
      });
      expect(device.statusCode).toBe(201);
      const saved = await call(alice, 'PUT', '/api/users/me/handling-codes/PAGE', { method });
      expect(saved.statusCode).toBe(201);
      expect(saved.json()).toMatchObject({ code: 'PAGE', method });
      expect((await call(alice, 'DELETE', '/api/users/me/handling-codes/PAGE')).statusCode).toBe(
        204,
      );
      expect((await call(alice, 'DELETE', '/api/users/me/devices/pager')).statusCode).toBe(204);
    });
  });

  describe('calls, voicemail and calendar', () => {
    it('lists calls and shows one with its step log, to its owner only', async () => {
      const started = h.clock.now();
      await h.store.calls.insert({
        id: 'call-1',
        userId: 'u-alice',
        direction: 'inbound',
        callerNumber: '+12025550142',
        callerName: 'Dr. Who',
        calledNumber: '+12025550100',
        contactId: null,
        handlingCode: 'VIP',
        flowId: null,
        flowVersion: null,
        outcome: 'answered',
        startedAt: started,
        answeredAt: started + 3_000,
        endedAt: started + 60_000,
      });
      await h.store.calls.appendStep({
        callId: 'call-1',
        at: started,
        kind: 'lookup',
        detail: { code: 'VIP' },
      });
      await h.store.calls.appendStep({
        callId: 'call-1',
        at: started + 1,
        kind: 'element',
        detail: {},
      });

      const list = await call(alice, 'GET', '/api/users/me/calls');
      expect(list.json()).toMatchObject({
        items: [
          {
            id: 'call-1',
            outcome: 'answered',
            answeredAt: new Date(started + 3_000).toISOString(),
          },
        ],
      });
      const detail = await call(alice, 'GET', '/api/users/me/calls/call-1');
      expect(detail.json()).toMatchObject({
        id: 'call-1',
        steps: [
          { seq: 1, kind: 'lookup', detail: { code: 'VIP' } },
          { seq: 2, kind: 'element' },
        ],
      });
      expect((await call(bob, 'GET', '/api/users/me/calls/call-1')).statusCode).toBe(404);
      expect((await call(bob, 'GET', '/api/users/me/calls')).json()).toEqual({ items: [] });
    });

    it('marks voicemail heard and deletes it', async () => {
      await h.store.voicemails.insert({
        id: 'vm-1',
        userId: 'u-alice',
        callId: null,
        callerNumber: '+12025550142',
        contactId: null,
        path: 'voicemail/u-alice/vm-1.wav',
        durationMs: 12_000,
        heard: false,
        mailStatus: 'disabled',
        createdAt: h.clock.now(),
      });
      const list = await call(alice, 'GET', '/api/users/me/voicemails');
      expect(list.json()).toMatchObject({
        items: [{ id: 'vm-1', heard: false, durationMs: 12_000 }],
      });
      expect(list.body).not.toContain('vm-1.wav');

      expect(
        (await call(bob, 'PATCH', '/api/users/me/voicemails/vm-1', { heard: true })).statusCode,
      ).toBe(404);
      const heard = await call(alice, 'PATCH', '/api/users/me/voicemails/vm-1', { heard: true });
      expect(heard.json()).toMatchObject({ heard: true });
      expect(await h.store.voicemails.get('vm-1')).toMatchObject({ heard: true });
      expect((await call(alice, 'DELETE', '/api/users/me/voicemails/vm-1')).statusCode).toBe(204);
      expect(await h.store.voicemails.get('vm-1')).toBeUndefined();
    });

    it('lists calendar events overlapping a range', async () => {
      const base = Date.parse('2026-12-01T00:00:00.000Z');
      const event = {
        userId: 'u-alice',
        allDay: false,
        busy: true,
        outOfOffice: false,
        attendees: ['who@example.test'],
      };
      await h.store.calendar.put({
        ...event,
        id: 'e1',
        uid: 'e1@test',
        summary: 'Standup',
        startsAt: base + 9 * 3_600_000,
        endsAt: base + 10 * 3_600_000,
      });
      await h.store.calendar.put({
        ...event,
        id: 'e2',
        uid: 'e2@test',
        summary: 'Next week',
        startsAt: base + 8 * 86_400_000,
        endsAt: base + 8 * 86_400_000 + 3_600_000,
      });
      const day = await call(
        alice,
        'GET',
        '/api/users/me/calendar-events?from=2026-12-01T09:30:00Z&to=2026-12-02T00:00:00Z',
      );
      expect(day.statusCode).toBe(200);
      expect(day.json()).toMatchObject({
        items: [{ id: 'e1', summary: 'Standup', startsAt: '2026-12-01T09:00:00.000Z' }],
      });
      const backwards = await call(
        alice,
        'GET',
        '/api/users/me/calendar-events?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z',
      );
      expect(backwards.statusCode).toBe(400);
      expect(issues(backwards).map((i) => i.path)).toEqual(['query.to']);
    });
  });

  describe('trunks', () => {
    it('are for admins only, whatever the request holds', async () => {
      expect((await call(alice, 'GET', '/api/trunks')).statusCode).toBe(403);
      expect((await call(alice, 'POST', '/api/trunks', { nonsense: true })).statusCode).toBe(403);
    });

    it('can be created, changed and deleted by an admin', async () => {
      const created = await call(admin, 'POST', '/api/trunks', {
        id: 'carrier',
        host: 'sip.carrier.example',
        inbound: ['192.0.2.10'],
        username: 'acct',
        password: 'secret',
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ id: 'carrier', port: 5060, inbound: ['192.0.2.10'] });
      expect(
        (await call(admin, 'POST', '/api/trunks', { id: 'carrier', host: 'x.example' })).statusCode,
      ).toBe(409);
      const changed = await call(admin, 'PATCH', '/api/trunks/carrier', {
        port: 5080,
        password: null,
      });
      expect(changed.json()).toMatchObject({ port: 5080, password: null, username: 'acct' });
      const badPort = await call(admin, 'PATCH', '/api/trunks/carrier', { port: 70000 });
      expect(issues(badPort).map((i) => i.path)).toEqual(['port']);
      expect((await call(admin, 'DELETE', '/api/trunks/carrier')).statusCode).toBe(204);
      expect((await call(admin, 'GET', '/api/trunks')).json()).toEqual({ items: [] });
    });
  });
});

/** Pins an element must have connected, for the elements these tests use. */
const REQUIRED_PINS: Readonly<Record<string, readonly string[]>> = {
  'ring-devices': ['answered', 'no-answer'],
  'match-caller': ['known-no-code', 'unknown', 'anonymous'],
};

/**
 * The smallest runnable map: the incoming call, then one element of `type`, whose required pins
 * (and `extraPins`) end the call at a Hang up node.
 */
function flowMap(
  type: string,
  extraPins: readonly string[] = [],
): {
  schemaVersion: 1;
  name: string;
  nodes: { id: string; type: string; position: { x: number; y: number } }[];
  edges: { from: { node: string; pin: string }; to: { node: string } }[];
} {
  const pins = [...(REQUIRED_PINS[type] ?? []), ...extraPins];
  return {
    schemaVersion: 1,
    name: `then ${type}`,
    nodes: [
      { id: 'start', type: 'incoming-call', position: { x: 0, y: 0 } },
      { id: 'then', type, position: { x: 200, y: 0 } },
      ...(pins.length > 0 ? [{ id: 'end', type: 'hang-up', position: { x: 400, y: 0 } }] : []),
    ],
    edges: [
      { from: { node: 'start', pin: 'next' }, to: { node: 'then' } },
      ...pins.map((pin) => ({ from: { node: 'then', pin }, to: { node: 'end' } })),
    ],
  };
}
