import { describe, expect, it } from 'vitest';
import type { CallRecord, Voicemail } from '../domain/model/index.js';
import { ConflictError, MissingReferenceError } from '../domain/ports/errors.js';
import { manualClock, TEST_EPOCH, userInput } from '../test-support/fixtures.js';
import { dialects, useStore } from '../test-support/stores.js';

function call(id: string, startedAt: number, overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    id,
    userId: 'alice',
    direction: 'inbound',
    callerNumber: '+491701234567',
    callerName: null,
    calledNumber: '+4930123456',
    contactId: null,
    handlingCode: null,
    flowId: null,
    flowVersion: null,
    outcome: 'in-progress',
    startedAt,
    answeredAt: null,
    endedAt: null,
    ...overrides,
  };
}

function voicemail(id: string, createdAt: number, overrides: Partial<Voicemail> = {}): Voicemail {
  return {
    id,
    userId: 'alice',
    callId: null,
    callerNumber: '+491701234567',
    contactId: null,
    path: `voicemail/alice/${id}.wav`,
    durationMs: 12_345,
    heard: false,
    mailStatus: 'pending',
    createdAt,
    // Migration 0006's fields, as the store reads them back when nothing set them.
    callerName: null,
    handlingCode: null,
    heardAt: null,
    mailAttempts: 0,
    mailNextAttemptAt: null,
    mailError: null,
    ...overrides,
  };
}

