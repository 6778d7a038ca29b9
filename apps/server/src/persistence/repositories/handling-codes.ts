import type { HandlingCode, HandlingCodeInput } from '../../domain/model/index.js';
import type { HandlingCodeRepository } from '../../domain/ports/store.js';
import type { DbAccess } from '../db-access.js';
import { write } from '../db-errors.js';
import { toHandlingCode, touched } from './mapping.js';

export class SqlHandlingCodeRepository implements HandlingCodeRepository {
  constructor(private readonly access: DbAccess) {}

  async get(userId: string, code: string): Promise<HandlingCode | undefined> {
    const row = await this.access
      .db()
      .selectFrom('handling_codes')
      .selectAll()
      .where('user_id', '=', userId)
      .where('code', '=', code)
      .executeTakeFirst();
    return row && toHandlingCode(row);
  }

  async listByUser(userId: string): Promise<HandlingCode[]> {
    const rows = await this.access
      .db()
      .selectFrom('handling_codes')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('code')
      .execute();
    return rows.map(toHandlingCode);
  }

  put(code: HandlingCodeInput): Promise<HandlingCode> {
    const now = this.access.clock.now();
    const changes = { method: code.method, description: code.description, updated_at: now };
    return write(this.access, 'handlingCode', async (db) =>
      toHandlingCode(
        await db
          .insertInto('handling_codes')
          .values({ user_id: code.userId, code: code.code, ...changes, created_at: now })
          .onConflict((oc) => oc.columns(['user_id', 'code']).doUpdateSet(changes))
          .returningAll()
          .executeTakeFirstOrThrow(),
      ),
    );
  }

  async delete(userId: string, code: string): Promise<boolean> {
    return touched(
      await this.access
        .db()
        .deleteFrom('handling_codes')
        .where('user_id', '=', userId)
        .where('code', '=', code)
        .executeTakeFirst(),
    );
  }
}
