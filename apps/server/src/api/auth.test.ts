import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  PASSWORDS,
  sessionCookie,
  startApiHarness,
  type ApiHarness,
  type HarnessOptions,
} from '../test-support/api-harness.js';

let harness: ApiHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(options?: HarnessOptions): Promise<ApiHarness> {
  harness = await startApiHarness(options);
  return harness;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('sign-in with a session cookie', () => {
  it('sets an HttpOnly SameSite=Lax cookie that authenticates later requests', async () => {
    const h = await start({ sessionTtlMs: 3_600_000 });
    const login = await h.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'Alice@Example.test', password: PASSWORDS.alice },
    });
    expect(login.statusCode).toBe(200);
    const body = login.json<{ user: { id: string }; expiresAt: string }>();
    expect(body.user.id).toBe('u-alice');
    expect(body.expiresAt).toBe(new Date(h.clock.now() + 3_600_000).toISOString());
    expect(login.body).not.toContain('scrypt');

    const cookie = login.cookies.find((c) => c.name === 'sb_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie?.secure).toBeUndefined();
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Only the SHA-256 of the cookie value is stored.
    const token = cookie!.value;
    expect(await h.store.auth.getSession(token)).toBeUndefined();
    expect(await h.store.auth.getSession(sha256(token))).toMatchObject({ userId: 'u-alice' });

    const me = await h.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { cookie: sessionCookie(login) },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { id: 'u-alice', role: 'user' }, via: 'session' });
  });

  it('marks the cookie Secure when asked to', async () => {
    const h = await start({ cookieSecure: true });
    const login = await h.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'alice@example.test', password: PASSWORDS.alice },
    });
    expect(login.cookies.find((c) => c.name === 'sb_session')?.secure).toBe(true);
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const h = await start();
    const wrongPassword = await h.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'alice@example.test', password: 'not-her-password' },
    });
    const unknownEmail = await h.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'nobody@example.test', password: 'not-her-password' },
    });
    expect(wrongPassword.statusCode).toBe(401);
    expect(unknownEmail.statusCode).toBe(401);
    expect(unknownEmail.body).toBe(wrongPassword.body);
    expect(wrongPassword.json()).toEqual({
      error: { code: 'unauthenticated', message: 'Wrong email or password' },
    });
    expect(wrongPassword.cookies).toHaveLength(0);
    expect(unknownEmail.cookies).toHaveLength(0);
  });

  it('names the missing fields of a malformed login', async () => {
    const h = await start();
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'alice@example.test' },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json<{ error: { code: string; issues: { path: string }[] } }>();
    expect(body.error.code).toBe('validation');
    expect(body.error.issues.map((i) => i.path)).toEqual(['password']);
  });

  it('refuses requests without credentials with 401 JSON', async () => {
    const h = await start();
    const response = await h.app.inject({ method: 'GET', url: '/api/me' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    const garbage = await h.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { cookie: 'sb_session=made-up' },
    });
    expect(garbage.statusCode).toBe(401);
  });

  it('logout ends the session and clears the cookie', async () => {
    const h = await start();
    const cookie = await h.login('alice@example.test', PASSWORDS.alice);
    const logout = await h.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie },
    });
    expect(logout.statusCode).toBe(204);
    expect(logout.cookies.find((c) => c.name === 'sb_session')?.value).toBe('');
    const me = await h.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
    expect(me.statusCode).toBe(401);
    // Logging out twice (or without a session) is harmless.
    const again = await h.app.inject({ method: 'POST', url: '/api/auth/logout' });
    expect(again.statusCode).toBe(204);
  });

  it('sessions expire after their time to live', async () => {
    const h = await start({ sessionTtlMs: 60_000 });
    const cookie = await h.login('alice@example.test', PASSWORDS.alice);
    h.clock.advance(59_000);
    expect((await h.app.inject({ url: '/api/me', headers: { cookie } })).statusCode).toBe(200);
    h.clock.advance(2_000);
    expect((await h.app.inject({ url: '/api/me', headers: { cookie } })).statusCode).toBe(401);
  });
});

