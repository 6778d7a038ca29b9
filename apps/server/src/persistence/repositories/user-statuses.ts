import type { StatusSetting, StatusSettingInput } from '../../domain/model/index.js';
import type { UserStatusRepository } from '../../domain/ports/store.js';
import type { DbAccess } from '../db-access.js';
import { write } from '../db-errors.js';
import { toStatusRow, toStatusSetting, touched, without } from './mapping.js';

/** The status each user set by hand: one row per user, replaced on every change. */
export class SqlUserStatusRepository implements UserStatusRepository {
  constructor(private readonly access: DbAccess) {}

  async get(userId: string): Promise<StatusSetting | undefined> {
    const row = await this.access
      .db()
      .selectFrom('user_statuses')
      .selectAll()
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && toStatusSetting(row);
  }

  put(setting: StatusSettingInput): Promise<StatusSetting> {
    const row = toStatusRow(setting, this.access.clock.now());
    const changes = without(row, 'user_id');
    return write(this.access, 'userStatus', async (db) =>
      toStatusSetting(
        await db
          .insertInto('user_statuses')
          .values(row)
          .onConflict((oc) => oc.column('user_id').doUpdateSet(changes))
          .returningAll()
          .executeTakeFirstOrThrow(),
      ),
    );
  }

  async delete(userId: string): Promise<boolean> {
    return touched(
      await this.access
        .db()
        .deleteFrom('user_statuses')
        .where('user_id', '=', userId)
        .executeTakeFirst(),
    );
  }
}
