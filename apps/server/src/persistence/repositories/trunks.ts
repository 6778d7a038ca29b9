import type { Trunk, TrunkInput } from '../../domain/model/index.js';
import type { TrunkRepository } from '../../domain/ports/store.js';
import type { DbAccess } from '../db-access.js';
import { write } from '../db-errors.js';
import { toJson, toTrunk, touched } from './mapping.js';

export class SqlTrunkRepository implements TrunkRepository {
  constructor(private readonly access: DbAccess) {}

  async get(id: string): Promise<Trunk | undefined> {
    const row = await this.access
      .db()
      .selectFrom('trunks')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toTrunk(row);
  }

  async list(): Promise<Trunk[]> {
    const rows = await this.access.db().selectFrom('trunks').selectAll().orderBy('id').execute();
    return rows.map(toTrunk);
  }

  put(trunk: TrunkInput): Promise<Trunk> {
    const now = this.access.clock.now();
    return write(this.access, 'trunk', async (db) => {
      const changes = {
        host: trunk.host,
        port: trunk.port,
        inbound: toJson(trunk.inbound, 'trunk inbound addresses'),
        username: trunk.username,
        password: trunk.password,
        called_number_from: trunk.calledNumberFrom ?? 'request-uri',
        updated_at: now,
      };
      return toTrunk(
        await db
          .insertInto('trunks')
          .values({ id: trunk.id, ...changes, created_at: now })
          .onConflict((oc) => oc.column('id').doUpdateSet(changes))
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
    });
  }

  async delete(id: string): Promise<boolean> {
    return touched(
      await this.access.db().deleteFrom('trunks').where('id', '=', id).executeTakeFirst(),
    );
  }
}
