import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../schema.js';

/**
 * A version number of what decides how calls are handled, bumped by triggers whenever a row
 * of one of these tables changes, whoever writes it: this server, the CLI next to it, another
 * instance on the same PostgreSQL. The server caches those lookups between calls and reads the
 * version once per call to know whether its cache still holds (`SettingsCache`).
 */
export const SETTINGS_TABLES = [
  'users',
  'numbers',
  'devices',
  'handling_codes',
  'flows',
  'flow_versions',
  'user_statuses',
  'calendar_events',
] as const;

const BUMP = sql`update settings_version set version = version + 1 where id = 1`;

export function settingsVersion(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('settings_version')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`insert into settings_version (id, version) values (1, 0)`.execute(db);
      if (dialect === 'postgres') {
        // One statement-level trigger per table: a statement writing many rows bumps it once.
        await sql`create function settings_version_bump() returns trigger language plpgsql as $$
          begin ${BUMP}; return null; end $$`.execute(db);
        for (const table of SETTINGS_TABLES) {
          await sql`create trigger ${sql.ref(`${table}_settings_version`)}
            after insert or update or delete on ${sql.table(table)}
            for each statement execute function settings_version_bump()`.execute(db);
        }
        return;
      }
      // SQLite has row-level triggers only, one per event.
      for (const table of SETTINGS_TABLES) {
        for (const event of ['insert', 'update', 'delete'] as const) {
          await sql`create trigger ${sql.ref(`${table}_settings_version_${event}`)}
            after ${sql.raw(event)} on ${sql.table(table)}
            begin ${BUMP}; end`.execute(db);
        }
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of SETTINGS_TABLES) {
        if (dialect === 'postgres') {
          await sql`drop trigger if exists ${sql.ref(`${table}_settings_version`)} on ${sql.table(table)}`.execute(
            db,
          );
        } else {
          for (const event of ['insert', 'update', 'delete']) {
            await sql`drop trigger if exists ${sql.ref(`${table}_settings_version_${event}`)}`.execute(
              db,
            );
          }
        }
      }
      if (dialect === 'postgres')
        await sql`drop function if exists settings_version_bump()`.execute(db);
      await db.schema.dropTable('settings_version').execute();
    },
  };
}
