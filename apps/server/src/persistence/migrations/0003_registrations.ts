import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../schema.js';
import { columnTypes } from './column-types.js';

/**
 * SIP registrations (the SIP issue): the registrar's bindings, kept in the database so they
 * survive a restart and every instance on one PostgreSQL sees the same phones. One row per
 * (AOR, binding key). A row is linked to the device whose SIP username is the AOR's user part
 * and goes with it; rows of AORs no device holds stay unlinked (both columns null).
 */
export function registrations(dialect: DialectName): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('registrations')
        .addColumn('aor', t.key, (c) => c.notNull())
        .addColumn('binding_key', t.key, (c) => c.notNull())
        .addColumn('contact', t.text, (c) => c.notNull())
        .addColumn('expires_at', t.epochMs, (c) => c.notNull())
        .addColumn('call_id', t.text, (c) => c.notNull())
        .addColumn('cseq', t.bigInteger, (c) => c.notNull())
        .addColumn('q', t.real)
        .addColumn('instance_id', t.text)
        .addColumn('path', t.text, (c) => c.notNull())
        .addColumn('source_transport', t.text, (c) => c.notNull())
        .addColumn('source_host', t.text, (c) => c.notNull())
        .addColumn('source_port', t.integer, (c) => c.notNull())
        .addColumn('source_connection_id', t.text)
        .addColumn('user_agent', t.text)
        .addColumn('updated_at', t.epochMs, (c) => c.notNull())
        .addColumn('user_id', t.key)
        .addColumn('device_id', t.key)
        // The registrar replaces a binding by its key: one row per (AOR, key).
        .addPrimaryKeyConstraint('registrations_pkey', ['aor', 'binding_key'])
        .addForeignKeyConstraint(
          'registrations_device_fkey',
          ['user_id', 'device_id'],
          'devices',
          ['user_id', 'id'],
          (fk) => fk.onDelete('cascade'),
        )
        // Half a link would escape the foreign key (MATCH SIMPLE skips rows with a NULL).
        .addCheckConstraint(
          'registrations_device_check',
          sql`(user_id is null and device_id is null) or (user_id is not null and device_id is not null)`,
        )
        .addCheckConstraint(
          'registrations_source_check',
          sql`source_transport in ('udp', 'tcp', 'tls', 'ws', 'wss') and source_port between 0 and 65535`,
        )
        .execute();
      // The purge deletes by expiry.
      await db.schema
        .createIndex('registrations_expires_idx')
        .on('registrations')
        .column('expires_at')
        .execute();
      // A user's phones (listForUser), and the cascade when a device is deleted.
      await db.schema
        .createIndex('registrations_device_idx')
        .on('registrations')
        .columns(['user_id', 'device_id'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('registrations').execute();
    },
  };
}
