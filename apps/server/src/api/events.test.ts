import { ServerEvent } from '@switchboard/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashSecret } from '../domain/services/auth-service.js';
import {
  PASSWORDS,
  startApiHarness,
  type ApiHarness,
  type HarnessOptions,
} from '../test-support/api-harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A harness whose app listens on 127.0.0.1 on a free port. */
async function listening(options?: HarnessOptions): Promise<{ h: ApiHarness; base: string }> {
  const h = await startApiHarness(options);
  cleanups.push(() => h.close());
  const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
  return { h, base: address.replace(/^http/, 'ws') };
}

/** A WebSocket client that queues what it receives, so tests can wait for the next event. */
class Client {
  readonly events: ServerEvent[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  closeCode: number | undefined;
  closeReason: string | undefined;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      expect(isBinary).toBe(false);
      this.events.push(JSON.parse(Buffer.from(data as Buffer).toString('utf8')) as ServerEvent);
      this.wake();
    });
    socket.on('close', (code: number, reason: Buffer) => {
      this.closed = true;
      this.closeCode = code;
      this.closeReason = reason.toString('utf8');
      this.wake();
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Waits until an event matching `match` has arrived; returns it. */
  async next(match: (event: ServerEvent) => boolean, timeoutMs = 3_000): Promise<ServerEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) {
        throw new Error(`no matching event; got ${JSON.stringify(this.events)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitClosed(timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('socket did not close');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** Opens a socket and waits for the handshake; rejects with the HTTP status if refused. */
function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options);
    // Queue messages from the start: `hello` may arrive in the same tick as `open`.
    const client = new Client(socket);
    cleanups.push(async () => {
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
        socket.terminate();
      }
      await Promise.resolve();
    });
    socket.once('open', () => {
      resolve(client);
    });
    socket.once('unexpected-response', (_request, response) => {
      reject(new Error(`refused with ${String(response.statusCode)}`));
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

const isHello = (event: ServerEvent) => event.type === 'hello';

describe('GET /api/events', () => {
  it('sends hello, then entity.changed after a contact is created through the API', async () => {
    const { h, base } = await listening();
    const cookie = await h.login('alice@example.test', PASSWORDS.alice);
    const client = await connect(`${base}/api/events`, { headers: { cookie } });
    const hello = await client.next(isHello);
    expect(hello).toEqual({
      type: 'hello',
      serverVersion: '9.9.9-test',
      userId: 'u-alice',
      role: 'user',
      at: new Date(h.clock.now()).toISOString(),
    });

    const created = await fetch(`${base.replace(/^ws/, 'http')}/api/users/me/contacts`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Live contact', phones: ['202 555 0142'] }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    const changed = await client.next((e) => e.type === 'entity.changed');
    // Every frame is a valid ServerEvent as the web client will parse it.
    for (const event of client.events) expect(ServerEvent.safeParse(event).success).toBe(true);
    expect(changed).toEqual({
      type: 'entity.changed',
      entity: 'contact',
      id,
      action: 'created',
      userId: 'u-alice',
      at: new Date(h.clock.now()).toISOString(),
    });
  });

  it('refuses an unauthenticated connection', async () => {
    const { h, base } = await listening();
    await expect(connect(`${base}/api/events`)).rejects.toThrow('refused with 401');
    await expect(connect(`${base}/api/events?token=sbt_wrong`)).rejects.toThrow('refused with 401');
    expect(h.events.listenerCount()).toBe(0);
  });

  it('accepts a bearer token in the header or in ?token=', async () => {
    const { h, base } = await listening();
    const cookie = await h.login('bob@example.test', PASSWORDS.bob);
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie },
      payload: { name: 'ws' },
    });
    const { token } = created.json<{ token: string }>();
    const viaHeader = await connect(`${base}/api/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await viaHeader.next(isHello)).toMatchObject({ userId: 'u-bob' });
    const viaQuery = await connect(`${base}/api/events?token=${encodeURIComponent(token)}`);
    expect(await viaQuery.next(isHello)).toMatchObject({ userId: 'u-bob' });
  });

  it('refuses a session cookie sent from another site’s page', async () => {
    const { h, base } = await listening();
    const cookie = await h.login('alice@example.test', PASSWORDS.alice);
    await expect(
      connect(`${base}/api/events`, { headers: { cookie }, origin: 'https://evil.example' }),
    ).rejects.toThrow('refused with 403');
    const own = await connect(`${base}/api/events`, {
      headers: { cookie },
      origin: base.replace(/^ws/, 'http'),
    });
    expect(await own.next(isHello)).toMatchObject({ userId: 'u-alice' });
  });

  it('sends users their own events only, and admins everyone’s', async () => {
    const { h, base } = await listening();
    const [alice, bob, admin] = await Promise.all([
      h.login('alice@example.test', PASSWORDS.alice),
      h.login('bob@example.test', PASSWORDS.bob),
      h.login('admin@example.test', PASSWORDS.admin),
    ]);
    const aliceClient = await connect(`${base}/api/events`, { headers: { cookie: alice } });
    const adminClient = await connect(`${base}/api/events`, { headers: { cookie: admin } });
    await aliceClient.next(isHello);
    expect(await adminClient.next(isHello)).toMatchObject({ role: 'admin' });

    const bobsContact = await h.app.inject({
      method: 'POST',
      url: '/api/users/me/contacts',
      headers: { cookie: bob },
      payload: { name: 'Bob’s secret' },
    });
    const trunk = await h.app.inject({
      method: 'POST',
      url: '/api/trunks',
      headers: { cookie: admin },
      payload: { id: 'carrier', host: 'sip.example' },
    });
    const alicesCode = await h.app.inject({
      method: 'PUT',
      url: '/api/users/me/handling-codes/vip',
      headers: { cookie: alice },
      payload: { method: 'builtin:ring-all' },
    });
    expect([bobsContact.statusCode, trunk.statusCode, alicesCode.statusCode]).toEqual([
      201, 201, 201,
    ]);

    const bobsId = bobsContact.json<{ id: string }>().id;
    expect(
      await adminClient.next((e) => e.type === 'entity.changed' && e.id === bobsId),
    ).toMatchObject({ entity: 'contact', userId: 'u-bob' });
    expect(
      await adminClient.next((e) => e.type === 'entity.changed' && e.entity === 'trunk'),
    ).toMatchObject({ id: 'carrier', userId: null });
    expect(
      await aliceClient.next((e) => e.type === 'entity.changed' && e.entity === 'handling-code'),
    ).toMatchObject({ id: 'VIP', action: 'created' });
    // Alice's own event came after Bob's and the trunk's: had she been sent those, they
    // would be queued already.
    expect(
      aliceClient.events.map((e) => (e.type === 'entity.changed' ? e.entity : e.type)),
    ).toEqual(['hello', 'handling-code']);
  });

  it('stops delivering to a socket once it closes', async () => {
    const { h, base } = await listening();
    const cookie = await h.login('alice@example.test', PASSWORDS.alice);
    const client = await connect(`${base}/api/events`, { headers: { cookie } });
    await client.next(isHello);
    expect(h.events.listenerCount()).toBe(1);
    client.socket.close();
    await client.waitClosed();
    for (let i = 0; i < 50 && h.events.listenerCount() > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(h.events.listenerCount()).toBe(0);
  });

  it('pings clients and drops the ones that stop answering', async () => {
    const { h, base } = await listening({ wsPingIntervalMs: 100 });
    const cookie = await h.login('alice@example.test', PASSWORDS.alice);
    const answering = await connect(`${base}/api/events`, { headers: { cookie } });
    const pinged = new Promise<void>((resolve) =>
      answering.socket.once('ping', () => {
        resolve();
      }),
    );
    const silent = await connect(`${base}/api/events`, { headers: { cookie }, autoPong: false });
    await pinged;
    await silent.waitClosed();
    // The client that answers pings stays connected through several intervals.
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(answering.closed).toBe(false);
    expect(h.events.listenerCount()).toBe(1);
  });
});

