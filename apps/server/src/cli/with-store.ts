import type { Config } from '../config/schema.js';
import type { Store } from '../domain/ports/store.js';
import { silentLogger } from '../domain/ports/logger.js';
import { openStore } from '../persistence/open-store.js';

/** Opens the configured store for one CLI job and always closes it. */
export async function withStore<T>(config: Config, job: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    logger: silentLogger,
  });
  try {
    return await job(store);
  } finally {
    await store.close();
  }
}
