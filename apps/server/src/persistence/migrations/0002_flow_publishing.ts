import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../schema.js';
import { columnTypes } from './column-types.js';

/**
 * Drafts and published versions of flows (the flow issue): every save is a draft version; a
 * published version carries the compiled program the runtime executes, and the flow points at
 * the one calls run. Adding nullable columns is safe on both engines without a table rebuild.
 */
export function flowPublishing(dialect: DialectName): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('flows').addColumn('published_version', t.integer).execute();
      await db.schema.alterTable('flow_versions').addColumn('compiled', t.text).execute();
      await db.schema.alterTable('flow_versions').addColumn('published_at', t.epochMs).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('flow_versions').dropColumn('published_at').execute();
      await db.schema.alterTable('flow_versions').dropColumn('compiled').execute();
      await db.schema.alterTable('flows').dropColumn('published_version').execute();
    },
  };
}
