import { join, resolve } from 'node:path';
import { StoreOpenError } from './store-open-error.js';

/** Where the store lives, as read from SWITCHBOARD_DATABASE_URL. */
export type DatabaseTarget =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgres'; readonly url: string };

/** SQLite's name for a private in-memory database. */
export const SQLITE_MEMORY = ':memory:';

const ACCEPTED =
  'use postgres://USER:PASSWORD@HOST:PORT/DATABASE (or postgresql://), sqlite:PATH, ' +
  'sqlite::memory:, or leave it unset for SQLite in the data directory';

/**
 * Reads the database URL: unset (or blank) -> `${dataDir}/switchboard.db`; `postgres://` or
 * `postgresql://` -> PostgreSQL; `sqlite:PATH` -> SQLite at PATH, resolved against the working
 * directory (`sqlite::memory:` for an in-memory database). Errors never echo the URL, which may
 * hold a password.
 */
export function parseDatabaseUrl(databaseUrl: string | undefined, dataDir: string): DatabaseTarget {
  const url = databaseUrl?.trim() ?? '';
  if (url === '') return { dialect: 'sqlite', path: resolve(join(dataDir, 'switchboard.db')) };
  if (/^postgres(ql)?:\/\//i.test(url)) {
    try {
      new URL(url);
    } catch {
      throw new StoreOpenError(
        `SWITCHBOARD_DATABASE_URL is not a valid PostgreSQL URL: ${ACCEPTED}`,
      );
    }
    return { dialect: 'postgres', url };
  }
  if (/^sqlite:/i.test(url)) {
    const path = url.slice('sqlite:'.length);
    if (path === '')
      throw new StoreOpenError(`SWITCHBOARD_DATABASE_URL "sqlite:" names no file: ${ACCEPTED}`);
    return { dialect: 'sqlite', path: path === SQLITE_MEMORY ? SQLITE_MEMORY : resolve(path) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  const what = scheme === undefined ? 'has no scheme' : `has the unsupported scheme "${scheme}:"`;
  throw new StoreOpenError(`SWITCHBOARD_DATABASE_URL ${what}: ${ACCEPTED}`);
}
