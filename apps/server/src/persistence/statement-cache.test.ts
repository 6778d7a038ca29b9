import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { StatementCache } from './statement-cache.js';

describe('StatementCache', () => {
  const opened: StatementCache[] = [];
  afterEach(() => {
    for (const cache of opened.splice(0)) cache.close();
  });

  function open(capacity?: number): StatementCache {
    const database = new BetterSqlite3(':memory:');
    database.exec('create table t (n integer)');
    database.exec('insert into t values (1), (2), (3)');
    const cache = new StatementCache(database, capacity);
    opened.push(cache);
    return cache;
  }

  it('prepares a text once and gives the same statement back', () => {
    const cache = open();
    const first = cache.prepare('select n from t where n > ?');
    expect(cache.prepare('select n from t where n > ?')).toBe(first);
    expect(first.all([1])).toEqual([{ n: 2 }, { n: 3 }]);
    expect(cache.prepare('select n from t where n < ?')).not.toBe(first);
  });

  it('gives a statement of its own to a query while the cached one is being iterated', () => {
    const cache = open();
    const sql = 'select n from t order by n';
    const streaming = cache.prepare(sql);
    const rows = streaming.iterate([]);
    expect(rows.next().value).toEqual({ n: 1 });
    const other = cache.prepare(sql);
    expect(other).not.toBe(streaming);
    expect(other.all([])).toHaveLength(3);
    expect([...rows]).toEqual([{ n: 2 }, { n: 3 }]);
    // Once the stream is done, the cached one serves again.
    expect(cache.prepare(sql)).toBe(streaming);
  });

  it('keeps at most `capacity` statements, dropping the least recently used', () => {
    const cache = open(2);
    const a = cache.prepare('select 1');
    const b = cache.prepare('select 2');
    expect(cache.prepare('select 1')).toBe(a); // a is now the most recent
    cache.prepare('select 3'); // b goes
    expect(cache.prepare('select 1')).toBe(a);
    expect(cache.prepare('select 2')).not.toBe(b);
  });
});
