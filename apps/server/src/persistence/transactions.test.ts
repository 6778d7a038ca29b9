import { describe, expect, it } from 'vitest';
import { ConflictError } from '../domain/ports/errors.js';
import type { Repositories } from '../domain/ports/store.js';
import { sipDeviceInput, userInput } from '../test-support/fixtures.js';
import { dialects, useStore } from '../test-support/stores.js';

class Boom extends Error {}

describe.each(dialects)('Store.transaction on %s', (dialect) => {
  const store = useStore(dialect);

  it('commits every write of the work and returns its result', async () => {
    const result = await store().transaction(async (repos) => {
      await repos.users.put(userInput('alice'));
      await repos.numbers.put('+4930111', 'alice');
      await repos.flows.saveVersion('alice', 'main', 'Main', { v: 1 });
      return 'done';
    });
    expect(result).toBe('done');
    expect(await store().users.get('alice')).toBeDefined();
    expect((await store().numbers.get('+4930111'))?.userId).toBe('alice');
    expect((await store().flows.get('alice', 'main'))?.currentVersion).toBe(1);
  });

  it('rolls back every write when the work throws, and rethrows its error', async () => {
    await store().users.put(userInput('alice'));
    await store().contacts.put({
      id: 'c1',
      userId: 'alice',
      source: 'api',
      externalId: null,
      name: 'Kept',
      organization: null,
      emails: [],
      phones: [{ e164: '+4917000', raw: '017000', type: null }],
      handlingCode: null,
    });

    const error = await store()
      .transaction(async (repos) => {
        await repos.users.put(userInput('bob'));
        await repos.users.put(userInput('alice', { name: 'Changed' }));
        await repos.numbers.put('+4930111', 'bob');
        await repos.devices.put(sipDeviceInput('bob', 'desk', 'bob-desk'));
        await repos.contacts.put({
          id: 'c1',
          userId: 'alice',
          source: 'api',
          externalId: null,
          name: 'Replaced',
          organization: null,
          emails: [],
          phones: [],
          handlingCode: null,
        });
        await repos.flows.saveVersion('bob', 'main', 'Main', { v: 1 });
        await repos.calls.insert({
          id: 'call-1',
          userId: 'bob',
          direction: 'inbound',
          callerNumber: null,
          callerName: null,
          calledNumber: '+4930111',
          contactId: null,
          handlingCode: null,
          flowId: null,
          flowVersion: null,
          outcome: 'in-progress',
          startedAt: 1,
          answeredAt: null,
          endedAt: null,
        });
        await repos.calls.appendStep({ callId: 'call-1', at: 2, kind: 'lookup', detail: {} });
        await repos.users.delete('alice');
        throw new Boom('work failed');
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Boom);
    expect(await store().users.get('bob')).toBeUndefined();
    expect((await store().users.get('alice'))?.name).toBe('User alice');
    expect(await store().numbers.get('+4930111')).toBeUndefined();
    expect(await store().devices.findBySipUsername('bob-desk')).toBeUndefined();
    expect(await store().contacts.get('alice', 'c1')).toMatchObject({
      name: 'Kept',
      phones: [{ e164: '+4917000' }],
    });
    expect(await store().flows.get('bob', 'main')).toBeUndefined();
    expect(await store().calls.get('call-1')).toBeUndefined();
    expect(await store().users.count()).toBe(1);
  });

  it('joins nested transactions and calls made through the store itself', async () => {
    const error = await store()
      .transaction(async (outer) => {
        await outer.users.put(userInput('alice'));
        const inner = await store().transaction(async (repos) => {
          await repos.numbers.put('+4930111', 'alice');
          return repos.users.get('alice'); // sees the outer write: same transaction
        });
        expect(inner?.id).toBe('alice');
        // Through the store, not `repos`: joins too (on SQLite this would otherwise wait forever
        // for the one connection the transaction holds).
        await store().handlingCodes.put({
          userId: 'alice',
          code: 'VIP',
          method: 'builtin:ring-all',
          description: null,
        });
        expect(await store().numbers.get('+4930111')).toBeDefined();
        throw new Boom('outer fails after the inner one finished');
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Boom);
    expect(await store().users.get('alice')).toBeUndefined();
    expect(await store().numbers.get('+4930111')).toBeUndefined();
    expect(await store().handlingCodes.get('alice', 'VIP')).toBeUndefined();
  });

  it('stays usable after a caught ConflictError and commits the rest', async () => {
    await store().users.put(userInput('alice'));
    await store().devices.put(sipDeviceInput('alice', 'desk', 'taken'));
    await store().transaction(async (repos) => {
      await repos.users.put(userInput('bob'));
      await expect(
        repos.devices.put(sipDeviceInput('bob', 'desk', 'taken')),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(
        repos.users.put(userInput('carol', { email: 'alice@example.test' })),
      ).rejects.toBeInstanceOf(ConflictError);
      // PostgreSQL would refuse every further statement here without the savepoint.
      await repos.devices.put(sipDeviceInput('bob', 'desk', 'bob-desk'));
    });
    expect(await store().devices.findBySipUsername('bob-desk')).toMatchObject({ userId: 'bob' });
    expect((await store().devices.findBySipUsername('taken'))?.userId).toBe('alice');
    expect(await store().users.get('carol')).toBeUndefined();
  });

  it('runs concurrent transactions one after the other without losing writes', async () => {
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        store().transaction(async (repos) => {
          await repos.users.put(userInput(`user${i}`));
          await repos.numbers.put(`+49301110${i}`, `user${i}`);
        }),
      ),
    );
    expect(await store().users.count()).toBe(6);
    expect(await store().numbers.list()).toHaveLength(6);
  });

  it('refuses repositories used after their transaction ended', async () => {
    let leaked: Repositories | undefined;
    await store().transaction((repos) => {
      leaked = repos;
      return Promise.resolve();
    });
    await expect(leaked!.users.count()).rejects.toThrow(/transaction already finished/);
    // The store itself is unaffected.
    expect(await store().users.count()).toBe(0);
  });
});
