import type { User, UserInput } from '../../domain/model/index.js';
import type { UserRepository } from '../../domain/ports/store.js';
import type { DbAccess } from '../db-access.js';
import { write } from '../db-errors.js';
import { toUser, toUserRow, touched, without } from './mapping.js';

export class SqlUserRepository implements UserRepository {
  constructor(private readonly access: DbAccess) {}

  async get(id: string): Promise<User | undefined> {
    const row = await this.access
      .db()
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toUser(row);
  }

  /** Case-insensitive, with the same `lower()` as the unique index so both agree. */
  async findByEmail(email: string): Promise<User | undefined> {
    const row = await this.access
      .db()
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['email']), '=', eb.fn('lower', [eb.val(email)])))
      .executeTakeFirst();
    return row && toUser(row);
  }

  async list(): Promise<User[]> {
    const rows = await this.access
      .db()
      .selectFrom('users')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toUser);
  }

  async count(): Promise<number> {
    const row = await this.access
      .db()
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  put(user: UserInput): Promise<User> {
    const row = toUserRow(user, this.access.clock.now());
    const changes = without(row, 'id', 'created_at');
    return write(this.access, 'user', async (db) =>
      toUser(
        await db
          .insertInto('users')
          .values(row)
          .onConflict((oc) => oc.column('id').doUpdateSet(changes))
          .returningAll()
          .executeTakeFirstOrThrow(),
      ),
    );
  }

  async delete(id: string): Promise<boolean> {
    return touched(
      await this.access.db().deleteFrom('users').where('id', '=', id).executeTakeFirst(),
    );
  }
}
