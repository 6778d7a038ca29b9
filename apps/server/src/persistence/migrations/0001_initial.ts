import { sql, type Migration } from 'kysely';
import type { DialectName } from '../schema.js';
import { columnTypes } from './column-types.js';

/**
 * The first schema: users and everything they own. Every user-owned row cascades away with its
 * user. Ids are text (UUIDs made in app code, or names such as `desk`); rows keyed per user
 * have a composite primary key (user_id, id) so one user can never overwrite another's row.
 * Constraint and index names are explicit: `db-errors.ts` reads them back from driver errors.
 */
export function initialSchema(dialect: DialectName): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db) {
      await db.schema
        .createTable('users')
        .addColumn('id', t.key, (c) => c.primaryKey())
        .addColumn('name', t.text, (c) => c.notNull())
        .addColumn('email', t.text, (c) => c.notNull())
        .addColumn('password_hash', t.text, (c) => c.notNull())
        .addColumn('timezone', t.text, (c) => c.notNull())
        .addColumn('country', t.text, (c) => c.notNull())
        .addColumn('role', t.text, (c) => c.notNull())
        // The attendant is another user; losing them leaves this user without one.
        .addColumn('attendant_id', t.key, (c) => c.references('users.id').onDelete('set null'))
        .addColumn('default_handling', t.text, (c) => c.notNull())
        .addColumn('unknown_handling', t.text, (c) => c.notNull())
        .addColumn('created_at', t.epochMs, (c) => c.notNull())
        .addColumn('updated_at', t.epochMs, (c) => c.notNull())
        .execute();
      // Sign-in looks e-mail addresses up case-insensitively; one account per address.
      await db.schema
        .createIndex('users_email_key')
        .on('users')
        .unique()
        .expression(sql`lower(email)`)
        .execute();
      await db.schema
        .createIndex('users_attendant_idx')
        .on('users')
        .column('attendant_id')
        .execute();

      await db.schema
        .createTable('numbers')
        .addColumn('e164', t.key, (c) => c.primaryKey())
        .addColumn('user_id', t.key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', t.epochMs, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('numbers_user_idx').on('numbers').column('user_id').execute();

      await db.schema
        .createTable('devices')
        .addColumn('user_id', t.key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('id', t.key, (c) => c.notNull())
        .addColumn('kind', t.text, (c) => c.notNull())
        .addColumn('name', t.text, (c) => c.notNull())
        .addColumn('sip_username', t.text)
        .addColumn('sip_password', t.text)
        .addColumn('number', t.text)
        .addColumn('created_at', t.epochMs, (c) => c.notNull())
        .addColumn('updated_at', t.epochMs, (c) => c.notNull())
        .addPrimaryKeyConstraint('devices_pkey', ['user_id', 'id'])
        // A SIP device has credentials, an external one a number: never half of each.
        .addCheckConstraint(
          'devices_kind_check',
          sql`(kind = 'sip' and sip_username is not null and sip_password is not null and number is null)
           or (kind = 'external' and number is not null and sip_username is null and sip_password is null)`,
        )
        .execute();
      // REGISTER carries only the username, so it is unique server-wide (NULLs for external devices).
      await db.schema
        .createIndex('devices_sip_username_key')
        .on('devices')
        .unique()
        .column('sip_username')
        .execute();

      await db.schema
        .createTable('trunks')
        .addColumn('id', t.key, (c) => c.primaryKey())
        .addColumn('host', t.text, (c) => c.notNull())
        .addColumn('port', t.integer, (c) => c.notNull())
        .addColumn('inbound', t.text, (c) => c.notNull())
        .addColumn('username', t.text)
        .addColumn('password', t.text)
        .addColumn('created_at', t.epochMs, (c) => c.notNull())
        .addColumn('updated_at', t.epochMs, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('handling_codes')
        .addColumn('user_id', t.key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('code', t.key, (c) => c.notNull())
        .addColumn('method', t.text, (c) => c.notNull())
        .addColumn('description', t.text)
        .addColumn('created_at', t.epochMs, (c) => c.notNull())
        .addColumn('updated_at', t.epochMs, (c) => c.notNull())
        .addPrimaryKeyConstraint('handling_codes_pkey', ['user_id', 'code'])
        .execute();

      await db.schema
        .createTable('flows')
        .addColumn('user_id', t.key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('id', t.key, (c) => c.notNull())
        .addColumn('name', t.text, (c) => c.notNull())
        .addColumn('current_version', t.integer, (c) => c.notNull())
        .addColumn('created_at', t.epochMs, (c) => c.notNull())
        .addColumn('updated_at', t.epochMs, (c) => c.notNull())
        .addPrimaryKeyConstraint('flows_pkey', ['user_id', 'id'])
        .execute();
      await db.schema
        .createTable('flow_versions')
        .addColumn('user_id', t.key, (c) => c.notNull())
        .addColumn('flow_id', t.key, (c) => c.notNull())
        .addColumn('version', t.integer, (c) => c.notNull())
        .addColumn('document', t.text, (c) => c.notNull())
        .addColumn('created_at', t.epochMs, (c) => c.notNull())
        .addPrimaryKeyConstraint('flow_versions_pkey', ['user_id', 'flow_id', 'version'])
        .addForeignKeyConstraint(
          'flow_versions_flow_fkey',
          ['user_id', 'flow_id'],
          'flows',
          ['user_id', 'id'],
          (fk) => fk.onDelete('cascade'),
        )
        .execute();

      await db.schema
        .createTable('contacts')
        .addColumn('user_id', t.key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('id', t.key, (c) => c.notNull())
        .addColumn('source', t.text, (c) => c.notNull())
        .addColumn('external_id', t.text)
        .addColumn('name', t.text, (c) => c.notNull())
        .addColumn('sort_name', t.key, (c) => c.notNull())
        .addColumn('organization', t.text)
        .addColumn('emails', t.text, (c) => c.notNull())
        .addColumn('handling_code', t.text)
        .addColumn('created_at', t.epochMs, (c) => c.notNull())
        .addColumn('updated_at', t.epochMs, (c) => c.notNull())
        .addPrimaryKeyConstraint('contacts_pkey', ['user_id', 'id'])
        .execute();
      // One contact per vCard UID / provisioning key in each source (NULL for API-made ones).
      await db.schema
        .createIndex('contacts_external_id_key')
        .on('contacts')
        .unique()
        .columns(['user_id', 'source', 'external_id'])
        .execute();
      await db.schema
        .createIndex('contacts_sort_idx')
        .on('contacts')
        .columns(['user_id', 'sort_name', 'id'])
        .execute();
      await db.schema
        .createTable('contact_phones')
        .addColumn('user_id', t.key, (c) => c.notNull())
        .addColumn('contact_id', t.key, (c) => c.notNull())
        .addColumn('position', t.integer, (c) => c.notNull())
        .addColumn('e164', t.key, (c) => c.notNull())
        .addColumn('raw', t.text, (c) => c.notNull())
        .addColumn('type', t.text)
        .addPrimaryKeyConstraint('contact_phones_pkey', ['user_id', 'contact_id', 'position'])
        .addForeignKeyConstraint(
          'contact_phones_contact_fkey',
          ['user_id', 'contact_id'],
          'contacts',
          ['user_id', 'id'],
          (fk) => fk.onDelete('cascade'),
        )
        .execute();
      // The caller lookup of every inbound call.
      await db.schema
        .createIndex('contact_phones_lookup_idx')
        .on('contact_phones')
        .columns(['user_id', 'e164'])
        .execute();

      await db.schema
        .createTable('calendar_events')
        .addColumn('user_id', t.key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('id', t.key, (c) => c.notNull())
        .addColumn('uid', t.text, (c) => c.notNull())
        .addColumn('summary', t.text, (c) => c.notNull())
        .addColumn('starts_at', t.epochMs, (c) => c.notNull())
        .addColumn('ends_at', t.epochMs, (c) => c.notNull())
        .addColumn('all_day', t.integer, (c) => c.notNull())
        .addColumn('busy', t.integer, (c) => c.notNull())
        .addColumn('out_of_office', t.integer, (c) => c.notNull())
        .addColumn('attendees', t.text, (c) => c.notNull())
        .addColumn('updated_at', t.epochMs, (c) => c.notNull())
        .addPrimaryKeyConstraint('calendar_events_pkey', ['user_id', 'id'])
        .addCheckConstraint(
          'calendar_events_flags_check',
          sql`all_day in (0, 1) and busy in (0, 1) and out_of_office in (0, 1)`,
        )
        .execute();
      await db.schema
        .createIndex('calendar_events_starts_idx')
        .on('calendar_events')
        .columns(['user_id', 'starts_at'])
        .execute();
      await db.schema
        .createIndex('calendar_events_ends_idx')
        .on('calendar_events')
        .columns(['user_id', 'ends_at'])
        .execute();

      // Call history keeps contact and flow ids as plain values: deleting a contact or a flow
      // must not rewrite what happened.
      await db.schema
        .createTable('calls')
        .addColumn('id', t.key, (c) => c.primaryKey())
        .addColumn('user_id', t.key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('direction', t.text, (c) => c.notNull())
        .addColumn('caller_number', t.text)
        .addColumn('caller_name', t.text)
        .addColumn('called_number', t.text, (c) => c.notNull())
        .addColumn('contact_id', t.key)
        .addColumn('handling_code', t.text)
        .addColumn('flow_id', t.key)
        .addColumn('flow_version', t.integer)
        .addColumn('outcome', t.text, (c) => c.notNull())
        .addColumn('started_at', t.epochMs, (c) => c.notNull())
        .addColumn('answered_at', t.epochMs)
        .addColumn('ended_at', t.epochMs)
        .addColumn('last_step_seq', t.integer, (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('calls_user_started_idx')
        .on('calls')
        .columns(['user_id', 'started_at', 'id'])
        .execute();
      await db.schema
        .createTable('call_steps')
        .addColumn('call_id', t.key, (c) => c.notNull().references('calls.id').onDelete('cascade'))
        .addColumn('seq', t.integer, (c) => c.notNull())
        .addColumn('at', t.epochMs, (c) => c.notNull())
        .addColumn('kind', t.text, (c) => c.notNull())
        .addColumn('detail', t.text, (c) => c.notNull())
        .addPrimaryKeyConstraint('call_steps_pkey', ['call_id', 'seq'])
        .execute();

      await db.schema
        .createTable('voicemails')
        .addColumn('id', t.key, (c) => c.primaryKey())
        .addColumn('user_id', t.key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('call_id', t.key, (c) => c.references('calls.id').onDelete('set null'))
        .addColumn('caller_number', t.text)
        .addColumn('contact_id', t.key)
        .addColumn('path', t.text, (c) => c.notNull())
        .addColumn('duration_ms', t.integer, (c) => c.notNull())
        .addColumn('heard', t.integer, (c) => c.notNull().check(sql`heard in (0, 1)`))
        .addColumn('mail_status', t.text, (c) => c.notNull())
        .addColumn('created_at', t.epochMs, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('voicemails_user_created_idx')
        .on('voicemails')
        .columns(['user_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('voicemails_call_idx')
        .on('voicemails')
        .column('call_id')
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', t.key, (c) => c.primaryKey())
        .addColumn('user_id', t.key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', t.epochMs, (c) => c.notNull())
        .addColumn('expires_at', t.epochMs, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();
      await db.schema
        .createIndex('sessions_expires_idx')
        .on('sessions')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', t.key, (c) => c.primaryKey())
        .addColumn('user_id', t.key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', t.text, (c) => c.notNull())
        .addColumn('token_hash', t.key, (c) => c.notNull())
        .addColumn('created_at', t.epochMs, (c) => c.notNull())
        .addColumn('last_used_at', t.epochMs)
        .execute();
      await db.schema
        .createIndex('api_tokens_token_hash_key')
        .on('api_tokens')
        .unique()
        .column('token_hash')
        .execute();
      await db.schema
        .createIndex('api_tokens_user_idx')
        .on('api_tokens')
        .columns(['user_id', 'created_at'])
        .execute();
    },

    async down(db) {
      // Children before parents so no foreign key blocks a drop.
      for (const table of [
        'api_tokens',
        'sessions',
        'voicemails',
        'call_steps',
        'calls',
        'calendar_events',
        'contact_phones',
        'contacts',
        'flow_versions',
        'flows',
        'handling_codes',
        'trunks',
        'devices',
        'numbers',
        'users',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
