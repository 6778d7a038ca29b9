import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the PostgreSQL the whole run shares; tests make databases on it. */
    postgresUrl: string;
  }
}

/**
 * Vitest globalSetup: one PostgreSQL for the whole run (a scratch cluster, or the server named
 * by SWITCHBOARD_TEST_POSTGRES_URL), handed to test files through `inject('postgresUrl')`.
 * Each test file or test makes its own database on it (see `stores.ts`).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
