import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../schema.js';
import { columnTypes } from './column-types.js';

/**
 * The voicemail service (issue 7): what a message's e-mail needs after a restart (the caller's
 * name and handling code when the message was left), the mail delivery state (attempts, when the
 * next is due, why the last failed), when a message was heard (retention counts from then), and
 * the greetings table. Numbered 0006: 0005 is the telephony adapter's.
 *
 * New columns are nullable or have a default, so no table is rebuilt and existing rows keep
 * their meaning (a message already `pending` is retried from attempt 0).
 */
export function voicemail(dialect: DialectName): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('voicemails').addColumn('caller_name', t.text).execute();
      await db.schema.alterTable('voicemails').addColumn('handling_code', t.text).execute();
      await db.schema.alterTable('voicemails').addColumn('heard_at', t.epochMs).execute();
      await db.schema
        .alterTable('voicemails')
        .addColumn('mail_attempts', t.integer, (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('voicemails')
        .addColumn('mail_next_attempt_at', t.epochMs)
        .execute();
      await db.schema.alterTable('voicemails').addColumn('mail_error', t.text).execute();
      // The mail queue's scan (pending, soonest first) and the retention job's (heard, oldest).
      await db.schema
        .createIndex('voicemails_mail_idx')
        .on('voicemails')
        .columns(['mail_status', 'mail_next_attempt_at', 'id'])
        .execute();
      await db.schema
        .createIndex('voicemails_heard_idx')
        .on('voicemails')
        .columns(['heard', 'heard_at'])
        .execute();

      await db.schema
        .createTable('greetings')
        .addColumn('user_id', t.key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('slot', t.key, (c) => c.notNull())
        .addColumn('ref', t.key, (c) => c.notNull())
        .addColumn('kind', t.text, (c) => c.notNull())
        .addColumn('path', t.text)
        .addColumn('text', t.text)
        .addColumn('voice', t.text)
        .addColumn('duration_ms', t.integer)
        .addColumn('created_at', t.epochMs, (c) => c.notNull())
        .addColumn('updated_at', t.epochMs, (c) => c.notNull())
        .addPrimaryKeyConstraint('greetings_pkey', ['user_id', 'slot', 'ref'])
        .addCheckConstraint(
          'greetings_slot_check',
          sql`slot in ('default', 'busy', 'unavailable', 'code', 'contact')`,
        )
        .addCheckConstraint(
          'greetings_kind_check',
          sql`(kind = 'audio' and path is not null) or (kind = 'tts' and text is not null)`,
        )
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('greetings').execute();
      await db.schema.dropIndex('voicemails_heard_idx').execute();
      await db.schema.dropIndex('voicemails_mail_idx').execute();
      for (const column of [
        'mail_error',
        'mail_next_attempt_at',
        'mail_attempts',
        'heard_at',
        'handling_code',
        'caller_name',
      ]) {
        await db.schema.alterTable('voicemails').dropColumn(column).execute();
      }
    },
  };
}
