import { describe, expect, it } from 'vitest';
import { openSqlite } from './sqlite.js';
import { CompiledQueries } from './compiled-queries.js';
import { sql } from 'kysely';

describe('CompiledQueries', () => {
  it('compiles a shape once and runs it again with new values', async () => {
    const db = openSqlite(':memory:', '/tmp');
    try {
      await sql`create table users (id text, name text)`.execute(db);
      const queries = new CompiledQueries('sqlite');
      const insert = (id: string, name: string) =>
        queries.run(db, 'insert', [id, name], () =>
          db.insertInto('users').values({ id, name } as never),
        );
      await insert('a', 'Ann');
      await insert('b', 'Bob');
      const rows = await sql<{ id: string; name: string }>`select * from users order by id`.execute(
        db,
      );
      expect(rows.rows).toEqual([
        { id: 'a', name: 'Ann' },
        { id: 'b', name: 'Bob' },
      ]);
    } finally {
      await db.destroy();
    }
  });

  it('refuses a shape whose SQL takes the values in another order than given', async () => {
    const db = openSqlite(':memory:', '/tmp');
    try {
      const queries = new CompiledQueries('sqlite');
      await expect(
        queries.run(db, 'select', ['b', 'a'], () =>
          db.selectFrom('users').selectAll().where('id', '=', 'a').where('name', '=', 'b'),
        ),
      ).rejects.toThrow('takes its parameters in another order than given');
    } finally {
      await db.destroy();
    }
  });
});
