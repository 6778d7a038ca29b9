import { describe, expect, it } from 'vitest';
import { manualClock, TEST_EPOCH, userInput } from '../test-support/fixtures.js';
import { dialects, useStore } from '../test-support/stores.js';

describe.each(dialects)('auth repository on %s', (dialect) => {
  const store = useStore(dialect, { clock: manualClock() });

  async function sessions(...entries: [tokenHash: string, userId: string][]): Promise<void> {
    for (const [tokenHash, userId] of entries) {
      await store().auth.putSession({
        tokenHash,
        userId,
        createdAt: TEST_EPOCH,
        expiresAt: TEST_EPOCH + 60_000,
      });
    }
  }

  describe('deleteSessionsOfUser', () => {
    it('ends all of one user’s sessions and nobody else’s', async () => {
      await store().users.put(userInput('alice'));
      await store().users.put(userInput('bob'));
      await sessions(['a1', 'alice'], ['a2', 'alice'], ['b1', 'bob']);

      expect(await store().auth.deleteSessionsOfUser('alice')).toBe(2);
      expect(await store().auth.getSession('a1')).toBeUndefined();
      expect(await store().auth.getSession('a2')).toBeUndefined();
      expect(await store().auth.getSession('b1')).toMatchObject({ userId: 'bob' });
      expect(await store().auth.deleteSessionsOfUser('alice')).toBe(0);
    });

    it('keeps the one session named', async () => {
      await store().users.put(userInput('alice'));
      await store().users.put(userInput('bob'));
      await sessions(['a1', 'alice'], ['a2', 'alice'], ['a3', 'alice'], ['b1', 'bob']);

      expect(await store().auth.deleteSessionsOfUser('alice', 'a2')).toBe(2);
      expect(await store().auth.getSession('a1')).toBeUndefined();
      expect(await store().auth.getSession('a2')).toMatchObject({ userId: 'alice' });
      expect(await store().auth.getSession('a3')).toBeUndefined();
      // Another user's session hash as the exception spares nothing of alice's, nor bob's.
      await sessions(['a4', 'alice']);
      expect(await store().auth.deleteSessionsOfUser('alice', 'b1')).toBe(2);
      expect(await store().auth.getSession('b1')).toMatchObject({ userId: 'bob' });
    });

    it('leaves API tokens alone', async () => {
      await store().users.put(userInput('alice'));
      await sessions(['a1', 'alice']);
      await store().auth.putApiToken({
        id: 'tok-1',
        userId: 'alice',
        name: 'script',
        tokenHash: 'th1',
        createdAt: TEST_EPOCH,
        lastUsedAt: null,
      });
      expect(await store().auth.deleteSessionsOfUser('alice')).toBe(1);
      expect(await store().auth.findApiToken('th1')).toMatchObject({ id: 'tok-1' });
    });
  });
});
