import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userInput } from '../test-support/fixtures.js';
import { createTestDatabase } from '../test-support/postgres.js';
import { postgresServerUrl } from '../test-support/stores.js';
import { MIGRATION_TABLE } from './migrate.js';
import { migrations } from './migrations/index.js';
import { openStore, StoreOpenError } from './open-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchboard-open-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const migrationCount = Object.keys(migrations('sqlite')).length;

async function openFails(databaseUrl: string | undefined, dataDir = dir): Promise<StoreOpenError> {
  const error = await openStore({ databaseUrl, dataDir }).then(
    async (store) => {
      await store.close();
      throw new Error('openStore succeeded');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreOpenError);
  const message = (error as StoreOpenError).message;
  expect(message).not.toContain('\n');
  return error as StoreOpenError;
}

describe('openStore on SQLite', () => {
  it('defaults to switchboard.db in the data dir, created if missing, in WAL mode', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const store = await openStore({ dataDir });
    try {
      expect(store.dialect).toBe('sqlite');
      await store.users.put(userInput('alice'));
    } finally {
      await store.close();
    }
    const file = join(dataDir, 'switchboard.db');
    expect(existsSync(file)).toBe(true);
    const raw = new BetterSqlite3(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('select id from users').all()).toEqual([{ id: 'alice' }]);
    } finally {
      raw.close();
    }
  });

  it('migrates once: reopening the same file keeps data and applies nothing again', async () => {
    const databaseUrl = `sqlite:${join(dir, 'db', 'store.db')}`;
    const first = await openStore({ databaseUrl, dataDir: dir });
    await first.users.put(userInput('alice'));
    await first.flows.saveVersion('alice', 'main', 'Main', { v: 1 });
    await first.close();

    const second = await openStore({ databaseUrl, dataDir: dir });
    try {
      expect((await second.users.get('alice'))?.email).toBe('alice@example.test');
      expect((await second.flows.getVersion('alice', 'main'))?.document).toEqual({ v: 1 });
      expect((await second.flows.saveVersion('alice', 'main', 'Main', { v: 2 })).version).toBe(2);
    } finally {
      await second.close();
    }
    const raw = new BetterSqlite3(join(dir, 'db', 'store.db'), { readonly: true });
    try {
      expect(raw.prepare(`select name from ${MIGRATION_TABLE}`).all()).toHaveLength(migrationCount);
    } finally {
      raw.close();
    }
  });

  it('lets two stores share one file, as the CLI does beside a running server', async () => {
    const databaseUrl = `sqlite:${join(dir, 'shared.db')}`;
    const server = await openStore({ databaseUrl, dataDir: dir });
    const cli = await openStore({ databaseUrl, dataDir: dir });
    try {
      await server.users.put(userInput('alice'));
      await cli.transaction(async (repos) => {
        expect(await repos.users.get('alice')).toBeDefined();
        await repos.users.put(userInput('bob'));
      });
      expect(await server.users.count()).toBe(2);
    } finally {
      await cli.close();
      await server.close();
    }
  });

  it('opens private in-memory databases with sqlite::memory:', async () => {
    const a = await openStore({ databaseUrl: 'sqlite::memory:', dataDir: dir });
    const b = await openStore({ databaseUrl: 'sqlite::memory:', dataDir: dir });
    try {
      await a.users.put(userInput('alice'));
      expect(await a.users.count()).toBe(1);
      expect(await b.users.count()).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('says which file is not a database', async () => {
    const file = join(dir, 'garbage.db');
    await writeFile(
      file,
      'this is not an SQLite database, just some text that is long enough'.repeat(20),
    );
    const error = await openFails(`sqlite:${file}`);
    expect(error.message).toContain(`cannot open SQLite database ${file}`);
    expect(error.message).toMatch(/not a database/);
  });

  it('says which data directory cannot be created', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'x');
    const error = await openFails(undefined, join(blocker, 'data'));
    expect(error.message).toMatch(
      /^cannot create directory .*a-file\/data for the SQLite database/,
    );
  });
});

describe('openStore with a bad SWITCHBOARD_DATABASE_URL', () => {
  it.each([
    ['mysql://root:hunter2@db.example/switchboard', 'has the unsupported scheme "mysql:"'],
    ['./data/switchboard.db', 'has no scheme'],
    ['sqlite:', 'names no file'],
    ['postgres://[broken', 'is not a valid PostgreSQL URL'],
  ])('%s', async (url, what) => {
    const error = await openFails(url);
    expect(error.message).toContain('SWITCHBOARD_DATABASE_URL');
    expect(error.message).toContain(what);
    expect(error.message).toContain('postgres://');
    expect(error.message).toContain('sqlite:PATH');
    expect(error.message).not.toContain('hunter2');
  });
});

describe('openStore on PostgreSQL', () => {
  it('migrates once: reopening the same database keeps data and applies nothing again', async () => {
    const database = await createTestDatabase(await postgresServerUrl());
    try {
      const first = await openStore({ databaseUrl: database.url, dataDir: dir });
      expect(first.dialect).toBe('postgres');
      await first.users.put(userInput('alice'));
      await first.close();

      // Two instances starting at once (the multi-instance deployment) must not both migrate.
      const [second, third] = await Promise.all([
        openStore({ databaseUrl: database.url, dataDir: dir }),
        openStore({ databaseUrl: database.url, dataDir: dir }),
      ]);
      try {
        expect((await second.users.get('alice'))?.createdAt).toBeTypeOf('number');
        expect(await third.users.count()).toBe(1);
      } finally {
        await second.close();
        await third.close();
      }
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const { rows } = await client.query(`select name from ${MIGRATION_TABLE}`);
        expect(rows).toHaveLength(migrationCount);
      } finally {
        await client.end();
      }
    } finally {
      await database.drop();
    }
  });

  it('names host and port when nothing listens there', async () => {
    const port = await unusedPort();
    const error = await openFails(`postgres://switchboard:s3cret-pw@127.0.0.1:${port}/switchboard`);
    expect(error.message).toBe(
      `cannot connect to PostgreSQL at 127.0.0.1:${port} (database "switchboard", user "switchboard"): ` +
        'connection refused (is the server running and listening there?) (ECONNREFUSED)',
    );
  });

  it('gives the server reason on a wrong password, without printing the password', async () => {
    const url = new URL(await postgresServerUrl());
    url.username = 'no_such_role';
    url.password = 'wrong-Pa55word';
    const error = await openFails(url.toString());
    expect(error.message).toMatch(
      new RegExp(
        `^cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${url.port} \\(database "postgres", user "no_such_role"\\): `,
      ),
    );
    // Password auth says "password authentication failed"; a trust server would say the role is unknown.
    expect(error.message).toMatch(
      /password authentication failed|role "no_such_role" does not exist/,
    );
    expect(error.message).not.toContain('wrong-Pa55word');
  });

  it('says when the database does not exist', async () => {
    const url = new URL(await postgresServerUrl());
    url.pathname = '/no_such_database';
    const error = await openFails(url.toString());
    expect(error.message).toContain('database "no_such_database" does not exist');
    expect(error.message).not.toContain(decodeURIComponent(url.password) || '\u0000');
  });
});

/** A loopback port nobody listens on (bound, read, released). */
function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}