async function tokenFor(
  h: ApiHarness,
  cookie: string,
  name = 'ws',
): Promise<{ token: string; id: string }> {
  const created = await h.app.inject({
    method: 'POST',
    url: '/api/tokens',
    headers: { cookie },
    payload: { name },
  });
  expect(created.statusCode).toBe(201);
  return created.json<{ token: string; id: string }>();
}

function cookieValue(cookie: string): string {
  return cookie.slice('sb_session='.length);
}

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('GET /api/events when the credential ends', () => {
  it('closes the socket of a session at once when it signs out, and only that one', async () => {
    const { h, base } = await listening();
    const [first, second] = [
      await h.login('alice@example.test', PASSWORDS.alice),
      await h.login('alice@example.test', PASSWORDS.alice),
    ];
    const signingOut = await connect(`${base}/api/events`, { headers: { cookie: first } });
    const staying = await connect(`${base}/api/events`, { headers: { cookie: second } });
    await signingOut.next(isHello);
    await staying.next(isHello);

    const logout = await h.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie: first },
    });
    expect(logout.statusCode).toBe(204);
    await signingOut.waitClosed();
    expect(signingOut.closeCode).toBe(4401);
    expect(signingOut.closeReason).toBe('Signed out');
    expect(staying.closed).toBe(false);

    // Nothing more reaches the closed socket; the other still gets alice's events.
    await h.app.inject({
      method: 'POST',
      url: '/api/users/me/contacts',
      headers: { cookie: second },
      payload: { name: 'After logout' },
    });
    await staying.next((e) => e.type === 'entity.changed');
    expect(signingOut.events.map((e) => e.type)).toEqual(['hello']);
    expect(h.events.listenerCount()).toBe(1);
  });

  it('closes the sockets of an API token at once when it is revoked', async () => {
    const { h, base } = await listening();
    const cookie = await h.login('bob@example.test', PASSWORDS.bob);
    const { token, id } = await tokenFor(h, cookie);
    const viaToken = await connect(`${base}/api/events?token=${encodeURIComponent(token)}`);
    const viaSession = await connect(`${base}/api/events`, { headers: { cookie } });
    await viaToken.next(isHello);
    await viaSession.next(isHello);

    const revoked = await h.app.inject({
      method: 'DELETE',
      url: `/api/tokens/${id}`,
      headers: { cookie },
    });
    expect(revoked.statusCode).toBe(204);
    await viaToken.waitClosed();
    expect(viaToken.closeCode).toBe(4401);
    expect(viaToken.closeReason).toBe('API token revoked');
    expect(viaSession.closed).toBe(false);
  });

  it('closes a user’s sockets at once when an admin deletes or demotes them', async () => {
    const { h, base } = await listening();
    const admin = await h.login('admin@example.test', PASSWORDS.admin);
    const bob = await h.login('bob@example.test', PASSWORDS.bob);
    const promoted = await h.app.inject({
      method: 'PATCH',
      url: '/api/users/u-bob',
      headers: { cookie: admin },
      payload: { role: 'admin' },
    });
    expect(promoted.statusCode).toBe(200);
    // Bob, now an admin, watches everyone's events; then he is demoted.
    const bobAsAdmin = await connect(`${base}/api/events`, { headers: { cookie: bob } });
    expect(await bobAsAdmin.next(isHello)).toMatchObject({ role: 'admin' });
    await h.app.inject({
      method: 'PATCH',
      url: '/api/users/u-bob',
      headers: { cookie: admin },
      payload: { role: 'user' },
    });
    await bobAsAdmin.waitClosed();
    expect(bobAsAdmin.closeCode).toBe(4403);
    // Reconnecting gives him the view of his new role.
    const bobAsUser = await connect(`${base}/api/events`, { headers: { cookie: bob } });
    expect(await bobAsUser.next(isHello)).toMatchObject({ role: 'user' });

    const deleted = await h.app.inject({
      method: 'DELETE',
      url: '/api/users/u-bob',
      headers: { cookie: admin },
    });
    expect(deleted.statusCode).toBe(204);
    await bobAsUser.waitClosed();
    expect(bobAsUser.closeCode).toBe(4401);
    expect(h.events.listenerCount()).toBe(0);
  });

  it('closes the other sessions’ sockets when a user changes their password', async () => {
    const { h, base } = await listening();
    const current = await h.login('alice@example.test', PASSWORDS.alice);
    const other = await h.login('alice@example.test', PASSWORDS.alice);
    const { token } = await tokenFor(h, current);
    const here = await connect(`${base}/api/events`, { headers: { cookie: current } });
    const elsewhere = await connect(`${base}/api/events`, { headers: { cookie: other } });
    const script = await connect(`${base}/api/events?token=${encodeURIComponent(token)}`);
    for (const client of [here, elsewhere, script]) await client.next(isHello);

    const changed = await h.app.inject({
      method: 'PATCH',
      url: '/api/users/me',
      headers: { cookie: current },
      payload: { password: 'a-brand-new-pass', currentPassword: PASSWORDS.alice },
    });
    expect(changed.statusCode).toBe(200);
    await elsewhere.waitClosed();
    expect(elsewhere.closeCode).toBe(4401);
    expect(here.closed).toBe(false);
    // API tokens are separate credentials, revoked one by one.
    expect(script.closed).toBe(false);
  });

  it('re-checks the credential at every ping and closes the socket once it is gone', async () => {
    // Changes made behind this server's back (another instance, the CLI) are only seen then.
    const { h, base } = await listening({ wsPingIntervalMs: 100 });
    const alice = await h.login('alice@example.test', PASSWORDS.alice);
    const bob = await h.login('bob@example.test', PASSWORDS.bob);
    const admin = await h.login('admin@example.test', PASSWORDS.admin);
    const { token } = await tokenFor(h, bob);
    const session = await connect(`${base}/api/events`, { headers: { cookie: alice } });
    const viaToken = await connect(`${base}/api/events?token=${encodeURIComponent(token)}`);
    const adminSocket = await connect(`${base}/api/events`, { headers: { cookie: admin } });
    for (const client of [session, viaToken, adminSocket]) await client.next(isHello);

    await h.store.auth.deleteSession(hashSecret(cookieValue(alice)));
    await session.waitClosed();
    expect(session.closeCode).toBe(4401);
    expect(session.closeReason).toMatch(/sign in again/);

    const [bobsToken] = await h.store.auth.listApiTokens('u-bob');
    await h.store.auth.deleteApiToken('u-bob', bobsToken!.id);
    await viaToken.waitClosed();
    expect(viaToken.closeCode).toBe(4401);

    // An admin demoted elsewhere stops seeing everyone's events.
    await h.store.users.put({ ...h.admin, role: 'user' });
    await adminSocket.waitClosed();
    expect(adminSocket.closeCode).toBe(4403);
    await waitFor(() => h.events.listenerCount() === 0);
  });

  it('closes a socket whose session expires while it is open', async () => {
    const { h, base } = await listening({ wsPingIntervalMs: 100, sessionTtlMs: 60_000 });
    const cookie = await h.login('alice@example.test', PASSWORDS.alice);
    const client = await connect(`${base}/api/events`, { headers: { cookie } });
    await client.next(isHello);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(client.closed).toBe(false);
    h.clock.advance(60_000);
    await client.waitClosed();
    expect(client.closeCode).toBe(4401);
  });
});

