import type { Flow, FlowVersion } from '../../domain/model/index.js';
import type { FlowRepository } from '../../domain/ports/store.js';
import type { DbAccess } from '../db-access.js';
import { writeAtomically } from '../db-errors.js';
import { toFlow, toFlowVersion, toJson, touched } from './mapping.js';

export class SqlFlowRepository implements FlowRepository {
  constructor(private readonly access: DbAccess) {}

  async get(userId: string, id: string): Promise<Flow | undefined> {
    const row = await this.access
      .db()
      .selectFrom('flows')
      .selectAll()
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toFlow(row);
  }

  async listByUser(userId: string): Promise<Flow[]> {
    const rows = await this.access
      .db()
      .selectFrom('flows')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute();
    return rows.map(toFlow);
  }

  async getVersion(userId: string, id: string, version?: number): Promise<FlowVersion | undefined> {
    const row = await this.versionsOf(userId, id)
      .where((eb) =>
        version === undefined
          ? eb('v.version', '=', eb.ref('f.current_version'))
          : eb('v.version', '=', version),
      )
      .executeTakeFirst();
    return row && toFlowVersion(row);
  }

  /** The versions of one flow, joined with the flow row that says which is current/published. */
  private versionsOf(userId: string, id: string) {
    return this.access
      .db()
      .selectFrom('flow_versions as v')
      .innerJoin('flows as f', (join) =>
        join.onRef('f.user_id', '=', 'v.user_id').onRef('f.id', '=', 'v.flow_id'),
      )
      .selectAll('v')
      .where('v.user_id', '=', userId)
      .where('v.flow_id', '=', id);
  }

  async listVersions(userId: string, id: string): Promise<FlowVersion[]> {
    const rows = await this.access
      .db()
      .selectFrom('flow_versions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('flow_id', '=', id)
      .orderBy('version')
      .execute();
    return rows.map(toFlowVersion);
  }

  /**
   * Bumps `current_version` in the upsert itself, so the row lock (PostgreSQL) or the single
   * writer (SQLite) numbers concurrent saves without gaps or duplicates.
   */
  saveVersion(userId: string, id: string, name: string, document: unknown): Promise<FlowVersion> {
    const now = this.access.clock.now();
    return writeAtomically(this.access, 'flow', async (db) => {
      const json = toJson(document, 'flow document');
      const flow = await db
        .insertInto('flows')
        .values({
          user_id: userId,
          id,
          name,
          current_version: 1,
          published_version: null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['user_id', 'id']).doUpdateSet((eb) => ({
            name,
            updated_at: now,
            current_version: eb('flows.current_version', '+', 1),
          })),
        )
        .returning('current_version')
        .executeTakeFirstOrThrow();
      const row = await db
        .insertInto('flow_versions')
        .values({
          user_id: userId,
          flow_id: id,
          version: flow.current_version,
          document: json,
          compiled: null,
          published_at: null,
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toFlowVersion(row);
    });
  }

  async getPublished(userId: string, id: string): Promise<FlowVersion | undefined> {
    const row = await this.versionsOf(userId, id)
      .whereRef('v.version', '=', 'f.published_version')
      .executeTakeFirst();
    return row && toFlowVersion(row);
  }

  publish(userId: string, id: string, version: number, compiled: unknown): Promise<FlowVersion> {
    const now = this.access.clock.now();
    return writeAtomically(this.access, 'flow', async (db) => {
      const row = await db
        .updateTable('flow_versions')
        .set((eb) => ({
          compiled: toJson(compiled, 'compiled flow'),
          // The first publication's time stays: re-publishing an old version only re-points.
          published_at: eb.fn.coalesce('published_at', eb.val(now)),
        }))
        .where('user_id', '=', userId)
        .where('flow_id', '=', id)
        .where('version', '=', version)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new Error(`flow ${userId}/${id} has no version ${String(version)}`);
      await db
        .updateTable('flows')
        .set({ published_version: version, updated_at: now })
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .execute();
      return toFlowVersion(row);
    });
  }

  async delete(userId: string, id: string): Promise<boolean> {
    // Versions go with the flow (ON DELETE CASCADE).
    return touched(
      await this.access
        .db()
        .deleteFrom('flows')
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
  }
}
