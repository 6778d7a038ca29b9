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
  /** Integers beyond 32 bits that are not times (a SIP CSeq runs to 2^32-1). */
  readonly bigInteger: Expression<unknown>;
  /** 64-bit floating point (read back as numbers on both engines). */
  readonly real: Expression<unknown>;
  /** Free text and JSON documents. */
  readonly text: Expression<unknown>;
}

export function columnTypes(dialect: DialectName): ColumnTypes {
  const postgres = dialect === 'postgres';
  return {
    key: sql.raw(postgres ? 'text collate "C"' : 'text'),
    epochMs: sql.raw(postgres ? 'bigint' : 'integer'),
    integer: sql.raw('integer'),
    bigInteger: sql.raw(postgres ? 'bigint' : 'integer'),
    real: sql.raw(postgres ? 'double precision' : 'real'),
    text: sql.raw('text'),
  };
}
