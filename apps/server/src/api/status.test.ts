import type { ServerEvent, UserStatusDto } from '@switchboard/contracts';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PASSWORDS, startApiHarness, type ApiHarness } from '../test-support/api-harness.js';
import { dialects } from '../test-support/stores.js';

const HOUR = 3_600_000;

describe.each(dialects)('user status API on %s', (dialect) => {
  let h: ApiHarness;
  let alice: string;
  let admin: string;
  let bob: string;

  beforeEach(async () => {
    h = await startApiHarness({ dialect });
    [alice, admin, bob] = await Promise.all([
      h.login('alice@example.test', PASSWORDS.alice),
      h.login('admin@example.test', PASSWORDS.admin),
      h.login('bob@example.test', PASSWORDS.bob),
    ]);
  });
  afterEach(async () => {
    await h.close();
  });

  function send(cookie: string, method: 'GET' | 'PUT', url: string, payload?: object) {
    return h.app.inject({
      method,
      url,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload }),
    });
  }
  const status = (response: LightMyRequestResponse) => response.json<UserStatusDto>();
  const iso = (ms: number) => new Date(ms).toISOString();

  it('is available by default, in a meeting from the calendar, and set by hand over it', async () => {
    const now = h.clock.now();
    expect(status(await send(alice, 'GET', '/api/users/me/status'))).toEqual({
      userId: 'u-alice',
      status: 'available',
      source: 'default',
      setting: null,
      event: null,
      changesAt: null,
    });
    await h.store.calendar.put({
      id: 'review',
      userId: 'u-alice',
      uid: 'review@x',
      summary: 'Design review',
      startsAt: now - HOUR,
      endsAt: now + HOUR,
      allDay: false,
      busy: true,
      outOfOffice: false,
      attendees: [],
    });
    expect(status(await send(alice, 'GET', '/api/users/me/status'))).toMatchObject({
      status: 'in-a-meeting',
      source: 'calendar',
      event: { id: 'review', summary: 'Design review', endsAt: iso(now + HOUR) },
      changesAt: iso(now + HOUR),
    });

    const events: ServerEvent[] = [];
    h.events.subscribe('u-alice', (event) => events.push(event));
    const put = await send(alice, 'PUT', '/api/users/me/status', {
      status: 'do-not-disturb',
      until: iso(now + 2 * HOUR),
      note: 'Writing the report',
    });
    expect(put.statusCode).toBe(200);
    const dto = status(put);
    expect(dto).toEqual({
      userId: 'u-alice',
      status: 'do-not-disturb',
      source: 'set',
      setting: {
        status: 'do-not-disturb',
        until: iso(now + 2 * HOUR),
        note: 'Writing the report',
        live: true,
        updatedAt: iso(now),
      },
      event: null,
      changesAt: iso(now + 2 * HOUR),
    });
    expect(events).toEqual([
      { type: 'status.changed', userId: 'u-alice', status: dto, at: iso(now) },
    ]);

    // Once `until` has passed, the calendar speaks again.
    h.clock.advance(2 * HOUR);
    expect(status(await send(alice, 'GET', '/api/users/me/status'))).toMatchObject({
      status: 'available',
      source: 'default',
      setting: { status: 'do-not-disturb', live: false },
    });
  });

  it('clears the setting with a plain available', async () => {
    await send(alice, 'PUT', '/api/users/me/status', { status: 'away' });
    expect(await h.store.statuses.get('u-alice')).toMatchObject({ status: 'away', until: null });
    const cleared = await send(alice, 'PUT', '/api/users/me/status', { status: 'available' });
    expect(status(cleared)).toMatchObject({ status: 'available', setting: null });
    expect(await h.store.statuses.get('u-alice')).toBeUndefined();
  });

  it('refuses calendar statuses, past until, long notes; keeps what was set', async () => {
    await send(alice, 'PUT', '/api/users/me/status', { status: 'busy' });
    const past = iso(h.clock.now() - 1000);
    const bad: [object, string][] = [
      [{ status: 'in-a-meeting' }, 'status'],
      [{ status: 'busy', until: past }, 'until'],
      [{ status: 'busy', until: 'tomorrow' }, 'until'],
      [{ status: 'busy', note: 'x'.repeat(201) }, 'note'],
      [{}, 'status'],
    ];
    for (const [body, path] of bad) {
      const response = await send(alice, 'PUT', '/api/users/me/status', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(
        response.json<{ error: { issues: { path: string }[] } }>().error.issues.map((i) => i.path),
      ).toEqual([path]);
    }
    expect(await h.store.statuses.get('u-alice')).toMatchObject({ status: 'busy' });
  });

  it('lets admins set anyone’s status and users only their own', async () => {
    expect(
      (await send(admin, 'PUT', '/api/users/u-bob/status', { status: 'away' })).statusCode,
    ).toBe(200);
    expect(status(await send(bob, 'GET', '/api/users/me/status')).status).toBe('away');
    expect((await send(alice, 'GET', '/api/users/u-bob/status')).statusCode).toBe(403);
    expect(
      (await send(alice, 'PUT', '/api/users/u-bob/status', { status: 'busy' })).statusCode,
    ).toBe(403);
    expect((await send(admin, 'GET', '/api/users/nobody/status')).statusCode).toBe(404);
  });
});
