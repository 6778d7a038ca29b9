import { describe, expect, it } from 'vitest';
import type { ContactInput } from '../domain/model/index.js';
import { ConflictError } from '../domain/ports/errors.js';
import { manualClock, TEST_EPOCH, userInput } from '../test-support/fixtures.js';
import { dialects, useStore } from '../test-support/stores.js';

function contact(userId: string, id: string, overrides: Partial<ContactInput> = {}): ContactInput {
  return {
    id,
    userId,
    source: 'api',
    externalId: null,
    name: `Contact ${id}`,
    organization: null,
    emails: [],
    phones: [],
    handlingCode: null,
    ...overrides,
  };
}

const mobile = { e164: '+491701234567', raw: '0170 1234567', type: 'cell' };
const office = { e164: '+4930123456', raw: '030 123456', type: 'work' };

describe.each(dialects)('contacts and calendar on %s', (dialect) => {
  const clock = manualClock();
  const store = useStore(dialect, { clock });

  describe('contacts', () => {
    it('puts and gets a contact with its phones, emails and handling code', async () => {
      await store().users.put(userInput('alice'));
      clock.set(TEST_EPOCH);
      const input = contact('alice', 'c1', {
        source: 'carddav',
        externalId: 'vcard-uid-1',
        name: 'Zoë Müller',
        organization: 'ACME',
        emails: ['zoe@example.test', 'zm@work.test'],
        phones: [mobile, { ...office, type: null }],
        handlingCode: 'VIP',
      });
      const saved = await store().contacts.put(input);
      expect(saved).toEqual({ ...input, createdAt: TEST_EPOCH, updatedAt: TEST_EPOCH });
      expect(await store().contacts.get('alice', 'c1')).toEqual(saved);
      expect(await store().contacts.get('alice', 'missing')).toBeUndefined();
      expect(await store().contacts.findByExternalId('alice', 'carddav', 'vcard-uid-1')).toEqual(
        saved,
      );
      expect(
        await store().contacts.findByExternalId('alice', 'import', 'vcard-uid-1'),
      ).toBeUndefined();
    });

    it('put replaces the phones, keeping createdAt', async () => {
      await store().users.put(userInput('alice'));
      clock.set(TEST_EPOCH);
      await store().contacts.put(contact('alice', 'c1', { phones: [mobile, office] }));
      clock.advance(1000);
      const replaced = await store().contacts.put(
        contact('alice', 'c1', {
          name: 'Renamed',
          phones: [{ e164: '+12025550100', raw: '(202) 555-0100', type: 'home' }],
        }),
      );
      expect(replaced.createdAt).toBe(TEST_EPOCH);
      expect(replaced.updatedAt).toBe(TEST_EPOCH + 1000);
      expect((await store().contacts.get('alice', 'c1'))?.phones).toEqual([
        { e164: '+12025550100', raw: '(202) 555-0100', type: 'home' },
      ]);
      expect(await store().contacts.findByPhone('alice', mobile.e164)).toEqual([]);
      expect(
        (await store().contacts.findByPhone('alice', '+12025550100')).map((c) => c.name),
      ).toEqual(['Renamed']);

      await store().contacts.put(contact('alice', 'c1', { phones: [] }));
      expect((await store().contacts.get('alice', 'c1'))?.phones).toEqual([]);
    });

    it('finds by phone per user, oldest first', async () => {
      await store().users.put(userInput('alice'));
      await store().users.put(userInput('bob'));
      clock.set(TEST_EPOCH);
      // Ids sort against creation order, so the order seen must come from createdAt.
      await store().contacts.put(contact('alice', 'z-first', { phones: [mobile] }));
      clock.advance(10);
      await store().contacts.put(contact('alice', 'a-second', { phones: [office, mobile] }));
      clock.advance(10);
      await store().contacts.put(contact('alice', 'm-other', { phones: [office] }));
      await store().contacts.put(contact('bob', 'bobs', { phones: [mobile] }));

      const found = await store().contacts.findByPhone('alice', mobile.e164);
      expect(found.map((c) => c.id)).toEqual(['z-first', 'a-second']);
      expect(found[1]?.phones).toEqual([office, mobile]);
      expect((await store().contacts.findByPhone('bob', mobile.e164)).map((c) => c.id)).toEqual([
        'bobs',
      ]);
      expect(await store().contacts.findByPhone('carol', mobile.e164)).toEqual([]);

      // Re-saving the oldest keeps its place: createdAt is kept by put.
      clock.advance(10);
      await store().contacts.put(contact('alice', 'z-first', { phones: [mobile] }));
      expect((await store().contacts.findByPhone('alice', mobile.e164)).map((c) => c.id)).toEqual([
        'z-first',
        'a-second',
      ]);
    });

    it('lists by name with limit and offset, counts, and deletes with the phones', async () => {
      await store().users.put(userInput('alice'));
      await store().users.put(userInput('bob'));
      for (const [id, name] of [
        ['1', 'charlie'],
        ['2', 'Alice'],
        ['3', 'bob'],
        ['4', 'Dave'],
      ] as const) {
        await store().contacts.put(
          contact('alice', id, { name, phones: [{ ...mobile, raw: name }] }),
        );
      }
      await store().contacts.put(contact('bob', '5', { name: 'Aaron' }));

      const all = await store().contacts.listByUser('alice');
      expect(all.map((c) => c.name)).toEqual(['Alice', 'bob', 'charlie', 'Dave']);
      expect(all.every((c) => c.phones.length === 1 && c.phones[0]?.raw === c.name)).toBe(true);
      expect((await store().contacts.listByUser('alice', { limit: 2 })).map((c) => c.name)).toEqual(
        ['Alice', 'bob'],
      );
      expect(
        (await store().contacts.listByUser('alice', { limit: 2, offset: 2 })).map((c) => c.name),
      ).toEqual(['charlie', 'Dave']);
      expect(
        (await store().contacts.listByUser('alice', { offset: 3 })).map((c) => c.name),
      ).toEqual(['Dave']);
      expect(await store().contacts.countByUser('alice')).toBe(4);
      expect(await store().contacts.countByUser('bob')).toBe(1);
      await expect(store().contacts.listByUser('alice', { limit: -1 })).rejects.toThrow(
        /limit must be a non-negative integer/,
      );

      expect(await store().contacts.delete('alice', '1')).toBe(true);
      expect(await store().contacts.delete('alice', '1')).toBe(false);
      expect(await store().contacts.countByUser('alice')).toBe(3);
      expect((await store().contacts.findByPhone('alice', mobile.e164)).map((c) => c.id)).toEqual([
        '2',
        '3',
        '4',
      ]);
      // Another user's contact is out of reach.
      expect(await store().contacts.delete('alice', '5')).toBe(false);
    });

    it('loads phones for pages larger than one lookup batch', async () => {
      await store().users.put(userInput('alice'));
      await store().transaction(async (repos) => {
        for (let i = 0; i < 620; i += 1) {
          const n = String(i).padStart(4, '0');
          await repos.contacts.put(
            contact('alice', `c${n}`, {
              name: `n${n}`,
              phones: [{ e164: `+4930000${n}`, raw: n, type: null }],
            }),
          );
        }
      });
      const all = await store().contacts.listByUser('alice');
      expect(all).toHaveLength(620);
      expect(all.every((c, i) => c.phones[0]?.raw === String(i).padStart(4, '0'))).toBe(true);
    });

    it('refuses a second contact with the same external id in one source', async () => {
      await store().users.put(userInput('alice'));
      await store().contacts.put(
        contact('alice', 'c1', { source: 'carddav', externalId: 'uid-1' }),
      );
      const error = await store()
        .contacts.put(
          contact('alice', 'c2', { source: 'carddav', externalId: 'uid-1', phones: [mobile] }),
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ entity: 'contact', field: 'externalId' });
      expect(await store().contacts.get('alice', 'c2')).toBeUndefined();
      expect(await store().contacts.findByPhone('alice', mobile.e164)).toEqual([]);
      // Same external id in another source, or for another user, is fine.
      await store().contacts.put(contact('alice', 'c3', { source: 'import', externalId: 'uid-1' }));
      expect(await store().contacts.countByUser('alice')).toBe(2);
    });
  });

  describe('calendar', () => {
    const event = (id: string, startsAt: number, endsAt: number, userId = 'alice') => ({
      id,
      userId,
      uid: `${id}@calendar.test`,
      summary: `Event ${id}`,
      startsAt,
      endsAt,
      allDay: false,
      busy: true,
      outOfOffice: false,
      attendees: ['bob@example.test'],
    });
    const hour = 3_600_000;

    it('puts, lists events overlapping [from, to), replaces and deletes', async () => {
      await store().users.put(userInput('alice'));
      await store().users.put(userInput('bob'));
      clock.set(TEST_EPOCH);
      const t = TEST_EPOCH;
      const morning = await store().calendar.put(event('morning', t, t + hour));
      expect(morning).toEqual({ ...event('morning', t, t + hour), updatedAt: TEST_EPOCH });
      await store().calendar.put({
        ...event('ooo', t + 2 * hour, t + 5 * hour),
        allDay: true,
        busy: false,
        outOfOffice: true,
        attendees: [],
      });
      await store().calendar.put(event('later', t + 10 * hour, t + 11 * hour));
      await store().calendar.put(event('bobs', t, t + 11 * hour, 'bob'));

      const ids = async (from: number, to: number) =>
        (await store().calendar.listByUser('alice', from, to)).map((e) => e.id);
      expect(await ids(t, t + 24 * hour)).toEqual(['morning', 'ooo', 'later']);
      expect(await ids(t + hour, t + 2 * hour)).toEqual([]); // touches both ends, overlaps neither
      expect(await ids(t + hour - 1, t + 2 * hour + 1)).toEqual(['morning', 'ooo']);
      expect(await ids(t + 3 * hour, t + 3 * hour + 1)).toEqual(['ooo']);
      const ooo = (await store().calendar.listByUser('alice', t + 3 * hour, t + 4 * hour))[0];
      expect(ooo).toMatchObject({ allDay: true, busy: false, outOfOffice: true, attendees: [] });

      clock.advance(500);
      const moved = await store().calendar.put(event('morning', t + 20 * hour, t + 21 * hour));
      expect(moved.updatedAt).toBe(TEST_EPOCH + 500);
      expect(await ids(t, t + hour)).toEqual([]);

      expect(await store().calendar.delete('alice', 'morning')).toBe(true);
      expect(await store().calendar.delete('alice', 'morning')).toBe(false);
      expect(await ids(t, t + 24 * hour)).toEqual(['ooo', 'later']);
    });
  });
});
