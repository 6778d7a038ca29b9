import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as Users from '../domain/services/users.js';
import { addUser, UserInputError } from '../domain/services/users.js';
import { PASSWORDS, startApiHarness, type ApiHarness } from '../test-support/api-harness.js';

// The real addUser, watched: the API must create users the one way the CLI does.
vi.mock('../domain/services/users.js', async (importOriginal) => {
  const actual = await importOriginal<typeof Users>();
  return { ...actual, addUser: vi.fn(actual.addUser) };
});

let h: ApiHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  vi.mocked(addUser).mockClear();
});

describe('POST /api/users', () => {
  it('creates users through addUser, with the admin’s time zone and country as defaults', async () => {
    h = await startApiHarness();
    const admin = await h.login('admin@example.test', PASSWORDS.admin);
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { cookie: admin },
      payload: {
        id: 'carol',
        name: 'Carol',
        email: 'carol@example.test',
        password: 'carol-pass-123',
        unknownHandling: 'builtin:voicemail',
      },
    });
    expect(created.statusCode).toBe(201);
    expect(vi.mocked(addUser)).toHaveBeenCalledTimes(1);
    expect(vi.mocked(addUser).mock.calls[0]?.[1]).toMatchObject({
      id: 'carol',
      email: 'carol@example.test',
      password: 'carol-pass-123',
      role: 'user',
      timezone: 'America/New_York',
      country: 'US',
      unknownHandling: 'builtin:voicemail',
    });
    expect(await h.store.users.get('carol')).toMatchObject({
      unknownHandling: 'builtin:voicemail',
    });
  });

  it('refuses builtins a new user cannot have: unknown ones, and ones naming a device', async () => {
    h = await startApiHarness();
    const admin = await h.login('admin@example.test', PASSWORDS.admin);
    const create = (defaultHandling: string) =>
      h!.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { cookie: admin },
        payload: {
          id: 'erin',
          name: 'Erin',
          email: 'erin@example.test',
          password: 'erin-pass-123',
          defaultHandling,
        },
      });
    const forward = await create('builtin:forward:cell');
    expect(forward.statusCode).toBe(400);
    expect(forward.json<{ error: { issues: unknown[] } }>().error.issues).toEqual([
      {
        path: 'defaultHandling',
        message:
          '"builtin:forward:cell" names a device, and a new user has none yet; add the device, then set it',
      },
    ]);
    const busy = await create('builtin:busy');
    expect(busy.statusCode).toBe(400);
    expect(
      busy.json<{ error: { issues: { message: string }[] } }>().error.issues[0]?.message,
    ).toMatch(
      /^"builtin:busy" is not a built-in method \(a new user has no flows yet\); use one of builtin:ring-then-voicemail, .*builtin:forward:<deviceId>/,
    );
    expect(await h.store.users.get('erin')).toBeUndefined();
    expect((await create('builtin:business-hours-menu')).statusCode).toBe(201);
  });

  it('answers a UserInputError from addUser with a 400 naming the field', async () => {
    h = await startApiHarness();
    vi.mocked(addUser).mockRejectedValueOnce(
      new UserInputError('country', '"XX" is not a two-letter country code such as US or FR'),
    );
    const admin = await h.login('admin@example.test', PASSWORDS.admin);
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { cookie: admin },
      payload: { name: 'Dan', email: 'dan@example.test', password: 'dan-pass-123' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: {
        code: 'validation',
        message: 'Invalid request: country: "XX" is not a two-letter country code such as US or FR',
        issues: [
          { path: 'country', message: '"XX" is not a two-letter country code such as US or FR' },
        ],
      },
    });
    expect(await h.store.users.get('dan')).toBeUndefined();
  });
});
