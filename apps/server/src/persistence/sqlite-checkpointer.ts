import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpoints of the server's SQLite WAL, taken on a thread of their own.
 *
 * In WAL mode each commit appends pages to the -wal file, and by default the commit that takes
 * it past 1,000 pages copies them back into the database and syncs the file (the checkpoint).
 * better-sqlite3 is synchronous: that commit holds the event loop for as long as the sync
 * takes — tens of milliseconds on a slow disk, measured at up to 56 ms in
 * `npm run bench:call-path` — and every call in progress waits. Here a worker thread with its
 * own connection runs a PASSIVE checkpoint (sqlite.org/c3ref/wal_checkpoint_v2.html: it never
 * blocks readers or the writer) every `intervalMs`, and the server's connection keeps
 * SQLite's own automatic checkpoint only as a safety net far beyond what the worker lets
 * accumulate (`SAFETY_NET_PAGES`), in case the worker is gone.
 */

/** The server connection's automatic checkpoint threshold while a checkpointer runs. */
export const SAFETY_NET_PAGES = 20_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
  db.close();
  parentPort.close();
});
`;

export interface SqliteCheckpointer {
  /** Stops the thread after a last checkpoint; resolves once it is gone. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the checkpoint thread for the database file at `path`. `onError` hears of a failed
 * checkpoint (the next one tries again; the safety net still holds).
 */
export function startSqliteCheckpointer(
  path: string,
  options: { intervalMs?: number; onError?: (message: string) => void } = {},
): SqliteCheckpointer {
  // Resolved here: the worker's own `require` would look from the process's working directory.
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, driver, intervalMs: options.intervalMs ?? 1000 },
  });
  // The thread never keeps the process alive; close() ends it properly when the store closes.
  worker.unref();
  worker.on('message', (message: { error?: string }) => {
    if (message.error !== undefined) options.onError?.(message.error);
  });
  worker.on('error', (error) => {
    options.onError?.(error.message);
  });
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    close: () => {
      closing ??= (async () => {
        worker.postMessage('close');
        // A thread stuck in a checkpoint (a locked file) must not hold up shutdown for long.
        const timer = setTimeout(() => void worker.terminate(), 2000);
        await exited;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
