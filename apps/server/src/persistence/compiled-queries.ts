import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Database, DialectName } from './schema.js';

/**
 * Queries of a fixed shape built with Kysely once and then run with new values only.
 *
 * Kysely builds an immutable tree and compiles it to SQL for every query it runs; on the call
 * path (a dozen statements per call, most of them the call journal's inserts and updates) that
 * building cost more CPU and garbage than SQLite running the statements. A shape (the same
 * columns, the same number of rows) always compiles to the same SQL with the values as
 * parameters in a fixed order, so the SQL of each shape is kept per dialect and later runs only
 * bind their parameters.
 *
 * The first run of a shape checks that order: the parameters Kysely compiled must be exactly
 * the ones the caller lists, or the shape is refused (an Error: a programming mistake, caught
 * by the repository tests), so a shape whose SQL would take its values in another order never
 * runs with them mixed up.
 */
export class CompiledQueries {
  private readonly texts = new Map<string, string>();

  constructor(private readonly dialect: DialectName) {}

  /**
   * Runs the query `build` makes, whose values are `parameters` in the order its SQL takes them;
   * `shape` names everything that changes the SQL (columns, row count).
   */
  async run<R>(
    db: Kysely<Database>,
    shape: string,
    parameters: readonly unknown[],
    build: () => Compilable<R>,
  ): Promise<QueryResult<R>> {
    const text = this.texts.get(shape);
    if (text !== undefined) return db.executeQuery<R>(CompiledQuery.raw(text, [...parameters]));
    const compiled = build().compile();
    const same =
      compiled.parameters.length === parameters.length &&
      compiled.parameters.every((value, i) => Object.is(value, parameters[i]));
    if (!same) {
      throw new Error(
        `compiled query "${shape}" (${this.dialect}) takes its parameters in another order than given`,
      );
    }
    this.texts.set(shape, compiled.sql);
    return db.executeQuery<R>(compiled);
  }
}
