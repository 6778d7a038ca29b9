import type { Migration } from 'kysely';
import type { DialectName } from '../schema.js';
import { initialSchema } from './0001_initial.js';
import { flowPublishing } from './0002_flow_publishing.js';
import { registrations } from './0003_registrations.js';
import { callPath } from './0004_call_path.js';
import { trunkCalledNumber } from './0005_trunk_called_number.js';
import { voicemail } from './0006_voicemail.js';
import { settingsVersion } from './0007_settings_version.js';

/**
 * Every migration, by name, in the order they run (Kysely sorts names, hence the numeric
 * prefix). Listed in code rather than globbed from disk so the bundle and the TS sources behave
 * alike. Append new ones; never edit or rename one that has shipped.
 *
 * Each is a factory taking the dialect, for the few column types that differ (`column-types.ts`).
 * SQLite runs each migration in a transaction too (see `sqlite.ts`), so a failed one leaves
 * nothing behind; a later migration that must rebuild a table referenced by foreign keys on
 * SQLite needs `PRAGMA foreign_keys` handled outside that transaction.
 */
export function migrations(dialect: DialectName): Record<string, Migration> {
  return {
    '0001_initial': initialSchema(dialect),
    '0002_flow_publishing': flowPublishing(dialect),
    '0003_registrations': registrations(dialect),
    '0004_call_path': callPath(dialect),
    '0005_trunk_called_number': trunkCalledNumber(dialect),
    '0006_voicemail': voicemail(dialect),
    '0007_settings_version': settingsVersion(dialect),
  };
}