describe('repeated sign-in failures', () => {
  it('refuses an address that failed too often, until its window ends', async () => {
    const h = await start({ loginLimit: { maxFailures: 3, windowMs: 60_000 } });
    const attempt = (password: string, remoteAddress = '192.0.2.7') =>
      h.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress,
        payload: { email: 'alice@example.test', password },
      });
    for (let i = 0; i < 3; i++) expect((await attempt(`guess-${i}`)).statusCode).toBe(401);

    // Even the right password is refused now: the limiter does not reveal it.
    const refused = await attempt(PASSWORDS.alice);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(refused.headers['retry-after'])).toBe(60);

    // Another address is not affected.
    expect((await attempt(PASSWORDS.alice, '192.0.2.8')).statusCode).toBe(200);

    h.clock.advance(60_000);
    expect((await attempt(PASSWORDS.alice)).statusCode).toBe(200);
  });

  it('counts guesses still being checked, so parallel guesses cannot outrun the limit', async () => {
    const h = await start({ loginLimit: { maxFailures: 5, windowMs: 60_000 } });
    const guess = (i: number) =>
      h.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '198.51.100.9',
        payload: { email: 'alice@example.test', password: `parallel-guess-${String(i)}` },
      });
    const statuses: number[] = [];
    // Rounds of parallel guesses: each answer comes only after its slow password check.
    for (let round = 0; round < 4; round++) {
      const batch = await Promise.all(Array.from({ length: 15 }, (_, i) => guess(round * 15 + i)));
      statuses.push(...batch.map((r) => r.statusCode));
    }
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    // Exactly maxFailures guesses were checked; every other one was refused unchecked.
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(55);
    const after = await h.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: '198.51.100.9',
      payload: { email: 'alice@example.test', password: PASSWORDS.alice },
    });
    expect(after.statusCode).toBe(429);
  });

  it('refuses more sign-ins at once from one address than it checks in parallel', async () => {
    const h = await start({
      loginLimit: { maxFailures: 100, windowMs: 60_000, maxConcurrent: 2 },
    });
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        h.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: 'alice@example.test', password: PASSWORDS.alice },
        }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
    const busy = responses.find((r) => r.statusCode === 429);
    expect(busy?.headers['retry-after']).toBe('1');
    expect(busy?.json()).toMatchObject({ error: { code: 'rate_limited' } });
  });

  it('does not let signing in to one’s own account reset the count of guesses', async () => {
    const h = await start({ loginLimit: { maxFailures: 3, windowMs: 60_000 } });
    // An attacker with an account of their own (bob) guessing alice's password.
    const attempt = (email: string, password: string) =>
      h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
    expect((await attempt('alice@example.test', 'guess-1')).statusCode).toBe(401);
    expect((await attempt('alice@example.test', 'guess-2')).statusCode).toBe(401);
    expect((await attempt('bob@example.test', PASSWORDS.bob)).statusCode).toBe(200);
    expect((await attempt('alice@example.test', 'guess-3')).statusCode).toBe(401);
    expect((await attempt('alice@example.test', 'guess-4')).statusCode).toBe(429);
    expect((await attempt('bob@example.test', PASSWORDS.bob)).statusCode).toBe(429);
  });

  it('forgets failures after a successful sign-in', async () => {
    const h = await start({ loginLimit: { maxFailures: 2, windowMs: 60_000 } });
    const attempt = (password: string) =>
      h.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'alice@example.test', password },
      });
    expect((await attempt('wrong-1')).statusCode).toBe(401);
    expect((await attempt(PASSWORDS.alice)).statusCode).toBe(200);
    expect((await attempt('wrong-2')).statusCode).toBe(401);
    expect((await attempt(PASSWORDS.alice)).statusCode).toBe(200);
  });
});

describe('API tokens', () => {
  it('creates a token shown once, which then authenticates as a bearer', async () => {
    const h = await start();
    const cookie = await h.login('alice@example.test', PASSWORDS.alice);
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie },
      payload: { name: 'backup script' },
    });
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json<{ token: string; id: string }>();
    expect(token).toMatch(/^sbt_[A-Za-z0-9_-]{43}$/);

    const list = await h.app.inject({ method: 'GET', url: '/api/tokens', headers: { cookie } });
    expect(list.json()).toEqual({
      items: [
        {
          id,
          name: 'backup script',
          createdAt: new Date(h.clock.now()).toISOString(),
          lastUsedAt: null,
        },
      ],
    });
    expect(list.body).not.toContain(token);

    const me = await h.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { id: 'u-alice' }, via: 'token' });
    const [used] = await h.store.auth.listApiTokens('u-alice');
    expect(used?.lastUsedAt).toBe(h.clock.now());

    // Query-string tokens are for the WebSocket only.
    const viaQuery = await h.app.inject({ method: 'GET', url: `/api/me?token=${token}` });
    expect(viaQuery.statusCode).toBe(401);

    const revoked = await h.app.inject({
      method: 'DELETE',
      url: `/api/tokens/${id}`,
      headers: { cookie },
    });
    expect(revoked.statusCode).toBe(204);
    const after = await h.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.statusCode).toBe(401);
  });

  it('refuses a bad bearer token even next to a good cookie', async () => {
    const h = await start();
    const cookie = await h.login('alice@example.test', PASSWORDS.alice);
    const response = await h.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { cookie, authorization: 'Bearer sbt_not-a-real-token' },
    });
    expect(response.statusCode).toBe(401);
    const malformed = await h.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: 'Basic YWxpY2U6cGFzcw==' },
    });
    expect(malformed.statusCode).toBe(401);
    expect(malformed.json<{ error: { message: string } }>().error.message).toContain('Bearer');
  });

  it('does not let one user revoke another user’s token', async () => {
    const h = await start();
    const alice = await h.login('alice@example.test', PASSWORDS.alice);
    const bob = await h.login('bob@example.test', PASSWORDS.bob);
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie: alice },
      payload: { name: 'cli' },
    });
    const { id } = created.json<{ id: string }>();
    const attempt = await h.app.inject({
      method: 'DELETE',
      url: `/api/tokens/${id}`,
      headers: { cookie: bob },
    });
    expect(attempt.statusCode).toBe(404);
    expect(await h.store.auth.listApiTokens('u-alice')).toHaveLength(1);
  });
});
