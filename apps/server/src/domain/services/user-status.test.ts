import { describe, expect, it } from 'vitest';
import type { CalendarEvent, StatusSetting } from '../model/index.js';
import { manualClock, TEST_EPOCH, userInput } from '../../test-support/fixtures.js';
import { dialects, useStore } from '../../test-support/stores.js';
import { decideStatus, effectiveStatus, setStatus, STATUS_LOOKAHEAD_MS } from './user-status.js';

const NOW = TEST_EPOCH;
const HOUR = 3_600_000;

function setting(overrides: Partial<StatusSetting> = {}): StatusSetting {
  return {
    userId: 'alice',
    status: 'busy',
    until: null,
    note: null,
    updatedAt: NOW - HOUR,
    ...overrides,
  };
}

function event(
  id: string,
  startsAt: number,
  endsAt: number,
  overrides: Partial<CalendarEvent> = {},
): CalendarEvent {
  return {
    id,
    userId: 'alice',
    uid: `${id}@example.test`,
    summary: `Event ${id}`,
    startsAt,
    endsAt,
    allDay: false,
    busy: true,
    outOfOffice: false,
    attendees: [],
    updatedAt: NOW - HOUR,
    ...overrides,
  };
}

describe('decideStatus (the precedence)', () => {
  const meeting = event('m', NOW - HOUR, NOW + HOUR);
  const ooo = event('o', NOW - 10 * HOUR, NOW + 20 * HOUR, { outOfOffice: true, allDay: true });

  it('1. a setting whose until has passed is ignored', () => {
    const expired = setting({ status: 'do-not-disturb', until: NOW });
    expect(decideStatus(expired, [], NOW)).toMatchObject({
      status: 'available',
      source: 'default',
      settingLive: false,
    });
    expect(decideStatus(expired, [meeting], NOW)).toMatchObject({
      status: 'in-a-meeting',
      source: 'calendar',
    });
  });

  it('2. a live setting beats the calendar, but a standing available lets the calendar speak', () => {
    expect(decideStatus(setting({ status: 'do-not-disturb' }), [meeting, ooo], NOW)).toMatchObject({
      status: 'do-not-disturb',
      source: 'set',
      event: null,
      changesAt: null,
    });
    expect(
      decideStatus(setting({ status: 'available', until: NOW + HOUR / 2 }), [meeting], NOW),
    ).toMatchObject({ status: 'available', source: 'set', changesAt: NOW + HOUR / 2 });
    expect(decideStatus(setting({ status: 'available' }), [meeting], NOW)).toMatchObject({
      status: 'in-a-meeting',
      source: 'calendar',
      settingLive: true,
    });
    expect(decideStatus(setting({ status: 'away', until: NOW + 1 }), [], NOW)).toMatchObject({
      status: 'away',
      changesAt: NOW + 1,
    });
  });

  it('3. out of office beats a meeting; transparent and past or future events do not count', () => {
    expect(decideStatus(null, [meeting, ooo], NOW)).toMatchObject({
      status: 'out-of-office',
      event: { id: 'o' },
    });
    const transparent = event('t', NOW - HOUR, NOW + HOUR, { busy: false });
    const past = event('p', NOW - 2 * HOUR, NOW);
    const later = event('l', NOW + 2 * HOUR, NOW + 3 * HOUR);
    const decided = decideStatus(null, [transparent, past, later], NOW);
    expect(decided).toMatchObject({ status: 'available', source: 'default', event: null });
    // The next meeting is when the status will next change.
    expect(decided.changesAt).toBe(NOW + 2 * HOUR);
    // An out-of-office event counts even when marked free.
    expect(
      decideStatus(
        null,
        [event('f', NOW - HOUR, NOW + HOUR, { busy: false, outOfOffice: true })],
        NOW,
      ).status,
    ).toBe('out-of-office');
  });

  it('4. says when a meeting will end', () => {
    expect(decideStatus(null, [meeting], NOW)).toMatchObject({
      status: 'in-a-meeting',
      event: { id: 'm' },
      changesAt: NOW + HOUR,
    });
    expect(decideStatus(null, [], NOW)).toMatchObject({ status: 'available', changesAt: null });
  });
});

describe.each(dialects)('status service on %s', (dialect) => {
  const clock = manualClock();
  const store = useStore(dialect, { clock });

  it('stores a setting, reads it back with the calendar, and clears it with available', async () => {
    clock.set(NOW);
    await store().users.put(userInput('alice'));
    await store().calendar.put(event('standup', NOW + HOUR, NOW + 2 * HOUR));
    // Beyond the look-ahead: not read.
    await store().calendar.put(
      event('far', NOW + STATUS_LOOKAHEAD_MS + HOUR, NOW + STATUS_LOOKAHEAD_MS + 2 * HOUR),
    );

    expect(await effectiveStatus(store(), 'alice', NOW)).toMatchObject({
      status: 'available',
      source: 'default',
      changesAt: NOW + HOUR,
    });
    const stored = await setStatus(
      store(),
      { userId: 'alice', status: 'busy', until: NOW + 3 * HOUR, note: '  writing  ' },
      NOW,
    );
    expect(stored).toEqual({
      userId: 'alice',
      status: 'busy',
      until: NOW + 3 * HOUR,
      note: 'writing',
      updatedAt: NOW,
    });
    // Busy by hand during the stand-up; in a meeting once the setting has run out.
    expect(await effectiveStatus(store(), 'alice', NOW + HOUR + 1)).toMatchObject({
      status: 'busy',
      source: 'set',
    });
    expect(await effectiveStatus(store(), 'alice', NOW + 3 * HOUR)).toMatchObject({
      status: 'available',
      settingLive: false,
    });
    expect(
      await setStatus(store(), { userId: 'alice', status: 'available', until: null }, NOW),
    ).toBeNull();
    expect(await store().statuses.get('alice')).toBeUndefined();
    expect(await effectiveStatus(store(), 'alice', NOW + HOUR + 1)).toMatchObject({
      status: 'in-a-meeting',
      event: { id: 'standup' },
    });
  });

  it('refuses what cannot be set and keeps the stored setting', async () => {
    await store().users.put(userInput('alice'));
    await setStatus(store(), { userId: 'alice', status: 'away' }, NOW);
    const attempts = [
      { change: { userId: 'alice', status: 'in-a-meeting' }, field: 'status' },
      { change: { userId: 'alice', status: 'napping' }, field: 'status' },
      { change: { userId: 'alice', status: 'busy', until: NOW }, field: 'until' },
      { change: { userId: 'alice', status: 'busy', note: 'x'.repeat(201) }, field: 'note' },
      { change: { userId: 'ghost', status: 'busy' }, field: 'userId' },
    ];
    for (const { change, field } of attempts) {
      await expect(setStatus(store(), change, NOW)).rejects.toMatchObject({ field });
    }
    expect(await store().statuses.get('alice')).toMatchObject({ status: 'away', until: null });
  });
});
