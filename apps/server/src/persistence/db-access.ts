import { AsyncLocalStorage } from 'node:async_hooks';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Clock } from '../domain/ports/clock.js';
import type { Database, DialectName } from './schema.js';

/**
 * What a repository needs to run statements: where to send the next one and how to make a group
 * of them atomic. Repositories never hold a connection themselves, so the same repository code
 * runs on the pool or inside a transaction.
 */
export interface DbAccess {
  readonly dialect: DialectName;
  readonly clock: Clock;
  /** The executor for the next statement: the open transaction, or the pool. */
  db(): Kysely<Database>;
  /**
   * Runs `work` atomically: in a transaction of its own, or, inside an open transaction, in a
   * savepoint. The savepoint matters on PostgreSQL, where a failed statement (a caught
   * ConflictError, say) would otherwise poison the rest of the transaction; SQLite only undoes
   * the failed statement. With it both engines leave the outer transaction usable.
   */
  atomic<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * Runs one write that may fail on a constraint: directly on the pool, or inside an open
   * transaction in a savepoint (for the reason given at `atomic`).
   */
  write<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T>;
}

/** One open transaction, as seen by the repositories bound to it. */
class OpenTransaction {
  finished = false;
  // Savepoints on one connection nest; two concurrent atomic sections would interleave theirs.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly trx: Transaction<Database>) {}

  executor(): Kysely<Database> {
    if (this.finished) {
      throw new Error(
        'store transaction already finished: use the repositories given to transaction() only inside its callback',
      );
    }
    return this.trx;
  }

  inSavepoint<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const db = this.executor();
      // One name for all: sections run one at a time, and where savepoints of one name nest
      // (SQLite, PostgreSQL) RELEASE and ROLLBACK TO take the newest. A fixed text also lets
      // the SQLite statement cache keep the three statements prepared.
      const name = sql.raw('sb_savepoint');
      await sql`savepoint ${name}`.execute(db);
      try {
        const result = await work(db);
        await sql`release savepoint ${name}`.execute(db);
        return result;
      } catch (error) {
        try {
          await sql`rollback to savepoint ${name}`.execute(db);
          await sql`release savepoint ${name}`.execute(db);
        } catch {
          // The connection itself failed: the outer transaction will report that; rethrow the
          // original error, which says what went wrong first.
        }
        throw error;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/**
 * The store's connection to its database, and the transaction bookkeeping: which transaction
 * (if any) the current async call chain is in, so nested `transaction()` calls and calls made
 * through the store itself inside one join it instead of waiting for a second connection (on
 * SQLite's single connection that wait would never end).
 */
export class DbConnection {
  private readonly current = new AsyncLocalStorage<OpenTransaction>();
  /** Transactions open in `current`: the storage is disabled again when none is. */
  private tracked = 0;
  /** Access that follows the transaction of the calling async context, if any. */
  readonly access: DbAccess;

  constructor(
    readonly root: Kysely<Database>,
    readonly dialect: DialectName,
    readonly clock: Clock,
  ) {
    this.access = {
      dialect,
      clock,
      db: () => this.active()?.executor() ?? root,
      atomic: (work) => {
        const open = this.active();
        if (open !== undefined) return open.inSavepoint(work);
        return root.transaction().execute(work);
      },
      write: (work) => {
        const open = this.active();
        return open !== undefined ? open.inSavepoint(work) : work(root);
      },
    };
  }

  /** Runs `work` in a transaction, joining the one this async context is already in. */
  async transaction<T>(work: (access: DbAccess) => Promise<T>): Promise<T> {
    const joined = this.active();
    if (joined !== undefined) return work(this.bound(joined));
    return this.root.transaction().execute(async (trx) => {
      const open = new OpenTransaction(trx);
      this.tracked += 1;
      try {
        return await this.current.run(open, () => work(this.bound(open)));
      } finally {
        open.finished = true;
        this.tracked -= 1;
        // While an AsyncLocalStorage is enabled, Node (20) runs a hook on every promise the
        // process creates: 6% of a call's allocations and some of its CPU in
        // `npm run bench:call-path`. Nothing needs the context once no transaction is open.
        if (this.tracked === 0) this.current.disable();
      }
    });
  }

  /**
   * Runs `work` in a transaction whose writes are not each wrapped in a savepoint: cheaper for
   * many small writes (two statements fewer each), and the first write that fails fails the
   * whole of it. Joins the transaction this async context is already in, like `transaction`.
   * Only the access handed to `work` is in the batch: calls made through the store itself from
   * inside it are not (they wait for it), so that it needs no async context to be tracked.
   */
  async batch<T>(work: (access: DbAccess) => Promise<T>): Promise<T> {
    const joined = this.active();
    if (joined !== undefined) return work(this.bound(joined));
    return this.root.transaction().execute(async (trx) => {
      const open = new OpenTransaction(trx);
      try {
        return await work(this.bound(open, false));
      } finally {
        open.finished = true;
      }
    });
  }

  close(): Promise<void> {
    return this.root.destroy();
  }

  private active(): OpenTransaction | undefined {
    const open = this.current.getStore();
    return open !== undefined && !open.finished ? open : undefined;
  }

  /**
   * Access pinned to one transaction, whatever async context later calls it; each write in a
   * savepoint of its own unless `isolate` is false (a batch).
   */
  private bound(open: OpenTransaction, isolate = true): DbAccess {
    const run = <T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> =>
      isolate ? open.inSavepoint(work) : work(open.executor());
    return {
      dialect: this.dialect,
      clock: this.clock,
      db: () => open.executor(),
      atomic: run,
      write: run,
    };
  }
}
