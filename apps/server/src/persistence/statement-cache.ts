import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * better-sqlite3 under Kysely with its prepared statements kept: Kysely's SQLite driver calls
 * `prepare(sql)` for every query it runs, and preparing (parsing and planning the SQL) cost more
 * than running the query itself on the call path (11% of the server's CPU per call in
 * `npm run bench:call-path`). Kysely compiles the same builder to the same SQL text with the
 * values as parameters, so the text is a good key. The cache is bounded (least recently used
 * goes first): queries built with a variable number of parameters (`in (...)` lists) make new
 * texts.
 */
export class StatementCache implements SqliteDatabase {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(
    private readonly database: BetterSqlite3.Database,
    private readonly capacity = 256,
    /** Runs once the database is closed (what else belongs to the connection stops). */
    private readonly onClose?: () => void,
  ) {}

  prepare(sql: string): SqliteStatement {
    const cached = this.statements.get(sql);
    // A statement still being iterated (a streamed query) cannot run again until it is done:
    // such a caller gets a statement of its own, uncached.
    if (cached !== undefined && !cached.busy) {
      // Re-inserting moves it to the end: the Map's order is the recency order.
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    const statement = this.database.prepare(sql);
    if (cached === undefined) {
      this.statements.set(sql, statement);
      if (this.statements.size > this.capacity) {
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
    }
    return statement;
  }

  close(): void {
    this.statements.clear();
    this.database.close();
    this.onClose?.();
  }
}
