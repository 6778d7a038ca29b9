import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../schema.js';
import { columnTypes } from './column-types.js';

/**
 * Where each trunk puts the number it calls (issue 6, step 1): the Request-URI, as most
 * carriers do and as every trunk did before this migration, or the To header.
 */
export function trunkCalledNumber(dialect: DialectName): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('trunks')
        .addColumn('called_number_from', t.text, (c) =>
          c
            .notNull()
            .defaultTo('request-uri')
            .check(sql`called_number_from in ('request-uri', 'to')`),
        )
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('trunks').dropColumn('called_number_from').execute();
    },
  };
}
