import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { clearDatabase, createTestDatabase, findPostgresBin, startPostgres } from './postgres.js';
import { postgresServerUrl } from './stores.js';

async function query(url: string, text: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('test PostgreSQL helper', () => {
  it('asks for the Debian package when no PostgreSQL is installed', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'switchboard-nopg-'));
    try {
      await expect(findPostgresBin(empty)).rejects.toThrow(
        /install the Debian package `postgresql`/,
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it.skipIf(process.env.SWITCHBOARD_TEST_POSTGRES_URL !== undefined)(
    'starts a scratch cluster on loopback and removes it on stop',
    async () => {
      const server = await startPostgres();
      try {
        expect(server.url).toMatch(/^postgres:\/\/postgres:[0-9a-f]+@127\.0\.0\.1:\d+\/postgres$/);
        expect(await query(server.url, 'select 1 as one')).toEqual([{ one: 1 }]);
        expect(server.dir !== undefined && existsSync(server.dir)).toBe(true);
      } finally {
        await server.stop();
      }
      expect(existsSync(server.dir!)).toBe(false);
      await expect(query(server.url, 'select 1')).rejects.toThrow(/ECONNREFUSED/);
    },
  );

  it('creates, clears and drops test databases', async () => {
    const serverUrl = await postgresServerUrl();
    const database = await createTestDatabase(serverUrl);
    try {
      await query(database.url, 'create table parent (id int primary key)');
      await query(database.url, 'create table child (id int references parent(id))');
      await query(database.url, 'insert into parent values (1); insert into child values (1)');
      await clearDatabase(database.url);
      expect(await query(database.url, 'select count(*)::int as n from child')).toEqual([{ n: 0 }]);
      expect(await query(database.url, 'select count(*)::int as n from parent')).toEqual([
        { n: 0 },
      ]);
    } finally {
      await database.drop();
    }
    const name = new URL(database.url).pathname.slice(1);
    expect(
      await query(serverUrl, `select datname from pg_database where datname = '${name}'`),
    ).toEqual([]);
  });
});
