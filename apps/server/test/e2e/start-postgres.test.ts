import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../src/test-support/postgres.js';
import { postgresServerUrl } from '../../src/test-support/stores.js';
import {
  printedPassword,
  runCliProcess,
  runCliToEnd,
  type CliProcess,
} from '../support/cli-process.js';
import { HttpSession } from '../support/http.js';

// The same code on PostgreSQL: two server instances share one database, as a deployment with
// several instances would. The second starts once the first has migrated and loaded the demo
// (simultaneous migration is covered in persistence/open-store.test.ts); a change made through
// one instance is seen through the other.
describe('switchboard start on PostgreSQL, two instances', () => {
  let database: TestDatabase;
  let dataDir: string;
  const servers: CliProcess[] = [];
  const bases: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(await postgresServerUrl());
    dataDir = mkdtempSync(join(tmpdir(), 'sb-pg-start-'));
    // The first instance loads the demo into the empty database; the second finds users there.
    for (const name of ['one', 'two']) {
      const server = runCliProcess(['start'], {
        SWITCHBOARD_DATA_DIR: join(dataDir, name),
        SWITCHBOARD_DATABASE_URL: database.url,
        SWITCHBOARD_HTTP_HOST: '127.0.0.1',
        SWITCHBOARD_HTTP_PORT: '0',
        SWITCHBOARD_SIP_HOST: '127.0.0.1',
        SWITCHBOARD_SIP_PORT: '0',
        SWITCHBOARD_LOG_FORMAT: 'json',
      });
      servers.push(server);
      bases.push((await server.waitFor(/Web client and API\s+(http:\/\/\S+)/))[1]!);
      await server.waitFor(/Stop with Ctrl\+C/);
    }
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loads the demo once and reports PostgreSQL', async () => {
    expect(servers[0]!.stdout()).toContain('Sign in with the demo users');
    expect(servers[1]!.stdout()).not.toContain('Sign in with the demo users');
    expect(servers[0]!.stdout()).toContain('Store                PostgreSQL');
    const health = await fetch(`${bases[1]!}/api/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', store: 'postgres' });
  });

  it('shows through one instance what was written through the other', async () => {
    const one = new HttpSession(bases[0]!);
    const two = new HttpSession(bases[1]!);
    for (const session of [one, two]) {
      const login = await session.request('POST', '/api/auth/login', {
        email: 'alice@example.test',
        password: printedPassword(servers[0]!.stdout(), 'alice@example.test'),
      });
      expect(login.status).toBe(200);
    }
    const created = await one.request<{ id: string }>('POST', '/api/users/me/contacts', {
      name: 'Gus Guest',
      phones: ['(202) 555-0188'],
      handlingCode: 'VIP',
    });
    expect(created.status).toBe(201);
    const seen = await two.request<{
      name: string;
      handlingCode: string;
      phones: { e164: string }[];
    }>('GET', `/api/users/me/contacts/${created.body.id}`);
    expect(seen.body).toMatchObject({
      name: 'Gus Guest',
      handlingCode: 'VIP',
      phones: [{ e164: '+12025550188' }],
    });
  });

  it('applies a provisioning file to the shared database from the CLI, idempotently', async () => {
    const env = {
      SWITCHBOARD_DATABASE_URL: database.url,
      SWITCHBOARD_DATA_DIR: join(dataDir, 'cli'),
    };
    const demo = new URL('../../../../examples/demo.yaml', import.meta.url).pathname;
    // The first run puts back the file's passwords (start gave the demo users random ones)...
    const first = await runCliToEnd(['provision', demo], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^0 created, 5 changed, \d+ unchanged/m);
    expect(first.stdout).toContain('~ user alice');
    // ...and the second finds nothing to do.
    const second = await runCliToEnd(['provision', demo], env);
    expect(second.stdout).toMatch(/^0 created, 0 changed, \d+ unchanged/m);
  });

  it('names the problem when PostgreSQL cannot be reached, without printing the password', async () => {
    const unreachable = 'postgres://sb:hunter2@127.0.0.1:1/switchboard';
    const result = await runCliToEnd(['start'], {
      SWITCHBOARD_DATABASE_URL: unreachable,
      SWITCHBOARD_DATA_DIR: join(dataDir, 'bad'),
      SWITCHBOARD_HTTP_HOST: '127.0.0.1',
      SWITCHBOARD_HTTP_PORT: '0',
      SWITCHBOARD_SIP_HOST: '127.0.0.1',
      SWITCHBOARD_SIP_PORT: '0',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot connect to PostgreSQL at 127.0.0.1:1');
    expect(result.stderr).not.toContain('hunter2');
  });
});