describe('GET /api/events behind a proxy', () => {
  it('checks the Origin against publicUrl rather than the Host header', async () => {
    const { h, base } = await listening({ publicUrl: 'https://pbx.example.org/' });
    const cookie = await h.login('alice@example.test', PASSWORDS.alice);
    // The Host header is the proxy's upstream (127.0.0.1:port); the browser's page is public.
    const viaProxy = await connect(`${base}/api/events`, {
      headers: { cookie },
      origin: 'https://pbx.example.org',
    });
    expect(await viaProxy.next(isHello)).toMatchObject({ userId: 'u-alice' });
    await expect(
      connect(`${base}/api/events`, { headers: { cookie }, origin: base.replace(/^ws/, 'http') }),
    ).rejects.toThrow('refused with 403');
    await expect(
      connect(`${base}/api/events`, { headers: { cookie }, origin: 'http://pbx.example.org' }),
    ).rejects.toThrow('refused with 403');
  });

  it('refuses a publicUrl that is not an http(s) URL, naming it', async () => {
    await expect(startApiHarness({ publicUrl: 'pbx.example.org' })).rejects.toThrow(
      /publicUrl "pbx.example.org"/,
    );
    await expect(startApiHarness({ publicUrl: 'ftp://pbx.example.org' })).rejects.toThrow(
      /http:\/\/ or https:\/\//,
    );
  });
});
