import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  printedPassword,
  runCliProcess,
  runCliToEnd,
  type CliProcess,
} from '../support/cli-process.js';
import { HttpSession } from '../support/http.js';

interface Items<T> {
  items: T[];
}

// The two-command start, as a newcomer runs it: the built CLI, the embedded store, demo data on
// first run, the sign-in printed, the demo user's setup visible through the API.
describe('switchboard start (built CLI, embedded SQLite)', () => {
  let dataDir: string;
  let server: CliProcess;
  let base: string;
  let alicePassword: string;
  const env = (): Record<string, string> => ({
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_HTTP_HOST: '127.0.0.1',
    SWITCHBOARD_HTTP_PORT: '0',
    SWITCHBOARD_SIP_PORT: '0',
    SWITCHBOARD_SIP_HOST: '127.0.0.1',
    SWITCHBOARD_LOG_FORMAT: 'json',
  });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sb-start-'));
    server = runCliProcess(['start'], env());
    const [, url] = await server.waitFor(/Web client and API\s+(http:\/\/\S+)/);
    base = url!;
    await server.waitFor(/Stop with Ctrl\+C/);
    alicePassword = printedPassword(server.stdout(), 'alice@example.test');
  });

  afterAll(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints where to sign in and with what on first run', async () => {
    await server.waitFor(/Stop with Ctrl\+C/);
    // The demo file is public: its users get fresh random passwords, printed once.
    expect(alicePassword).toMatch(/^[\w-]{16}$/);
    expect(server.stdout()).not.toContain('alice-web-pass');
    expect(server.stdout()).toMatch(/admin@example\.test\s+password: \S+\s+\(administrator\)/);
    expect(server.stdout()).toContain(`SQLite in ${dataDir}`);
  });

  it('answers health and serves the web client and API docs', async () => {
    const health = await fetch(`${base}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', store: 'sqlite' });
    const page = await fetch(`${base}/`);
    expect(await page.text()).toContain('<div id="root">');
    const docs = await fetch(`${base}/api/openapi.json`);
    expect(docs.status).toBe(200);
  });

  it("shows the demo user's numbers, devices, handling codes and contacts after sign-in", async () => {
    const alice = new HttpSession(base);
    expect((await alice.request('GET', '/api/me')).status).toBe(401);
    const login = await alice.request('POST', '/api/auth/login', {
      email: 'alice@example.test',
      password: alicePassword,
    });
    expect(login.status).toBe(200);

    const numbers = await alice.request<Items<{ number: string }>>('GET', '/api/users/me/numbers');
    expect(numbers.body.items.map((n) => n.number)).toContain('+12025550100');

    const devices = await alice.request<Items<{ id: string; kind: string }>>(
      'GET',
      '/api/users/me/devices',
    );
    expect(devices.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'desk', kind: 'sip', sipUsername: 'alice-desk' }),
        expect.objectContaining({ id: 'cell', kind: 'external', number: '+12025550199' }),
      ]),
    );

    const desk = devices.body.items.find((d) => d.id === 'desk') as
      { sipPassword?: string } | undefined;
    expect(desk?.sipPassword).toMatch(/^[\w-]{16}$/);

    const codes = await alice.request<Items<{ code: string; method: string }>>(
      'GET',
      '/api/users/me/handling-codes',
    );
    expect(codes.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'VIP', method: 'vip' }),
        expect.objectContaining({ code: 'BLOCK', method: 'builtin:reject' }),
      ]),
    );

    const contacts = await alice.request<
      Items<{ name: string; handlingCode: string | null; phones: { e164: string }[] }>
    >('GET', '/api/users/me/contacts');
    const bob = contacts.body.items.find((c) => c.name === 'Bob Boss');
    expect(bob).toMatchObject({
      handlingCode: 'VIP',
      phones: [expect.objectContaining({ e164: '+12025550142' })],
    });
  });

  it('refuses a second start on the busy port with a clear error and leaves the store as it was', async () => {
    const alice = new HttpSession(base);
    await alice.request('POST', '/api/auth/login', {
      email: 'alice@example.test',
      password: alicePassword,
    });
    const before = await alice.request('GET', '/api/users/me/contacts');

    const port = new URL(base).port;
    const second = await runCliToEnd(['start'], { ...env(), SWITCHBOARD_HTTP_PORT: port });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`HTTP port ${port} is already in use`);
    expect(second.stderr).toContain('SWITCHBOARD_HTTP_PORT');
    expect(second.stderr.trim().split('\n')).toHaveLength(1);

    expect(await alice.request('GET', '/api/users/me/contacts')).toEqual(before);
  });

  it('stops gracefully on SIGTERM and keeps the data for the next start, without reloading the demo', async () => {
    expect(await server.stop()).toBe(0);
    expect(server.stdout()).toContain('switchboard stopped');

    server = runCliProcess(['start'], env());
    const [, url] = await server.waitFor(/Web client and API\s+(http:\/\/\S+)/);
    base = url!;
    await server.waitFor(/Stop with Ctrl\+C/);
    expect(server.stdout()).not.toContain('demo users');
    const alice = new HttpSession(base);
    const login = await alice.request('POST', '/api/auth/login', {
      email: 'alice@example.test',
      password: alicePassword,
    });
    expect(login.status).toBe(200);
  });
});

describe('switchboard start with bad configuration', () => {
  it('stops with one line naming the key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-badcfg-'));
    try {
      const result = await runCliToEnd(['start'], {
        SWITCHBOARD_DATA_DIR: dataDir,
        SWITCHBOARD_HTTP_PORT: 'eighty',
      });
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe(
        'switchboard: configuration error: SWITCHBOARD_HTTP_PORT="eighty": expected a whole number',
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
