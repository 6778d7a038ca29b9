import { sql, type Expression } from 'kysely';
import type { DialectName } from '../schema.js';

/** The few column types migrations use, spelled for each engine. */
export interface ColumnTypes {
  /**
   * Identifiers and other text the store sorts by. PostgreSQL gets the "C" collation so ORDER BY
   * compares code points like SQLite's BINARY does, whatever locale the cluster was made with.
   */
  readonly key: Expression<unknown>;
  /** Epoch milliseconds: 64-bit in PostgreSQL (read back as numbers through the int8 parser). */
  readonly epochMs: Expression<unknown>;
  /** Small integers, counters and 0/1 flags. */
  readonly integer: Expression<unknown>;
  /** Free text and JSON documents. */
  readonly text: Expression<unknown>;
}

export function columnTypes(dialect: DialectName): ColumnTypes {
  const postgres = dialect === 'postgres';
  return {
    key: sql.raw(postgres ? 'text collate "C"' : 'text'),
    epochMs: sql.raw(postgres ? 'bigint' : 'integer'),
    integer: sql.raw('integer'),
    text: sql.raw('text'),
  };
}
