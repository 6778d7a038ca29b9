import { inspect } from 'node:util';
import { Migrator, type Kysely } from 'kysely';
import type { Logger } from '../domain/ports/logger.js';
import { migrations } from './migrations/index.js';
import type { Database, DialectName } from './schema.js';

/** Table Kysely records applied migrations in (and its lock table, with a `_lock` suffix). */
export const MIGRATION_TABLE = 'schema_migrations';

/**
 * Brings the schema up to date. Safe to run at every open and from several instances at once:
 * Kysely takes an advisory lock on PostgreSQL and skips migrations already recorded.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  dialect: DialectName,
  logger: Logger,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations(dialect)) },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: `${MIGRATION_TABLE}_lock`,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  const failed = results.find((result) => result.status === 'Error');
  if (error !== undefined) {
    const reason = error instanceof Error ? error.message : inspect(error);
    const which = failed === undefined ? '' : ` ${failed.migrationName}`;
    throw new Error(`database migration${which} failed: ${reason}`, { cause: error });
  }
  const applied = results
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName);
  if (applied.length > 0) logger.info({ dialect, applied }, 'database schema migrated');
  return applied;
}
