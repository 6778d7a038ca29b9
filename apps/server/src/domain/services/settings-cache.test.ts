import { afterEach, describe, expect, it } from 'vitest';
import type { CalendarEvent } from '../model/index.js';
import type { Store } from '../ports/store.js';
import { TEST_EPOCH, userInput } from '../../test-support/fixtures.js';
import {
  dialects,
  openSecondConnection,
  openTestStore,
  type TestStore,
} from '../../test-support/stores.js';
import { SettingsCache } from './settings-cache.js';

const HOUR = 3_600_000;

describe.each(dialects)('the settings cache on %s', (dialect) => {
  const opened: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const item of opened.splice(0).reverse()) await item.close();
  });

  async function setUp(): Promise<{ store: Store; test: TestStore; cache: SettingsCache }> {
    const test = await openTestStore(dialect);
    opened.push(test);
    const { store } = test;
    await store.users.put(userInput('alice'));
    await store.numbers.put('+12025550100', 'alice');
    await store.handlingCodes.put({
      userId: 'alice',
      code: 'VIP',
      method: 'builtin:ring-all',
      description: null,
    });
    return { store, test, cache: new SettingsCache(store) };
  }

  it('answers lookups from the cache while nothing changes', async () => {
    const { cache } = await setUp();
    const first = await cache.lookups();
    expect((await first.numbers.get('+12025550100'))?.userId).toBe('alice');
    expect((await first.handlingCodes.listByUser('alice')).map((c) => c.code)).toEqual(['VIP']);
    const second = await cache.lookups();
    expect((await second.numbers.get('+12025550100'))?.userId).toBe('alice');
    expect((await second.handlingCodes.listByUser('alice')).map((c) => c.code)).toEqual(['VIP']);
    // A number nobody has is remembered as such too.
    expect(await second.numbers.get('+12025550999')).toBeUndefined();
    expect(await second.numbers.get('+12025550999')).toBeUndefined();
    expect(cache.stats()).toEqual({ hits: 3, misses: 3, entries: 3 });
  });

  it('starts over once a setting changes through the store', async () => {
    const { store, cache } = await setUp();
    const before = await cache.lookups();
    expect(await before.handlingCodes.listByUser('alice')).toHaveLength(1);
    await store.handlingCodes.put({
      userId: 'alice',
      code: 'FAMILY',
      method: 'builtin:ring-all',
      description: null,
    });
    const after = await cache.lookups();
    expect((await after.handlingCodes.listByUser('alice')).map((c) => c.code)).toEqual([
      'FAMILY',
      'VIP',
    ]);
  });

  it('sees a change another process made (the CLI beside the server)', async () => {
    const { test, cache } = await setUp();
    expect((await (await cache.lookups()).users.get('alice'))?.name).toBe('User alice');
    const cli = await openSecondConnection(test);
    opened.push(cli);
    await cli.users.put(userInput('alice', { name: 'Alice Renamed' }));
    await cli.numbers.put('+12025550101', 'alice');
    const lookups = await cache.lookups();
    expect((await lookups.users.get('alice'))?.name).toBe('Alice Renamed');
    expect((await lookups.numbers.get('+12025550101'))?.userId).toBe('alice');
  });

  it('gives the store’s own answer for any calendar window', async () => {
    const { store, cache } = await setUp();
    const event = (
      id: string,
      startsAt: number,
      endsAt: number,
    ): Omit<CalendarEvent, 'updatedAt'> => ({
      id,
      userId: 'alice',
      uid: id,
      summary: id,
      startsAt,
      endsAt,
      allDay: false,
      busy: true,
      outOfOffice: false,
      attendees: [],
    });
    await store.calendar.put(event('early', TEST_EPOCH - 2 * HOUR, TEST_EPOCH - HOUR));
    await store.calendar.put(event('touching', TEST_EPOCH - HOUR, TEST_EPOCH));
    await store.calendar.put(event('now', TEST_EPOCH - 60_000, TEST_EPOCH + 60_000));
    await store.calendar.put(event('later', TEST_EPOCH + 5 * HOUR, TEST_EPOCH + 6 * HOUR));
    await store.calendar.put(event('tomorrow', TEST_EPOCH + 25 * HOUR, TEST_EPOCH + 26 * HOUR));
    const lookups = await cache.lookups();
    for (const [from, to] of [
      [TEST_EPOCH, TEST_EPOCH + 24 * HOUR],
      [TEST_EPOCH + 1, TEST_EPOCH + 24 * HOUR + 1],
      [TEST_EPOCH - HOUR, TEST_EPOCH - 1],
      [TEST_EPOCH + 5 * HOUR, TEST_EPOCH + 5 * HOUR + 1],
      [TEST_EPOCH + 6 * HOUR, TEST_EPOCH + 7 * HOUR],
    ] as const) {
      const ids = (events: readonly CalendarEvent[]) => events.map((e) => e.id);
      expect(ids(await lookups.calendar.listByUser('alice', from, to))).toEqual(
        ids(await store.calendar.listByUser('alice', from, to)),
      );
    }
  });

  it('keeps no failed read', async () => {
    const { store, cache } = await setUp();
    const lookups = await cache.lookups();
    const original = store.users.get.bind(store.users);
    let fail = true;
    store.users.get = (id) => (fail ? Promise.reject(new Error('connection lost')) : original(id));
    await expect(lookups.users.get('alice')).rejects.toThrow('connection lost');
    fail = false;
    expect((await lookups.users.get('alice'))?.id).toBe('alice');
  });
});
