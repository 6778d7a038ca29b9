import { ServerEvent } from '@switchboard/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
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

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      expect(isBinary).toBe(false);
      this.events.push(JSON.parse(Buffer.from(data as Buffer).toString('utf8')) as ServerEvent);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
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
      payload: { method: 'builtin:ring' },
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
