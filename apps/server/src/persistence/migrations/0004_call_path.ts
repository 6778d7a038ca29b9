import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../schema.js';
import { columnTypes } from './column-types.js';

/**
 * The call path (issue 6): the status each user sets by hand, a handling method of its own for
 * anonymous callers, who answered a call, and the indexes the call history filters by (caller,
 * contact, outcome; each ending in (started_at, id) so the newest-first page is read off the
 * index in the order the history lists it).
 * New columns are nullable, so no table is rebuilt and existing rows keep their meaning.
 */
export function callPath(dialect: DialectName): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('user_statuses')
        .addColumn('user_id', t.key, (c) =>
          c.primaryKey().references('users.id').onDelete('cascade'),
        )
        .addColumn('status', t.text, (c) => c.notNull())
        .addColumn('until', t.epochMs)
        .addColumn('note', t.text)
        .addColumn('updated_at', t.epochMs, (c) => c.notNull())
        .addCheckConstraint(
          'user_statuses_status_check',
          sql`status in ('available', 'busy', 'do-not-disturb', 'away')`,
        )
        .execute();

      // Null: anonymous callers get the unknown-caller method, as before this migration.
      await db.schema.alterTable('users').addColumn('anonymous_handling', t.text).execute();
      await db.schema.alterTable('calls').addColumn('answered_by', t.text).execute();

      await db.schema
        .createIndex('calls_user_caller_idx')
        .on('calls')
        .columns(['user_id', 'caller_number', 'started_at', 'id'])
        .execute();
      await db.schema
        .createIndex('calls_user_contact_idx')
        .on('calls')
        .columns(['user_id', 'contact_id', 'started_at', 'id'])
        .execute();
      await db.schema
        .createIndex('calls_user_outcome_idx')
        .on('calls')
        .columns(['user_id', 'outcome', 'started_at', 'id'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const index of [
        'calls_user_outcome_idx',
        'calls_user_contact_idx',
        'calls_user_caller_idx',
      ]) {
        await db.schema.dropIndex(index).execute();
      }
      await db.schema.alterTable('calls').dropColumn('answered_by').execute();
      await db.schema.alterTable('users').dropColumn('anonymous_handling').execute();
      await db.schema.dropTable('user_statuses').execute();
    },
  };
}
