import type { PhoneNumber } from '../../domain/model/index.js';
import type { NumberRepository } from '../../domain/ports/store.js';
import type { DbAccess } from '../db-access.js';
import { write } from '../db-errors.js';
import { toPhoneNumber, touched } from './mapping.js';

export class SqlNumberRepository implements NumberRepository {
  constructor(private readonly access: DbAccess) {}

  async get(e164: string): Promise<PhoneNumber | undefined> {
    const row = await this.access
      .db()
      .selectFrom('numbers')
      .selectAll()
      .where('e164', '=', e164)
      .executeTakeFirst();
    return row && toPhoneNumber(row);
  }

  async listByUser(userId: string): Promise<PhoneNumber[]> {
    const rows = await this.access
      .db()
      .selectFrom('numbers')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('e164')
      .execute();
    return rows.map(toPhoneNumber);
  }

  async list(): Promise<PhoneNumber[]> {
    const rows = await this.access.db().selectFrom('numbers').selectAll().orderBy('e164').execute();
    return rows.map(toPhoneNumber);
  }

  /** One number reaches one user: assigning it again moves it (createdAt is kept). */
  put(e164: string, userId: string): Promise<PhoneNumber> {
    const now = this.access.clock.now();
    return write(this.access, 'number', async (db) =>
      toPhoneNumber(
        await db
          .insertInto('numbers')
          .values({ e164, user_id: userId, created_at: now })
          .onConflict((oc) => oc.column('e164').doUpdateSet({ user_id: userId }))
          .returningAll()
          .executeTakeFirstOrThrow(),
      ),
    );
  }

  async delete(e164: string): Promise<boolean> {
    return touched(
      await this.access.db().deleteFrom('numbers').where('e164', '=', e164).executeTakeFirst(),
    );
  }
}
