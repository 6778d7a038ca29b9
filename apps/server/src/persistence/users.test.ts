import { describe, expect, it } from 'vitest';
import { ConflictError, MissingReferenceError } from '../domain/ports/errors.js';
import { manualClock, sipDeviceInput, TEST_EPOCH, userInput } from '../test-support/fixtures.js';
import { dialects, useStore } from '../test-support/stores.js';

describe.each(dialects)('users, numbers, devices, trunks, handling codes on %s', (dialect) => {
  const clock = manualClock();
  const store = useStore(dialect, { clock });

  describe('users', () => {
    it('puts, gets, lists, counts and deletes', async () => {
      clock.set(TEST_EPOCH);
      const alice = await store().users.put(userInput('alice', { role: 'admin' }));
      expect(alice).toEqual({
        ...userInput('alice', { role: 'admin' }),
        createdAt: TEST_EPOCH,
        updatedAt: TEST_EPOCH,
      });
      clock.advance(1000);
      await store().users.put(userInput('bob'));

      expect(await store().users.get('alice')).toEqual(alice);
      expect(await store().users.get('nobody')).toBeUndefined();
      expect((await store().users.list()).map((u) => u.id)).toEqual(['alice', 'bob']);
      expect(await store().users.count()).toBe(2);

      expect(await store().users.delete('alice')).toBe(true);
      expect(await store().users.delete('alice')).toBe(false);
      expect(await store().users.count()).toBe(1);
    });

    it('put replaces by id, keeping createdAt and stamping updatedAt', async () => {
      clock.set(TEST_EPOCH);
      await store().users.put(userInput('alice'));
      clock.set(TEST_EPOCH + 5000);
      const updated = await store().users.put(
        userInput('alice', { name: 'Alice A.', timezone: 'UTC' }),
      );
      expect(updated.name).toBe('Alice A.');
      expect(updated.timezone).toBe('UTC');
      expect(updated.createdAt).toBe(TEST_EPOCH);
      expect(updated.updatedAt).toBe(TEST_EPOCH + 5000);
      expect(await store().users.get('alice')).toEqual(updated);
      expect(await store().users.count()).toBe(1);
    });

    it('finds by e-mail case-insensitively and refuses an address another user has', async () => {
      await store().users.put(userInput('alice', { email: 'Alice@Example.test' }));
      expect((await store().users.findByEmail('alice@example.TEST'))?.id).toBe('alice');
      expect(await store().users.findByEmail('bob@example.test')).toBeUndefined();

      const error = await store()
        .users.put(userInput('bob', { email: 'alice@example.test' }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ entity: 'user', field: 'email' });
      expect(await store().users.get('bob')).toBeUndefined();
    });

    it('keeps an attendant reference and clears it when the attendant goes', async () => {
      await store().users.put(userInput('alice'));
      await store().users.put(userInput('bob', { attendantId: 'alice' }));
      expect((await store().users.get('bob'))?.attendantId).toBe('alice');
      await store().users.delete('alice');
      expect((await store().users.get('bob'))?.attendantId).toBeNull();
      await expect(
        store().users.put(userInput('carol', { attendantId: 'ghost' })),
      ).rejects.toBeInstanceOf(MissingReferenceError);
    });
  });

  describe('numbers', () => {
    it('assigns, lists, moves between users by put and deletes', async () => {
      await store().users.put(userInput('alice'));
      await store().users.put(userInput('bob'));
      clock.set(TEST_EPOCH);
      const first = await store().numbers.put('+4930123456', 'alice');
      expect(first).toEqual({ e164: '+4930123456', userId: 'alice', createdAt: TEST_EPOCH });
      await store().numbers.put('+4930999999', 'alice');
      await store().numbers.put('+12025550100', 'bob');

      expect((await store().numbers.listByUser('alice')).map((n) => n.e164)).toEqual([
        '+4930123456',
        '+4930999999',
      ]);
      expect((await store().numbers.list()).map((n) => n.e164)).toEqual([
        '+12025550100',
        '+4930123456',
        '+4930999999',
      ]);

      clock.advance(60_000);
      const moved = await store().numbers.put('+4930123456', 'bob');
      expect(moved).toEqual({ e164: '+4930123456', userId: 'bob', createdAt: TEST_EPOCH });
      expect((await store().numbers.get('+4930123456'))?.userId).toBe('bob');
      expect((await store().numbers.listByUser('alice')).map((n) => n.e164)).toEqual([
        '+4930999999',
      ]);

      expect(await store().numbers.delete('+4930999999')).toBe(true);
      expect(await store().numbers.delete('+4930999999')).toBe(false);
      expect(await store().numbers.get('+4930999999')).toBeUndefined();
    });

    it('refuses a number for an unknown user', async () => {
      const error = await store()
        .numbers.put('+4930123456', 'ghost')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingReferenceError);
      expect(error).toMatchObject({ entity: 'number' });
    });
  });

  describe('devices', () => {
    it('puts SIP and external devices, finds by SIP username, lists and deletes', async () => {
      await store().users.put(userInput('alice'));
      clock.set(TEST_EPOCH);
      const desk = await store().devices.put(sipDeviceInput('alice', 'desk', 'alice-desk'));
      expect(desk).toEqual({
        ...sipDeviceInput('alice', 'desk', 'alice-desk'),
        createdAt: TEST_EPOCH,
        updatedAt: TEST_EPOCH,
      });
      const cell = await store().devices.put({
        kind: 'external',
        userId: 'alice',
        id: 'cell',
        name: 'Mobile',
        number: '+491701234567',
      });
      expect(cell).toMatchObject({ kind: 'external', number: '+491701234567' });
      expect(cell).not.toHaveProperty('sipUsername');

      expect(await store().devices.findBySipUsername('alice-desk')).toEqual(desk);
      expect(await store().devices.findBySipUsername('nobody')).toBeUndefined();
      expect(await store().devices.get('alice', 'cell')).toEqual(cell);
      expect((await store().devices.listByUser('alice')).map((d) => d.id)).toEqual([
        'cell',
        'desk',
      ]);

      // Changing a device's kind drops the other kind's fields.
      clock.advance(10);
      const changed = await store().devices.put({
        kind: 'external',
        userId: 'alice',
        id: 'desk',
        name: 'Desk forward',
        number: '+4930555',
      });
      expect(changed).toMatchObject({
        kind: 'external',
        createdAt: TEST_EPOCH,
        updatedAt: TEST_EPOCH + 10,
      });
      expect(await store().devices.findBySipUsername('alice-desk')).toBeUndefined();

      expect(await store().devices.delete('alice', 'desk')).toBe(true);
      expect(await store().devices.delete('alice', 'desk')).toBe(false);
    });

    it('refuses a SIP username another device holds, with a ConflictError', async () => {
      await store().users.put(userInput('alice'));
      await store().users.put(userInput('bob'));
      await store().devices.put(sipDeviceInput('alice', 'desk', 'shared-name'));

      const error = await store()
        .devices.put(sipDeviceInput('bob', 'desk', 'shared-name'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ entity: 'device', field: 'sipUsername' });
      expect(await store().devices.listByUser('bob')).toEqual([]);

      // The same device keeping its own username is no conflict.
      await expect(
        store().devices.put(sipDeviceInput('alice', 'desk', 'shared-name')),
      ).resolves.toMatchObject({
        sipUsername: 'shared-name',
      });
    });

    it('keeps device ids per user', async () => {
      await store().users.put(userInput('alice'));
      await store().users.put(userInput('bob'));
      await store().devices.put(sipDeviceInput('alice', 'desk', 'alice-desk'));
      await store().devices.put(sipDeviceInput('bob', 'desk', 'bob-desk'));
      expect((await store().devices.get('alice', 'desk'))?.name).toBe('desk phone');
      expect(await store().devices.get('alice', 'desk')).toMatchObject({
        sipUsername: 'alice-desk',
      });
      expect(await store().devices.get('bob', 'desk')).toMatchObject({ sipUsername: 'bob-desk' });
    });
  });

  describe('trunks', () => {
    it('puts, gets, lists, replaces and deletes', async () => {
      clock.set(TEST_EPOCH);
      const carrier = await store().trunks.put({
        id: 'carrier',
        host: 'sip.carrier.test',
        port: 5060,
        inbound: ['192.0.2.10', '192.0.2.11'],
        username: 'acct',
        password: 'secret',
      });
      expect(carrier).toEqual({
        id: 'carrier',
        host: 'sip.carrier.test',
        port: 5060,
        inbound: ['192.0.2.10', '192.0.2.11'],
        username: 'acct',
        password: 'secret',
        calledNumberFrom: 'request-uri',
        createdAt: TEST_EPOCH,
        updatedAt: TEST_EPOCH,
      });
      await store().trunks.put({
        id: 'backup',
        host: '198.51.100.1',
        port: 5080,
        inbound: [],
        username: null,
        password: null,
      });
      expect((await store().trunks.list()).map((t) => t.id)).toEqual(['backup', 'carrier']);

      clock.advance(1);
      const replaced = await store().trunks.put({
        ...carrier,
        inbound: ['192.0.2.12'],
        username: null,
        password: null,
        calledNumberFrom: 'to',
      });
      expect(replaced).toMatchObject({
        inbound: ['192.0.2.12'],
        username: null,
        calledNumberFrom: 'to',
        createdAt: TEST_EPOCH,
        updatedAt: TEST_EPOCH + 1,
      });
      expect(await store().trunks.get('carrier')).toEqual(replaced);

      expect(await store().trunks.delete('carrier')).toBe(true);
      expect(await store().trunks.get('carrier')).toBeUndefined();
      expect(await store().trunks.delete('carrier')).toBe(false);
    });
  });

  describe('handling codes', () => {
    it('puts per user, lists in code order, replaces and deletes', async () => {
      await store().users.put(userInput('alice'));
      await store().users.put(userInput('bob'));
      clock.set(TEST_EPOCH);
      const vip = await store().handlingCodes.put({
        userId: 'alice',
        code: 'VIP',
        method: 'builtin:ring-all',
        description: 'Always ring',
      });
      expect(vip).toEqual({
        userId: 'alice',
        code: 'VIP',
        method: 'builtin:ring-all',
        description: 'Always ring',
        createdAt: TEST_EPOCH,
        updatedAt: TEST_EPOCH,
      });
      await store().handlingCodes.put({
        userId: 'alice',
        code: 'BLOCK',
        method: 'builtin:reject',
        description: null,
      });
      await store().handlingCodes.put({
        userId: 'bob',
        code: 'VIP',
        method: 'flow-1',
        description: null,
      });

      expect((await store().handlingCodes.listByUser('alice')).map((c) => c.code)).toEqual([
        'BLOCK',
        'VIP',
      ]);
      expect((await store().handlingCodes.get('bob', 'VIP'))?.method).toBe('flow-1');

      clock.advance(5);
      const replaced = await store().handlingCodes.put({ ...vip, method: 'builtin:voicemail' });
      expect(replaced).toMatchObject({
        method: 'builtin:voicemail',
        createdAt: TEST_EPOCH,
        updatedAt: TEST_EPOCH + 5,
      });

      expect(await store().handlingCodes.delete('alice', 'VIP')).toBe(true);
      expect(await store().handlingCodes.get('alice', 'VIP')).toBeUndefined();
      expect(await store().handlingCodes.get('bob', 'VIP')).toBeDefined();
      expect(await store().handlingCodes.delete('alice', 'VIP')).toBe(false);
    });
  });
});
