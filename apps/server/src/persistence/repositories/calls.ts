import type { CallRecord, CallStep } from '../../domain/model/index.js';
import { MissingReferenceError } from '../../domain/ports/errors.js';
import type { CallListOptions, CallRepository, CallStepInput } from '../../domain/ports/store.js';
import { CompiledQueries } from '../compiled-queries.js';
import type { DbAccess } from '../db-access.js';
import type { CallsTable } from '../schema.js';
import { write, writeAtomically } from '../db-errors.js';
import {
  pageOption,
  toCallColumns,
  toCallRecord,
  toCallRow,
  toCallStep,
  toJson,
} from './mapping.js';

/** Rows per multi-row INSERT: 5 parameters each stays far below SQLite's 32,766 limit. */
const STEP_ROWS_PER_INSERT = 200;

/** The call journal's statements, compiled once per dialect and shape. */
const COMPILED = {
  sqlite: new CompiledQueries('sqlite'),
  postgres: new CompiledQueries('postgres'),
};

export class SqlCallRepository implements CallRepository {
  private readonly compiled: CompiledQueries;

  constructor(private readonly access: DbAccess) {
    this.compiled = COMPILED[access.dialect];
  }

  async get(id: string): Promise<CallRecord | undefined> {
    const row = await this.access
      .db()
      .selectFrom('calls')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toCallRecord(row);
  }

  /**
   * Newest first; `before` (exclusive, on startedAt) pages back through history. Each filter
   * has an index (user_id, <filter column>, started_at, id) (migration 0004), so a page of
   * one caller's or one contact's calls is read off the index whatever the history's size.
   */
  async listByUser(userId: string, options: CallListOptions = {}): Promise<CallRecord[]> {
    const limit = pageOption(options.limit, 'limit');
    let query = this.access
      .db()
      .selectFrom('calls')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc');
    if (options.before !== undefined) query = query.where('started_at', '<', options.before);
    if (options.from !== undefined) query = query.where('started_at', '>=', options.from);
    if (options.to !== undefined) query = query.where('started_at', '<', options.to);
    if (options.callerNumber !== undefined) {
      const caller = options.callerNumber;
      query =
        caller === null
          ? query.where('caller_number', 'is', null)
          : query.where('caller_number', '=', caller);
    }
    if (options.contactId !== undefined) query = query.where('contact_id', '=', options.contactId);
    if (options.outcomes !== undefined) {
      // An empty list matches nothing, as "one of no outcomes" should.
      if (options.outcomes.length === 0) return [];
      query = query.where('outcome', 'in', [...options.outcomes]);
    }
    if (limit !== undefined) query = query.limit(limit);
    return (await query.execute()).map(toCallRecord);
  }

  insert(call: CallRecord): Promise<CallRecord> {
    const row = toCallRow(call);
    return write(this.access, 'call', async (db) => {
      const { rows } = await this.compiled.run<CallsTable>(db, 'insert', Object.values(row), () =>
        db.insertInto('calls').values(row).returningAll(),
      );
      const inserted = rows[0];
      if (inserted === undefined) throw new Error(`call ${call.id} was not inserted`);
      return toCallRecord(inserted);
    });
  }

  async update(
    id: string,
    patch: Partial<Omit<CallRecord, 'id' | 'userId'>>,
  ): Promise<CallRecord | undefined> {
    const columns = toCallColumns(patch);
    const names = Object.keys(columns);
    if (names.length === 0) return this.get(id);
    return write(this.access, 'call', async (db) => {
      const { rows } = await this.compiled.run<CallsTable>(
        db,
        `update ${names.join(',')}`,
        [...Object.values(columns), id],
        () => db.updateTable('calls').set(columns).where('id', '=', id).returningAll(),
      );
      const row = rows[0];
      return row && toCallRecord(row);
    });
  }

  /**
   * Numbers the step from the call row's counter, bumped in the same atomic step: concurrent
   * appends (even from several instances on PostgreSQL) queue on that row's lock.
   */
  appendStep(step: Omit<CallStep, 'seq'>): Promise<CallStep> {
    return writeAtomically(this.access, 'callStep', async (db) => {
      const detail = toJson(step.detail, 'call step detail');
      const call = await db
        .updateTable('calls')
        .set((eb) => ({ last_step_seq: eb('last_step_seq', '+', 1) }))
        .where('id', '=', step.callId)
        .returning('last_step_seq')
        .executeTakeFirst();
      if (call === undefined) {
        throw new MissingReferenceError('callStep', `no call ${step.callId} to append a step to`);
      }
      const row = await db
        .insertInto('call_steps')
        .values({
          call_id: step.callId,
          seq: call.last_step_seq,
          at: step.at,
          kind: step.kind,
          detail,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toCallStep(row);
    });
  }

  /**
   * Appends a run of one call's steps at once: the call row's counter is bumped by their number
   * and the rows go in with one INSERT per chunk, all in one atomic step. What `appendStep` does
   * once per step, done once per run (the call journal writes a call's steps in runs).
   */
  appendSteps(callId: string, steps: readonly CallStepInput[]): Promise<number> {
    if (steps.length === 0) return Promise.resolve(0);
    return writeAtomically(this.access, 'callStep', async (db) => {
      const rows = steps.map((step) => ({
        call_id: callId,
        at: step.at,
        kind: step.kind,
        detail: toJson(step.detail, 'call step detail'),
      }));
      const bumped = await this.compiled.run<{ last_step_seq: number }>(
        db,
        'bump step seq',
        [steps.length, callId],
        () =>
          db
            .updateTable('calls')
            .set((eb) => ({ last_step_seq: eb('last_step_seq', '+', steps.length) }))
            .where('id', '=', callId)
            .returning('last_step_seq'),
      );
      const call = bumped.rows[0];
      if (call === undefined) {
        throw new MissingReferenceError('callStep', `no call ${callId} to append steps to`);
      }
      const first = call.last_step_seq - steps.length + 1;
      for (let start = 0; start < rows.length; start += STEP_ROWS_PER_INSERT) {
        const chunk = rows
          .slice(start, start + STEP_ROWS_PER_INSERT)
          .map((row, i) => ({ ...row, seq: first + start + i }));
        await this.compiled.run(
          db,
          `insert steps ${String(chunk.length)}`,
          chunk.flatMap((row) => Object.values(row)),
          () => db.insertInto('call_steps').values(chunk),
        );
      }
      return steps.length;
    });
  }

  async listSteps(callId: string): Promise<CallStep[]> {
    const rows = await this.access
      .db()
      .selectFrom('call_steps')
      .selectAll()
      .where('call_id', '=', callId)
      .orderBy('seq')
      .execute();
    return rows.map(toCallStep);
  }
}
