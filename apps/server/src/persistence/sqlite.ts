import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';
import { SQLITE_MEMORY } from './database-url.js';
import {
  SAFETY_NET_PAGES,
  startSqliteCheckpointer,
  type SqliteCheckpointer,
} from './sqlite-checkpointer.js';
import { StatementCache } from './statement-cache.js';
import type { Database } from './schema.js';
import { StoreOpenError } from './store-open-error.js';

/**
 * `BEGIN IMMEDIATE` takes the write lock up front. With a plain (deferred) BEGIN, a transaction
 * that reads and then writes fails with SQLITE_BUSY at once, busy_timeout or not, when another
 * process (the CLI next to a running server) wrote in between.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** SQLite does run DDL in transactions; saying so makes Kysely's Migrator apply each atomically. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class SwitchboardSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

export interface SqliteOptions {
  /**
   * Checkpoint the WAL on a thread of its own (the server: see sqlite-checkpointer.ts) rather
   * than in whichever commit crosses SQLite's threshold. Short-lived CLI commands leave it off.
   */
  readonly backgroundCheckpoints?: boolean;
  /** Hears of a background checkpoint that failed. */
  readonly onCheckpointError?: (message: string) => void;
  /** Time between background checkpoints; 1 s by default. */
  readonly checkpointIntervalMs?: number;
}

/** Opens (creating if needed) the SQLite database at `path`, or `:memory:`. */
export function openSqlite(
  path: string,
  dataDir: string,
  options: SqliteOptions = {},
): Kysely<Database> {
  if (path !== SQLITE_MEMORY) {
    for (const dir of new Set([dataDir, dirname(path)])) {
      try {
        mkdirSync(dir, { recursive: true });
      } catch (error) {
        throw new StoreOpenError(
          `cannot create directory ${dir} for the SQLite database: ${reason(error)}`,
          {
            cause: error,
          },
        );
      }
    }
  }
  let sqlite: BetterSqlite3.Database | undefined;
  let checkpointer: SqliteCheckpointer | undefined;
  try {
    sqlite = new BetterSqlite3(path);
    // WAL lets readers run beside the writer; NORMAL is durable at every checkpoint and safe
    // from corruption in WAL mode; the busy timeout rides out another process's short writes.
    if (path !== SQLITE_MEMORY) sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    if (options.backgroundCheckpoints === true && path !== SQLITE_MEMORY) {
      sqlite.pragma(`wal_autocheckpoint = ${String(SAFETY_NET_PAGES)}`);
      checkpointer = startSqliteCheckpointer(path, {
        ...(options.onCheckpointError === undefined ? {} : { onError: options.onCheckpointError }),
        ...(options.checkpointIntervalMs === undefined
          ? {}
          : { intervalMs: options.checkpointIntervalMs }),
      });
    }
  } catch (error) {
    void checkpointer?.close();
    sqlite?.close();
    throw new StoreOpenError(`cannot open SQLite database ${path}: ${reason(error)}`, {
      cause: error,
    });
  }
  return new Kysely<Database>({
    dialect: new SwitchboardSqliteDialect({
      database: new StatementCache(sqlite, undefined, () => void checkpointer?.close()),
    }),
  });
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
