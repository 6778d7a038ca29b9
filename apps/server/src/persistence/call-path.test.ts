import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../domain/model/index.js';
import { ConflictError, MissingReferenceError } from '../domain/ports/errors.js';
import { manualClock, TEST_EPOCH, userInput } from '../test-support/fixtures.js';
import { dialects, useStore, withStore } from '../test-support/stores.js';

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
    outcome: 'answered',
    startedAt,
    answeredAt: null,
    endedAt: null,
    ...overrides,
  };
}

// Migration 0004: user statuses, anonymous handling, who answered, call-history filters.
describe.each(dialects)('call path storage on %s', (dialect) => {
  const clock = manualClock();
  const store = useStore(dialect, { clock });

  describe('user statuses', () => {
    it('puts, replaces, gets and deletes one setting per user', async () => {
      await store().users.put(userInput('alice'));
      clock.set(TEST_EPOCH);
      const busy = await store().statuses.put({
        userId: 'alice',
        status: 'busy',
        until: TEST_EPOCH + 3_600_000,
        note: 'at the dentist',
      });
      expect(busy).toEqual({
        userId: 'alice',
        status: 'busy',
        until: TEST_EPOCH + 3_600_000,
        note: 'at the dentist',
        updatedAt: TEST_EPOCH,
      });
      expect(await store().statuses.get('alice')).toEqual(busy);
      clock.advance(1000);
      const dnd = await store().statuses.put({
        userId: 'alice',
        status: 'do-not-disturb',
        until: null,
        note: null,
      });
      expect(dnd).toEqual({
        userId: 'alice',
        status: 'do-not-disturb',
        until: null,
        note: null,
        updatedAt: TEST_EPOCH + 1000,
      });
      expect(await store().statuses.get('alice')).toEqual(dnd);
      expect(await store().statuses.get('bob')).toBeUndefined();
      expect(await store().statuses.delete('alice')).toBe(true);
      expect(await store().statuses.delete('alice')).toBe(false);
      expect(await store().statuses.get('alice')).toBeUndefined();
    });

    it('refuses a status for an unknown user and goes with its user', async () => {
      await expect(
        store().statuses.put({ userId: 'ghost', status: 'busy', until: null, note: null }),
      ).rejects.toBeInstanceOf(MissingReferenceError);
      await store().users.put(userInput('alice'));
      await store().statuses.put({ userId: 'alice', status: 'away', until: null, note: null });
      await store().users.delete('alice');
      expect(await store().statuses.get('alice')).toBeUndefined();
    });

    it('refuses a status the schema does not know, keeping the stored one', async () => {
      await store().users.put(userInput('alice'));
      await store().statuses.put({ userId: 'alice', status: 'away', until: null, note: null });
      await expect(
        store().statuses.put({
          userId: 'alice',
          // A writer bypassing the domain's check still cannot store nonsense.
          status: 'napping' as 'away',
          until: null,
          note: null,
        }),
      ).rejects.toThrow();
      expect(await store().statuses.get('alice')).toMatchObject({ status: 'away' });
    });
  });

  describe('users', () => {
    it('keeps an anonymous-caller method, and clears it when put without one', async () => {
      const withIt = await store().users.put(
        userInput('alice', { anonymousHandling: 'builtin:reject' }),
      );
      expect(withIt.anonymousHandling).toBe('builtin:reject');
      expect((await store().users.get('alice'))?.anonymousHandling).toBe('builtin:reject');
      const without = await store().users.put(userInput('alice'));
      expect(without).not.toHaveProperty('anonymousHandling');
      expect(await store().users.get('alice')).not.toHaveProperty('anonymousHandling');
    });
  });

  describe('call history', () => {
    async function history(): Promise<void> {
      await store().users.put(userInput('alice'));
      await store().users.put(userInput('bob'));
      const t = TEST_EPOCH;
      await store().calls.insert(call('c1', t, { contactId: 'k-ann', outcome: 'answered' }));
      await store().calls.insert(
        call('c2', t + 1000, { callerNumber: '+442079460958', outcome: 'voicemail' }),
      );
      await store().calls.insert(call('c3', t + 2000, { contactId: 'k-ann', outcome: 'missed' }));
      await store().calls.insert(call('c4', t + 3000, { callerNumber: null, outcome: 'rejected' }));
      await store().calls.insert(
        call('c5', t + 4000, { contactId: 'k-ann', outcome: 'in-progress' }),
      );
      await store().calls.insert(call('b1', t + 2500, { userId: 'bob', contactId: 'k-ann' }));
    }
    const ids = (calls: readonly CallRecord[]) => calls.map((c) => c.id);

    it('filters by caller, anonymous caller, contact, outcomes and time range, newest first', async () => {
      await history();
      const list = (options: Parameters<ReturnType<typeof store>['calls']['listByUser']>[1]) =>
        store().calls.listByUser('alice', options);
      expect(ids(await list({}))).toEqual(['c5', 'c4', 'c3', 'c2', 'c1']);
      expect(ids(await list({ callerNumber: '+491701234567' }))).toEqual(['c5', 'c3', 'c1']);
      expect(ids(await list({ callerNumber: null }))).toEqual(['c4']);
      expect(ids(await list({ contactId: 'k-ann' }))).toEqual(['c5', 'c3', 'c1']);
      expect(ids(await list({ outcomes: ['missed', 'voicemail'] }))).toEqual(['c3', 'c2']);
      expect(await list({ outcomes: [] })).toEqual([]);
      expect(ids(await list({ from: TEST_EPOCH + 1000, to: TEST_EPOCH + 3000 }))).toEqual([
        'c3',
        'c2',
      ]);
      // Filters combine, and page with before and limit.
      expect(
        ids(await list({ contactId: 'k-ann', outcomes: ['answered', 'missed', 'in-progress'] })),
      ).toEqual(['c5', 'c3', 'c1']);
      expect(ids(await list({ contactId: 'k-ann', before: TEST_EPOCH + 4000, limit: 1 }))).toEqual([
        'c3',
      ]);
      // Bob's call with the same contact id is his.
      expect(ids(await store().calls.listByUser('bob', { contactId: 'k-ann' }))).toEqual(['b1']);
    });

    it('stores who answered, and keeps a record without one as it was', async () => {
      await store().users.put(userInput('alice'));
      const inserted = await store().calls.insert(
        call('c1', TEST_EPOCH, { outcome: 'in-progress' }),
      );
      expect(inserted).not.toHaveProperty('answeredBy');
      const answered = await store().calls.update('c1', {
        answeredAt: TEST_EPOCH + 5000,
        answeredBy: 'device:desk',
      });
      expect(answered).toMatchObject({ answeredAt: TEST_EPOCH + 5000, answeredBy: 'device:desk' });
      const ended = await store().calls.update('c1', {
        outcome: 'answered',
        endedAt: TEST_EPOCH + 9000,
      });
      expect(ended).toMatchObject({ answeredBy: 'device:desk', endedAt: TEST_EPOCH + 9000 });
      await expect(store().calls.insert(call('c1', TEST_EPOCH))).rejects.toBeInstanceOf(
        ConflictError,
      );
    });
  });
});

describe('call history indexes', () => {
  it('serve the caller, contact and outcome filters (SQLite query plans)', async () => {
    await withStore('sqlite', async (store, testStore) => {
      await store.users.put(userInput('alice'));
      const db = new Database(testStore.databaseUrl.slice('sqlite:'.length), { readonly: true });
      try {
        const plan = (where: string): string =>
          db
            .prepare(
              `explain query plan select * from calls where user_id = 'alice' and ${where} order by started_at desc, id desc limit 20`,
            )
            .all()
            .map((row) => (row as { detail: string }).detail)
            .join('\n');
        expect(plan(`caller_number = '+12025550142'`)).toContain('calls_user_caller_idx');
        expect(plan(`contact_id = 'k1'`)).toContain('calls_user_contact_idx');
        expect(plan(`outcome = 'in-progress'`)).toContain('calls_user_outcome_idx');
      } finally {
        db.close();
      }
    });
  });
});