describe.each(dialects)('flows, calls, voicemail and auth on %s', (dialect) => {
  const clock = manualClock();
  const store = useStore(dialect, { clock });

  describe('flows', () => {
    const doc = (label: string) => ({
      elements: [{ id: 'start', type: 'start', label }],
      links: [],
    });

    it('saves versions 1, 2, 3 and getVersion without a version returns the current one', async () => {
      await store().users.put(userInput('alice'));
      clock.set(TEST_EPOCH);
      const v1 = await store().flows.saveVersion('alice', 'main', 'Main flow', doc('one'));
      expect(v1).toEqual({
        userId: 'alice',
        flowId: 'main',
        version: 1,
        document: doc('one'),
        compiled: null,
        publishedAt: null,
        createdAt: TEST_EPOCH,
      });
      clock.advance(100);
      const v2 = await store().flows.saveVersion('alice', 'main', 'Main flow v2', doc('two'));
      clock.advance(100);
      const v3 = await store().flows.saveVersion('alice', 'main', 'Main flow v3', doc('three'));
      expect([v2.version, v3.version]).toEqual([2, 3]);

      expect(await store().flows.get('alice', 'main')).toEqual({
        userId: 'alice',
        id: 'main',
        name: 'Main flow v3',
        currentVersion: 3,
        publishedVersion: null,
        createdAt: TEST_EPOCH,
        updatedAt: TEST_EPOCH + 200,
      });
      expect(await store().flows.getVersion('alice', 'main')).toEqual(v3);
      expect(await store().flows.getVersion('alice', 'main', 1)).toEqual(v1);
      expect(await store().flows.getVersion('alice', 'main', 4)).toBeUndefined();
      expect(await store().flows.getVersion('alice', 'other')).toBeUndefined();
      expect((await store().flows.listVersions('alice', 'main')).map((v) => v.document)).toEqual([
        doc('one'),
        doc('two'),
        doc('three'),
      ]);
    });

    it('publishes a version with its compiled program, and re-points to an older one', async () => {
      await store().users.put(userInput('alice'));
      clock.set(TEST_EPOCH);
      await store().flows.saveVersion('alice', 'main', 'Main', doc('one'));
      expect(await store().flows.getPublished('alice', 'main')).toBeUndefined();
      clock.advance(10);
      const published = await store().flows.publish('alice', 'main', 1, { format: 1, start: 's' });
      expect(published).toMatchObject({
        version: 1,
        compiled: { format: 1, start: 's' },
        publishedAt: TEST_EPOCH + 10,
      });
      // A later draft does not change what calls run.
      clock.advance(10);
      await store().flows.saveVersion('alice', 'main', 'Main', doc('two'));
      expect(await store().flows.getPublished('alice', 'main')).toEqual(published);
      expect(await store().flows.get('alice', 'main')).toMatchObject({
        currentVersion: 2,
        publishedVersion: 1,
      });
      clock.advance(10);
      await store().flows.publish('alice', 'main', 2, { format: 1, start: 't' });
      expect((await store().flows.getPublished('alice', 'main'))?.version).toBe(2);
      // Going back to version 1 keeps its first publication time.
      clock.advance(10);
      const again = await store().flows.publish('alice', 'main', 1, { format: 1, start: 's' });
      expect(again.publishedAt).toBe(TEST_EPOCH + 10);
      expect((await store().flows.get('alice', 'main'))?.publishedVersion).toBe(1);
      await expect(store().flows.publish('alice', 'main', 9, {})).rejects.toThrow(/no version 9/);
    });

    it('numbers concurrent saves without gaps or duplicates', async () => {
      await store().users.put(userInput('alice'));
      const saved = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store().flows.saveVersion('alice', 'busy', 'Busy', { i }),
        ),
      );
      expect(saved.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect((await store().flows.get('alice', 'busy'))?.currentVersion).toBe(8);
    });

    it('lists per user and deletes a flow with all its versions', async () => {
      await store().users.put(userInput('alice'));
      await store().users.put(userInput('bob'));
      await store().flows.saveVersion('alice', 'b-flow', 'B', doc('b'));
      await store().flows.saveVersion('alice', 'a-flow', 'A', doc('a'));
      await store().flows.saveVersion('bob', 'a-flow', 'Bob A', doc('bob'));
      expect((await store().flows.listByUser('alice')).map((f) => f.id)).toEqual([
        'a-flow',
        'b-flow',
      ]);

      expect(await store().flows.delete('alice', 'a-flow')).toBe(true);
      expect(await store().flows.delete('alice', 'a-flow')).toBe(false);
      expect(await store().flows.get('alice', 'a-flow')).toBeUndefined();
      expect(await store().flows.listVersions('alice', 'a-flow')).toEqual([]);
      expect((await store().flows.getVersion('bob', 'a-flow'))?.document).toEqual(doc('bob'));

      // A deleted flow starts again at version 1.
      expect(
        (await store().flows.saveVersion('alice', 'a-flow', 'A again', doc('again'))).version,
      ).toBe(1);
    });

    it('refuses a document that is not JSON and a flow for an unknown user', async () => {
      await store().users.put(userInput('alice'));
      await expect(store().flows.saveVersion('alice', 'f', 'F', undefined)).rejects.toThrow(
        /flow document must be a JSON value/,
      );
      await expect(store().flows.saveVersion('ghost', 'f', 'F', {})).rejects.toBeInstanceOf(
        MissingReferenceError,
      );
      expect(await store().flows.get('alice', 'f')).toBeUndefined();
    });
  });

  describe('calls', () => {
    it('inserts, gets, updates and lists newest first with limit and before', async () => {
      await store().users.put(userInput('alice'));
      const t = TEST_EPOCH;
      const first = await store().calls.insert(call('call-1', t));
      expect(first).toEqual(call('call-1', t));
      await store().calls.insert(
        call('call-2', t + 1000, { direction: 'outbound', callerName: 'Alice' }),
      );
      await store().calls.insert(call('call-3', t + 2000));
      expect(await store().calls.get('call-2')).toEqual(
        call('call-2', t + 1000, { direction: 'outbound', callerName: 'Alice' }),
      );
      expect(await store().calls.get('nope')).toBeUndefined();

      const updated = await store().calls.update('call-1', {
        outcome: 'answered',
        answeredAt: t + 300,
        endedAt: t + 900,
        contactId: 'c1',
        handlingCode: 'VIP',
        flowId: 'main',
        flowVersion: 2,
      });
      expect(updated).toEqual(
        call('call-1', t, {
          outcome: 'answered',
          answeredAt: t + 300,
          endedAt: t + 900,
          contactId: 'c1',
          handlingCode: 'VIP',
          flowId: 'main',
          flowVersion: 2,
        }),
      );
      // null clears a field; an empty patch changes nothing.
      expect((await store().calls.update('call-1', { contactId: null }))?.contactId).toBeNull();
      expect(await store().calls.update('call-1', {})).toEqual(await store().calls.get('call-1'));
      expect(await store().calls.update('nope', { outcome: 'failed' })).toBeUndefined();

      const ids = async (options?: { limit?: number; before?: number }) =>
        (await store().calls.listByUser('alice', options)).map((c) => c.id);
      expect(await ids()).toEqual(['call-3', 'call-2', 'call-1']);
      expect(await ids({ limit: 2 })).toEqual(['call-3', 'call-2']);
      expect(await ids({ before: t + 2000 })).toEqual(['call-2', 'call-1']);
      expect(await ids({ before: t + 2000, limit: 1 })).toEqual(['call-2']);
      expect(await store().calls.listByUser('bob')).toEqual([]);
    });

    it('refuses a duplicate call id and a call for an unknown user', async () => {
      await store().users.put(userInput('alice'));
      await store().calls.insert(call('call-1', TEST_EPOCH));
      await expect(store().calls.insert(call('call-1', TEST_EPOCH + 1))).rejects.toSatisfy(
        (e) => e instanceof ConflictError && e.entity === 'call' && e.field === 'id',
      );
      await expect(
        store().calls.insert(call('call-2', TEST_EPOCH, { userId: 'ghost' })),
      ).rejects.toBeInstanceOf(MissingReferenceError);
    });

    it('numbers steps 1, 2, 3 in order of arrival, also when appended concurrently', async () => {
      await store().users.put(userInput('alice'));
      await store().calls.insert(call('call-1', TEST_EPOCH));
      await store().calls.insert(call('call-2', TEST_EPOCH));
      const s1 = await store().calls.appendStep({
        callId: 'call-1',
        at: TEST_EPOCH + 1,
        kind: 'lookup',
        detail: { contactId: null },
      });
      expect(s1).toEqual({
        callId: 'call-1',
        seq: 1,
        at: TEST_EPOCH + 1,
        kind: 'lookup',
        detail: { contactId: null },
      });
      await store().calls.appendStep({
        callId: 'call-2',
        at: TEST_EPOCH + 2,
        kind: 'lookup',
        detail: {},
      });
      const s2 = await store().calls.appendStep({
        callId: 'call-1',
        at: TEST_EPOCH + 3,
        kind: 'element',
        detail: { element: 'ring', nested: { devices: ['desk'] } },
      });
      expect(s2.seq).toBe(2);

      const concurrent = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store().calls.appendStep({
            callId: 'call-1',
            at: TEST_EPOCH + 10 + i,
            kind: 'element',
            detail: { i },
          }),
        ),
      );
      expect(concurrent.map((s) => s.seq).sort((a, b) => a - b)).toEqual([
        3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
      ]);

      const steps = await store().calls.listSteps('call-1');
      expect(steps.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(steps[1]).toEqual(s2);
      expect((await store().calls.listSteps('call-2')).map((s) => s.seq)).toEqual([1]);
      expect(await store().calls.listSteps('nope')).toEqual([]);
    });

    it('refuses a step for an unknown call', async () => {
      await expect(
        store().calls.appendStep({ callId: 'nope', at: TEST_EPOCH, kind: 'ended', detail: {} }),
      ).rejects.toSatisfy(
        (e) => e instanceof MissingReferenceError && /no call nope/.test(e.message),
      );
    });
  });

  describe('voicemails', () => {
    it('inserts, lists newest first, updates heard and mail status, and deletes', async () => {
      await store().users.put(userInput('alice'));
      await store().calls.insert(call('call-1', TEST_EPOCH));
      const older = await store().voicemails.insert(
        voicemail('vm-1', TEST_EPOCH, { callId: 'call-1', contactId: 'c1' }),
      );
      expect(older).toEqual(voicemail('vm-1', TEST_EPOCH, { callId: 'call-1', contactId: 'c1' }));
      await store().voicemails.insert(voicemail('vm-2', TEST_EPOCH + 1000, { callerNumber: null }));
      expect((await store().voicemails.listByUser('alice')).map((v) => v.id)).toEqual([
        'vm-2',
        'vm-1',
      ]);
      expect(await store().voicemails.listByUser('bob')).toEqual([]);

      expect(await store().voicemails.update('vm-1', { heard: true })).toEqual({
        ...older,
        heard: true,
      });
      expect(await store().voicemails.update('vm-1', { mailStatus: 'sent' })).toEqual({
        ...older,
        heard: true,
        mailStatus: 'sent',
      });
      expect(await store().voicemails.update('vm-1', {})).toEqual({
        ...older,
        heard: true,
        mailStatus: 'sent',
      });
      expect(await store().voicemails.update('nope', { heard: true })).toBeUndefined();
      expect(await store().voicemails.get('vm-1')).toEqual({
        ...older,
        heard: true,
        mailStatus: 'sent',
      });

      expect(await store().voicemails.delete('vm-1')).toBe(true);
      expect(await store().voicemails.delete('vm-1')).toBe(false);
      expect(await store().voicemails.get('vm-1')).toBeUndefined();
    });
  });

  describe('auth', () => {
    it('puts, gets and deletes sessions, and sweeps expired ones', async () => {
      await store().users.put(userInput('alice'));
      const t = TEST_EPOCH;
      await store().auth.putSession({
        tokenHash: 'h1',
        userId: 'alice',
        createdAt: t,
        expiresAt: t + 1000,
      });
      await store().auth.putSession({
        tokenHash: 'h2',
        userId: 'alice',
        createdAt: t,
        expiresAt: t + 5000,
      });
      await store().auth.putSession({
        tokenHash: 'h3',
        userId: 'alice',
        createdAt: t,
        expiresAt: t + 9000,
      });
      expect(await store().auth.getSession('h1')).toEqual({
        tokenHash: 'h1',
        userId: 'alice',
        createdAt: t,
        expiresAt: t + 1000,
      });
      expect(await store().auth.getSession('nope')).toBeUndefined();

      // Extending a session replaces its expiry.
      await store().auth.putSession({
        tokenHash: 'h1',
        userId: 'alice',
        createdAt: t,
        expiresAt: t + 2000,
      });
      expect((await store().auth.getSession('h1'))?.expiresAt).toBe(t + 2000);

      expect(await store().auth.deleteExpiredSessions(t + 5000)).toBe(2);
      expect(await store().auth.getSession('h1')).toBeUndefined();
      expect(await store().auth.getSession('h3')).toBeDefined();
      await store().auth.deleteSession('h3');
      expect(await store().auth.getSession('h3')).toBeUndefined();
      expect(await store().auth.deleteExpiredSessions(t + 99_999)).toBe(0);
    });

    it('puts, finds, lists, touches and deletes API tokens', async () => {
      await store().users.put(userInput('alice'));
      await store().users.put(userInput('bob'));
      const t = TEST_EPOCH;
      const token = {
        id: 'tok-1',
        userId: 'alice',
        name: 'script',
        tokenHash: 'th1',
        createdAt: t,
        lastUsedAt: null,
      };
      await store().auth.putApiToken(token);
      await store().auth.putApiToken({
        ...token,
        id: 'tok-2',
        tokenHash: 'th2',
        name: 'backup',
        createdAt: t + 1,
      });
      expect(await store().auth.findApiToken('th1')).toEqual(token);
      expect(await store().auth.findApiToken('nope')).toBeUndefined();
      expect((await store().auth.listApiTokens('alice')).map((k) => k.id)).toEqual([
        'tok-1',
        'tok-2',
      ]);

      await store().auth.touchApiToken('tok-1', t + 500);
      expect((await store().auth.findApiToken('th1'))?.lastUsedAt).toBe(t + 500);

      await expect(store().auth.putApiToken({ ...token, id: 'tok-3' })).rejects.toSatisfy(
        (e) => e instanceof ConflictError && e.entity === 'apiToken' && e.field === 'tokenHash',
      );
      // Only the owner can delete a token.
      expect(await store().auth.deleteApiToken('bob', 'tok-1')).toBe(false);
      expect(await store().auth.deleteApiToken('alice', 'tok-1')).toBe(true);
      expect(await store().auth.findApiToken('th1')).toBeUndefined();
    });
  });

  it('deleting a user removes everything the user owns', async () => {
    await store().users.put(userInput('alice'));
    await store().users.put(userInput('bob'));
    const t = TEST_EPOCH;
    for (const userId of ['alice', 'bob']) {
      const s = store();
      await s.numbers.put(userId === 'alice' ? '+4930111' : '+4930222', userId);
      await s.devices.put({
        kind: 'sip',
        userId,
        id: 'desk',
        name: 'Desk',
        sipUsername: `${userId}-desk`,
        sipPassword: 'pw',
      });
      await s.handlingCodes.put({
        userId,
        code: 'VIP',
        method: 'builtin:ring-all',
        description: null,
      });
      await s.flows.saveVersion(userId, 'main', 'Main', { v: 1 });
      await s.contacts.put({
        id: 'c1',
        userId,
        source: 'api',
        externalId: null,
        name: 'C',
        organization: null,
        emails: [],
        phones: [{ e164: '+4917000', raw: '017000', type: null }],
        handlingCode: null,
      });
      await s.calendar.put({
        id: 'e1',
        userId,
        uid: 'e1',
        summary: 'E',
        startsAt: t,
        endsAt: t + 1,
        allDay: false,
        busy: true,
        outOfOffice: false,
        attendees: [],
      });
      await s.calls.insert(call(`${userId}-call`, t, { userId }));
      await s.calls.appendStep({ callId: `${userId}-call`, at: t, kind: 'lookup', detail: {} });
      await s.voicemails.insert(voicemail(`${userId}-vm`, t, { userId, callId: `${userId}-call` }));
      await s.auth.putSession({ tokenHash: `${userId}-s`, userId, createdAt: t, expiresAt: t + 1 });
      await s.auth.putApiToken({
        id: `${userId}-t`,
        userId,
        name: 't',
        tokenHash: `${userId}-th`,
        createdAt: t,
        lastUsedAt: null,
      });
    }

    expect(await store().users.delete('alice')).toBe(true);

    const s = store();
    expect(await s.numbers.listByUser('alice')).toEqual([]);
    expect(await s.devices.findBySipUsername('alice-desk')).toBeUndefined();
    expect(await s.handlingCodes.listByUser('alice')).toEqual([]);
    expect(await s.flows.listByUser('alice')).toEqual([]);
    expect(await s.flows.listVersions('alice', 'main')).toEqual([]);
    expect(await s.contacts.countByUser('alice')).toBe(0);
    expect(await s.contacts.findByPhone('alice', '+4917000')).toEqual([]);
    expect(await s.calendar.listByUser('alice', 0, t + 10)).toEqual([]);
    expect(await s.calls.get('alice-call')).toBeUndefined();
    expect(await s.calls.listSteps('alice-call')).toEqual([]);
    expect(await s.voicemails.get('alice-vm')).toBeUndefined();
    expect(await s.auth.getSession('alice-s')).toBeUndefined();
    expect(await s.auth.findApiToken('alice-th')).toBeUndefined();

    // Bob's rows are untouched.
    expect(await s.numbers.listByUser('bob')).toHaveLength(1);
    expect(await s.devices.findBySipUsername('bob-desk')).toBeDefined();
    expect((await s.flows.getVersion('bob', 'main'))?.version).toBe(1);
    expect(await s.contacts.findByPhone('bob', '+4917000')).toHaveLength(1);
    expect(await s.calls.listSteps('bob-call')).toHaveLength(1);
    expect(await s.voicemails.get('bob-vm')).toBeDefined();
    expect(await s.auth.findApiToken('bob-th')).toBeDefined();
  });
});
