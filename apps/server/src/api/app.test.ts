import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../domain/ports/errors.js';
import type { Store } from '../domain/ports/store.js';
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

async function start(options?: HarnessOptions): Promise<ApiHarness> {
  const harness = await startApiHarness(options);
  cleanups.push(() => harness.close());
  return harness;
}

/** The real store with one repository method replaced. */
function replacing<K extends keyof Store>(
  key: K,
  part: Partial<Store[K]>,
): (store: Store) => Store {
  return (store) =>
    new Proxy(store, {
      get(target, property, receiver) {
        // Inherit from the real repository so its other methods (on its prototype) still work.
        if (property === key) {
          const real = target[key] as object;
          return Object.assign(Object.create(real) as object, part);
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
}

interface OpenApiDocument {
  openapi: string;
  info: { version: string };
  paths: Record<
    string,
    Record<string, { tags?: string[]; summary?: string; requestBody?: unknown }>
  >;
}

describe('OpenAPI', () => {
  it('documents every route with tags and a summary', async () => {
    const h = await start();
    const response = await h.app.inject({ url: '/api/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json<OpenApiDocument>();
    expect(doc.openapi).toBe('3.0.3');
    expect(doc.info.version).toBe('9.9.9-test');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/auth/login',
        '/api/auth/logout',
        '/api/me',
        '/api/tokens',
        '/api/tokens/{id}',
        '/api/users',
        '/api/users/{userId}',
        '/api/users/{userId}/numbers',
        '/api/users/{userId}/devices/{deviceId}',
        '/api/users/{userId}/handling-codes/{code}',
        '/api/users/{userId}/flows/{flowId}/versions',
        '/api/users/{userId}/contacts',
        '/api/users/{userId}/contacts/{contactId}',
        '/api/users/{userId}/calendar-events',
        '/api/users/{userId}/calls/{callId}',
        '/api/users/{userId}/voicemails/{voicemailId}',
        '/api/trunks',
        '/api/health',
        '/api/events',
        '/metrics',
      ]),
    );
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, ...op })),
    );
    expect(operations.length).toBeGreaterThan(40);
    for (const op of operations) {
      expect(op.tags?.length, `${op.method} ${op.path} tags`).toBeGreaterThan(0);
      expect(op.summary, `${op.method} ${op.path} summary`).toBeTruthy();
    }
    // Request bodies come from the zod schemas in @switchboard/contracts.
    const createContact = doc.paths['/api/users/{userId}/contacts']?.post;
    expect(JSON.stringify(createContact?.requestBody)).toContain('phones');
  });

  it('serves a docs page', async () => {
    const h = await start();
    const response = await h.app.inject({ url: '/api/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
  });
});

describe('health', () => {
  it('reports version, store and uptime', async () => {
    const h = await start();
    h.clock.advance(5_500);
    const response = await h.app.inject({ url: '/api/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      version: '9.9.9-test',
      store: 'sqlite',
      uptimeSeconds: 5,
    });
  });

  it('answers 503 when the store does not answer', async () => {
    const h = await start({
      wrapStore: replacing('users', {
        count: () => Promise.reject(new Error('database is locked')),
      }),
    });
    const response = await h.app.inject({ url: '/api/health' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'error', store: 'sqlite' });
    expect(response.body).not.toContain('locked');
  });
});

describe('metrics', () => {
  it('counts requests by route pattern and status code', async () => {
    const h = await start();
    await h.app.inject({ url: '/api/health' });
    await h.app.inject({ url: '/api/health' });
    await h.app.inject({ url: '/api/users/u-alice/contacts' });
    const response = await h.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toContain(
      'switchboard_http_requests_total{method="GET",route="/api/health",status_code="200"} 2',
    );
    expect(response.body).toContain(
      'switchboard_http_requests_total{method="GET",route="/api/users/:userId/contacts",status_code="401"} 1',
    );
    expect(response.body).toMatch(
      /switchboard_http_request_duration_seconds_count\{method="GET",route="\/api\/health",status_code="200"\} 2/,
    );
  });
});

describe('errors', () => {
  it('answers unknown API routes with 404 JSON', async () => {
    const h = await start();
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      const response = await h.app.inject({ method, url: '/api/no/such/thing?x=1' });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({
        error: { code: 'not_found', message: `No route ${method} /api/no/such/thing` },
      });
    }
  });

  it('answers broken JSON with a 400 in the error shape', async () => {
    const h = await start();
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'bad_request' } });
  });

  it('answers unexpected failures with a 500 that tells nothing about internals', async () => {
    const h = await start({
      wrapStore: replacing('contacts', {
        listByUser: () => Promise.reject(new Error('SQLITE_CORRUPT at /var/lib/secret.db')),
      }),
    });
    const cookie = await h.login('alice@example.test', PASSWORDS.alice);
    const response = await h.app.inject({ url: '/api/users/me/contacts', headers: { cookie } });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      error: { code: 'internal', message: 'Internal server error' },
    });
  });

  it('turns a conflict found by the database into a 409', async () => {
    // Two requests racing for one SIP username: both pass the API's check, the unique index
    // in the database stops the second.
    const h = await start({
      wrapStore: replacing('devices', { findBySipUsername: () => Promise.resolve(undefined) }),
    });
    const alice = await h.login('alice@example.test', PASSWORDS.alice);
    const bob = await h.login('bob@example.test', PASSWORDS.bob);
    const device = { kind: 'sip', id: 'desk', name: 'Desk', sipUsername: 'shared-name' };
    const first = await h.app.inject({
      method: 'POST',
      url: '/api/users/me/devices',
      headers: { cookie: alice },
      payload: device,
    });
    expect(first.statusCode).toBe(201);
    const second = await h.app.inject({
      method: 'POST',
      url: '/api/users/me/devices',
      headers: { cookie: bob },
      payload: device,
    });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ error: { code: 'conflict' } });
    expect(new ConflictError('device', 'sipUsername').message).toBe(
      second.json<{ error: { message: string } }>().error.message,
    );
  });

  it('tells a plain GET of the event stream to upgrade', async () => {
    const h = await start();
    const cookie = await h.login('alice@example.test', PASSWORDS.alice);
    const response = await h.app.inject({ url: '/api/events', headers: { cookie } });
    expect(response.statusCode).toBe(426);
    expect(response.headers.upgrade).toBe('websocket');
  });
});

describe('web client', () => {
  it('says how to build it when it is not built', async () => {
    const h = await start();
    const page = await h.app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('npm run build');
    expect((await h.app.inject({ url: '/calls' })).statusCode).toBe(404);
  });

  it('serves the build with a fallback to index.html for client routes', async () => {
    const webRoot = await mkdtemp(join(tmpdir(), 'switchboard-web-'));
    cleanups.push(() => rm(webRoot, { recursive: true, force: true }));
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>Switchboard app</title>');
    await mkdir(join(webRoot, 'assets'));
    await writeFile(join(webRoot, 'assets', 'app.js'), 'console.log("app")');
    const h = await start({ webRoot });

    const root = await h.app.inject({ url: '/' });
    expect(root.statusCode).toBe(200);
    expect(root.body).toContain('Switchboard app');
    const clientRoute = await h.app.inject({ url: '/calls/call-1?tab=steps' });
    expect(clientRoute.statusCode).toBe(200);
    expect(clientRoute.body).toContain('Switchboard app');
    const asset = await h.app.inject({ url: '/assets/app.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
    expect((await h.app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    const api = await h.app.inject({ url: '/api/nothing' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await h.app.inject({ url: '/api/health' })).json()).toMatchObject({ status: 'ok' });
  });
});
