import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import type { Clock } from '../domain/ports/clock.js';
import type { Logger } from '../domain/ports/logger.js';
import type { Store } from '../domain/ports/store.js';
import { openStore } from '../persistence/open-store.js';
import {
  clearDatabase,
  createTestDatabase,
  startPostgres,
  type TestDatabase,
  type TestPostgres,
} from './postgres.js';

/**
 * Fresh, migrated stores for tests, on either engine. Typical use:
 *
 * ```ts
 * describe.each(dialects)('contacts on %s', (dialect) => {
 *   const store = useStore(dialect);          // a fresh, empty store for every test
 *   it('...', async () => { await store().users.put(...) });
 * });
 * ```
 *
 * or, for one test, `await withStore('postgres', async (store) => { ... })` (a database of its
 * own: about 0.35 s on PostgreSQL, so prefer `useStore` in suites).
 * SQLite stores live in a temp dir (a real file, WAL and all); PostgreSQL stores live in
 * databases created on the run's shared server (see global-setup.ts) and dropped afterwards.
 */
export type Dialect = 'sqlite' | 'postgres';

/** Both engines, for `describe.each(dialects)`. */
export const dialects: readonly Dialect[] = ['sqlite', 'postgres'];

export interface TestStoreOptions {
  clock?: Clock;
  logger?: Logger;
}

export interface TestStore {
  readonly store: Store;
  /** The URL it was opened with (reopen it with `openStore` to test persistence). */
  readonly databaseUrl: string;
  /** A temp directory of its own, removed on close; use it as the data directory. */
  readonly dataDir: string;
  /** Closes the store and removes everything it made. Safe to call twice. */
  close(): Promise<void>;
}

/** Opens a fresh store; the caller must `close()` it (in a `finally` or an `after*` hook). */
export async function openTestStore(
  dialect: Dialect,
  options: TestStoreOptions = {},
): Promise<TestStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-store-'));
  const cleanups: (() => Promise<void>)[] = [() => rm(dataDir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step();
  };
  try {
    let databaseUrl = `sqlite:${join(dataDir, 'switchboard.db')}`;
    if (dialect === 'postgres') {
      const database = await createTestDatabase(await postgresServerUrl());
      cleanups.push(() => database.drop());
      databaseUrl = database.url;
    }
    const store = await openStore({ databaseUrl, dataDir, ...options });
    cleanups.push(() => store.close());
    let closed: Promise<void> | undefined;
    return { store, databaseUrl, dataDir, close: () => (closed ??= cleanup()) };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Runs `work` against a fresh store and always closes it. */
/**
 * A second connection to a test store's database, as another process (the CLI beside the
 * server) would have. The caller closes it (before the test store).
 */
export function openSecondConnection(test: TestStore): Promise<Store> {
  return openStore({ databaseUrl: test.databaseUrl, dataDir: test.dataDir });
}

export async function withStore<T>(
  dialect: Dialect,
  work: (store: Store, testStore: TestStore) => Promise<T>,
  options: TestStoreOptions = {},
): Promise<T> {
  const testStore = await openTestStore(dialect, options);
  try {
    return await work(testStore.store, testStore);
  } finally {
    await testStore.close();
  }
}

/**
 * Registers hooks in the calling `describe` that give every test a fresh, empty, migrated store
 * and close it afterwards; returns a getter for the current test's store.
 *
 * SQLite: a new database file per test. PostgreSQL: one database per `useStore` call (created
 * before the suite, dropped after it), emptied before each test, so a test costs about 25 ms
 * instead of the ~350 ms of creating and migrating a database.
 */
export function useStore(dialect: Dialect, options: TestStoreOptions = {}): () => Store {
  let current: { store: Store; close: () => Promise<void> } | undefined;
  if (dialect === 'sqlite') {
    beforeEach(async () => {
      current = await openTestStore('sqlite', options);
    });
  } else {
    let database: TestDatabase | undefined;
    let dataDir: string | undefined;
    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'switchboard-store-'));
      database = await createTestDatabase(await postgresServerUrl());
    });
    afterAll(async () => {
      await database?.drop();
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    });
    beforeEach(async () => {
      if (database === undefined || dataDir === undefined)
        throw new Error('useStore(): no test database');
      await clearDatabase(database.url);
      const store = await openStore({ databaseUrl: database.url, dataDir, ...options });
      current = { store, close: () => store.close() };
    });
  }
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return () => {
    if (current === undefined) throw new Error('useStore(): the store exists only inside a test');
    return current.store;
  };
}

let ownServer: Promise<TestPostgres> | undefined;

/**
 * The run's shared server from globalSetup; when a file runs without it (another Vitest config),
 * one started for this worker and stopped when it exits.
 */
export async function postgresServerUrl(): Promise<string> {
  const shared = inject('postgresUrl') as string | undefined;
  if (shared !== undefined) return shared;
  ownServer ??= startPostgres();
  return (await ownServer).url;
}
