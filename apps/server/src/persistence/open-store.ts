import type { Kysely } from 'kysely';
import { systemClock, type Clock } from '../domain/ports/clock.js';
import { silentLogger, type Logger } from '../domain/ports/logger.js';
import type { Store } from '../domain/ports/store.js';
import { DbConnection } from './db-access.js';
import { parseDatabaseUrl } from './database-url.js';
import { KyselyStore } from './kysely-store.js';
import { migrateToLatest } from './migrate.js';
import { openPostgres } from './postgres.js';
import type { Database } from './schema.js';
import { openSqlite } from './sqlite.js';
import { StoreOpenError } from './store-open-error.js';

export { StoreOpenError } from './store-open-error.js';
export { ConflictError, MissingReferenceError } from '../domain/ports/errors.js';

export interface OpenStoreOptions {
  /** undefined -> SQLite file `${dataDir}/switchboard.db`; `postgres://` or `postgresql://` -> PostgreSQL;
   *  `sqlite:PATH` -> SQLite at PATH (`sqlite::memory:` for an in-memory database). */
  databaseUrl?: string;
  dataDir: string;
  clock?: Clock;
  logger?: Logger;
  /**
   * SQLite: checkpoint the WAL on a thread of its own, off the event loop (the server does;
   * short CLI commands need not start a thread).
   */
  backgroundCheckpoints?: boolean;
}

/**
 * Opens the store named by `databaseUrl` and brings its schema up to date. Every failure to get
 * there is a StoreOpenError with a one-line, password-free message.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const logger = options.logger ?? silentLogger;
  const target = parseDatabaseUrl(options.databaseUrl, options.dataDir);
  const db: Kysely<Database> =
    target.dialect === 'sqlite'
      ? openSqlite(target.path, options.dataDir, {
          backgroundCheckpoints: options.backgroundCheckpoints ?? false,
          onCheckpointError: (message) => {
            logger.warn({ error: message }, 'SQLite background checkpoint failed; will retry');
          },
        })
      : await openPostgres(target.url, logger);
  try {
    await migrateToLatest(db, target.dialect, logger);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreOpenError(reason.replace(/\s*\n\s*/g, ' '), { cause: error });
  }
  logger.debug(
    target.dialect === 'sqlite'
      ? { dialect: 'sqlite', path: target.path }
      : { dialect: 'postgres', url: redact(target.url) },
    'store opened',
  );
  return new KyselyStore(new DbConnection(db, target.dialect, options.clock ?? systemClock));
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
