import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PASSWORDS, startApiHarness, type ApiHarness } from '../test-support/api-harness.js';
import { dialects } from '../test-support/stores.js';

let h: ApiHarness;
let admin: string;
let alice: string;
let bob: string;

// The API runs the same on both engines; these suites check that through real stores.
describe.each(dialects)('on %s', (dialect) => {
  beforeEach(async () => {
    h = await startApiHarness({ dialect });
    [admin, alice, bob] = await Promise.all([
      h.login('admin@example.test', PASSWORDS.admin),
      h.login('alice@example.test', PASSWORDS.alice),
      h.login('bob@example.test', PASSWORDS.bob),
    ]);
  });
  afterEach(async () => {
    await h.close();
  });

  function issuePaths(body: unknown): string[] {
    return (
      (body as { error: { issues?: { path: string }[] } }).error.issues?.map((i) => i.path) ?? []
    );
  }

  describe('what a user may see', () => {
    it('keeps another user’s contacts from a user, but not from an admin', async () => {
      const created = await h.app.inject({
        method: 'POST',
        url: '/api/users/me/contacts',
        headers: { cookie: bob },
        payload: { name: 'Bob’s dentist', phones: ['020 7946 0958'] },
      });
      expect(created.statusCode).toBe(201);
      const { id } = created.json<{ id: string }>();

      const list = await h.app.inject({
        url: '/api/users/u-bob/contacts',
        headers: { cookie: alice },
      });
      expect(list.statusCode).toBe(403);
      expect(list.json()).toMatchObject({ error: { code: 'forbidden' } });
      const one = await h.app.inject({
        url: `/api/users/u-bob/contacts/${id}`,
        headers: { cookie: alice },
      });
      expect(one.statusCode).toBe(403);
      // Under her own id the contact simply does not exist.
      const mine = await h.app.inject({
        url: `/api/users/me/contacts/${id}`,
        headers: { cookie: alice },
      });
      expect(mine.statusCode).toBe(404);
      const write = await h.app.inject({
        method: 'DELETE',
        url: `/api/users/u-bob/contacts/${id}`,
        headers: { cookie: alice },
      });
      expect(write.statusCode).toBe(403);

      const asAdmin = await h.app.inject({
        url: '/api/users/u-bob/contacts',
        headers: { cookie: admin },
      });
      expect(asAdmin.statusCode).toBe(200);
      expect(asAdmin.json()).toMatchObject({ total: 1, items: [{ id, name: 'Bob’s dentist' }] });
      expect(await h.store.contacts.get('u-bob', id)).toBeDefined();
    });

    it('gives admins a 404 for users that do not exist', async () => {
      const response = await h.app.inject({
        url: '/api/users/u-ghost/contacts',
        headers: { cookie: admin },
      });
      expect(response.statusCode).toBe(404);
    });

    it('lists users to admins only, without password hashes', async () => {
      const denied = await h.app.inject({ url: '/api/users', headers: { cookie: alice } });
      expect(denied.statusCode).toBe(403);
      const listed = await h.app.inject({ url: '/api/users', headers: { cookie: admin } });
      expect(listed.statusCode).toBe(200);
      expect(
        listed
          .json<{ items: { id: string }[] }>()
          .items.map((u) => u.id)
          .sort(),
      ).toEqual(['u-admin', 'u-alice', 'u-bob']);
      expect(listed.body).not.toMatch(/passwordHash|scrypt/);
      const me = await h.app.inject({ url: '/api/users/me', headers: { cookie: alice } });
      expect(me.json()).toMatchObject({ id: 'u-alice', email: 'alice@example.test' });
      expect(me.body).not.toMatch(/passwordHash|scrypt/);
    });
  });

  describe('creating users', () => {
    it('lets an admin create a user who can then sign in', async () => {
      const created = await h.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { cookie: admin },
        payload: { name: 'Carol', email: 'Carol@Example.test', password: 'carol-pass-123' },
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({
        name: 'Carol',
        email: 'carol@example.test',
        role: 'user',
        // Taken from the admin who created her.
        timezone: 'America/New_York',
        country: 'US',
        defaultHandling: 'builtin:ring-then-voicemail',
      });
      await expect(h.login('carol@example.test', 'carol-pass-123')).resolves.toMatch(
        /^sb_session=/,
      );
    });

    it('refuses a taken email with 409, whatever its case', async () => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { cookie: admin },
        payload: { name: 'Alice 2', email: 'ALICE@example.test', password: 'another-pass' },
      });
      expect(response.statusCode).toBe(409);
      expect(response.json()).toMatchObject({ error: { code: 'conflict' } });
      expect(await h.store.users.count()).toBe(3);
    });

    it('names every invalid field', async () => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { cookie: admin },
        payload: { name: 'X', email: 'not-an-email', password: 'short', timezone: 'Mars/Olympus' },
      });
      expect(response.statusCode).toBe(400);
      expect(issuePaths(response.json()).sort()).toEqual(['email', 'password', 'timezone']);
    });

    it('refuses handling methods that name no template or flow', async () => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { cookie: admin },
        payload: {
          name: 'Dan',
          email: 'dan@example.test',
          password: 'dan-pass-123',
          unknownHandling: 'no-such-flow',
        },
      });
      expect(response.statusCode).toBe(400);
      expect(issuePaths(response.json())).toEqual(['unknownHandling']);
    });

    it('sets the attendant and handling a new user starts with, checking them', async () => {
      const created = await h.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { cookie: admin },
        payload: {
          id: 'carol',
          name: 'Carol',
          email: 'carol@example.test',
          password: 'carol-pass-123',
          timezone: 'Europe/Paris',
          country: 'FR',
          attendantId: 'u-alice',
          defaultHandling: 'builtin:voicemail',
        },
      });
      expect(created.statusCode).toBe(201);
      expect(await h.store.users.get('carol')).toMatchObject({
        timezone: 'Europe/Paris',
        country: 'FR',
        attendantId: 'u-alice',
        defaultHandling: 'builtin:voicemail',
        unknownHandling: 'builtin:ring-then-voicemail',
      });

      const ghost = await h.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { cookie: admin },
        payload: {
          name: 'Dan',
          email: 'dan@example.test',
          password: 'dan-pass-123',
          attendantId: 'u-ghost',
        },
      });
      expect(ghost.statusCode).toBe(400);
      expect(ghost.json()).toMatchObject({
        error: { code: 'validation', issues: [{ path: 'attendantId' }] },
      });
      const self = await h.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { cookie: admin },
        payload: {
          id: 'dan',
          name: 'Dan',
          email: 'dan@example.test',
          password: 'dan-pass-123',
          attendantId: 'dan',
        },
      });
      expect(self.statusCode).toBe(400);
      expect(issuePaths(self.json())).toEqual(['attendantId']);
      expect(await h.store.users.count()).toBe(4);
    });

    it('refuses the reserved id "me"', async () => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { cookie: admin },
        payload: { id: 'me', name: 'Me', email: 'me@example.test', password: 'me-pass-1234' },
      });
      expect(response.statusCode).toBe(400);
      expect(issuePaths(response.json())).toEqual(['id']);
    });

    it('is for admins only', async () => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { cookie: alice },
        payload: { name: 'Eve', email: 'eve@example.test', password: 'eve-pass-123' },
      });
      expect(response.statusCode).toBe(403);
    });
  });

  describe('changing users', () => {
    it('lets a user change their own name and time zone', async () => {
      const response = await h.app.inject({
        method: 'PATCH',
        url: '/api/users/me',
        headers: { cookie: alice },
        payload: { name: 'Alice Liddell', timezone: 'Europe/Paris' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ name: 'Alice Liddell', timezone: 'Europe/Paris' });
      expect(await h.store.users.get('u-alice')).toMatchObject({ name: 'Alice Liddell' });
    });

    it('keeps role, email and other users out of a user’s reach', async () => {
      const role = await h.app.inject({
        method: 'PATCH',
        url: '/api/users/me',
        headers: { cookie: alice },
        payload: { role: 'admin' },
      });
      expect(role.statusCode).toBe(403);
      const other = await h.app.inject({
        method: 'PATCH',
        url: '/api/users/u-bob',
        headers: { cookie: alice },
        payload: { name: 'Bobby' },
      });
      expect(other.statusCode).toBe(403);
      expect(await h.store.users.get('u-alice')).toMatchObject({ role: 'user' });
      expect(await h.store.users.get('u-bob')).toMatchObject({ name: 'Bob' });
    });

    it('asks for the current password to change one’s own', async () => {
      const missing = await h.app.inject({
        method: 'PATCH',
        url: '/api/users/me',
        headers: { cookie: alice },
        payload: { password: 'new-alice-pass' },
      });
      expect(missing.statusCode).toBe(400);
      expect(issuePaths(missing.json())).toEqual(['currentPassword']);
      const wrong = await h.app.inject({
        method: 'PATCH',
        url: '/api/users/me',
        headers: { cookie: alice },
        payload: { password: 'new-alice-pass', currentPassword: 'nope-nope' },
      });
      expect(wrong.statusCode).toBe(400);

      const changed = await h.app.inject({
        method: 'PATCH',
        url: '/api/users/me',
        headers: { cookie: alice },
        payload: { password: 'new-alice-pass', currentPassword: PASSWORDS.alice },
      });
      expect(changed.statusCode).toBe(200);
      await expect(h.login('alice@example.test', 'new-alice-pass')).resolves.toMatch(/sb_session/);
      await expect(h.login('alice@example.test', PASSWORDS.alice)).rejects.toThrow(/401/);
    });

    it('ends a user’s other sessions when they change their own password', async () => {
      const other = await h.login('alice@example.test', PASSWORDS.alice);
      const changed = await h.app.inject({
        method: 'PATCH',
        url: '/api/users/me',
        headers: { cookie: alice },
        payload: { password: 'new-alice-pass', currentPassword: PASSWORDS.alice },
      });
      expect(changed.statusCode).toBe(200);
      // The session the change was made from goes on; the other one ends.
      expect((await h.app.inject({ url: '/api/me', headers: { cookie: alice } })).statusCode).toBe(
        200,
      );
      expect((await h.app.inject({ url: '/api/me', headers: { cookie: other } })).statusCode).toBe(
        401,
      );
      // Other users are not affected.
      expect((await h.app.inject({ url: '/api/me', headers: { cookie: bob } })).statusCode).toBe(
        200,
      );
    });

    it('ends all of a user’s sessions when an admin resets their password', async () => {
      const second = await h.login('bob@example.test', PASSWORDS.bob);
      const reset = await h.app.inject({
        method: 'PATCH',
        url: '/api/users/u-bob',
        headers: { cookie: admin },
        payload: { password: 'reset-bob-pass' },
      });
      expect(reset.statusCode).toBe(200);
      for (const cookie of [bob, second]) {
        expect((await h.app.inject({ url: '/api/me', headers: { cookie } })).statusCode).toBe(401);
      }
      expect((await h.app.inject({ url: '/api/me', headers: { cookie: admin } })).statusCode).toBe(
        200,
      );
      // Changing something else ends nothing.
      const renamed = await h.app.inject({
        method: 'PATCH',
        url: '/api/users/u-alice',
        headers: { cookie: admin },
        payload: { name: 'Alice L.' },
      });
      expect(renamed.statusCode).toBe(200);
      expect((await h.app.inject({ url: '/api/me', headers: { cookie: alice } })).statusCode).toBe(
        200,
      );
    });

    it('lets an admin reset another user’s password and role', async () => {
      const response = await h.app.inject({
        method: 'PATCH',
        url: '/api/users/u-bob',
        headers: { cookie: admin },
        payload: { password: 'reset-bob-pass', role: 'admin' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ role: 'admin' });
      await expect(h.login('bob@example.test', 'reset-bob-pass')).resolves.toMatch(/sb_session/);
    });
  });

  describe('deleting users', () => {
    it('lets an admin delete a user, which ends their access', async () => {
      const response = await h.app.inject({
        method: 'DELETE',
        url: '/api/users/u-bob',
        headers: { cookie: admin },
      });
      expect(response.statusCode).toBe(204);
      expect(await h.store.users.get('u-bob')).toBeUndefined();
      const me = await h.app.inject({ url: '/api/me', headers: { cookie: bob } });
      expect(me.statusCode).toBe(401);
    });

    it('refuses an admin deleting themselves, and users deleting anyone', async () => {
      const self = await h.app.inject({
        method: 'DELETE',
        url: '/api/users/me',
        headers: { cookie: admin },
      });
      expect(self.statusCode).toBe(409);
      const byUser = await h.app.inject({
        method: 'DELETE',
        url: '/api/users/me',
        headers: { cookie: alice },
      });
      expect(byUser.statusCode).toBe(403);
      expect(await h.store.users.count()).toBe(3);
    });
  });
});
