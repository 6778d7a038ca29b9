import type { Greeting, GreetingInput, GreetingSlot } from '../../domain/model/index.js';
import type { GreetingRepository } from '../../domain/ports/store.js';
import type { DbAccess } from '../db-access.js';
import { write } from '../db-errors.js';
import { toGreeting, toGreetingRow, touched } from './mapping.js';

export class SqlGreetingRepository implements GreetingRepository {
  constructor(private readonly access: DbAccess) {}

  async get(userId: string, slot: GreetingSlot, ref: string): Promise<Greeting | undefined> {
    const row = await this.access
      .db()
      .selectFrom('greetings')
      .selectAll()
      .where('user_id', '=', userId)
      .where('slot', '=', slot)
      .where('ref', '=', ref)
      .executeTakeFirst();
    return row && toGreeting(row);
  }

  async listByUser(userId: string): Promise<Greeting[]> {
    const rows = await this.access
      .db()
      .selectFrom('greetings')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('slot')
      .orderBy('ref')
      .execute();
    return rows.map(toGreeting);
  }

  put(greeting: GreetingInput): Promise<Greeting> {
    const now = this.access.clock.now();
    const row = toGreetingRow(greeting, now, now);
    const changes = {
      kind: row.kind,
      path: row.path,
      text: row.text,
      voice: row.voice,
      duration_ms: row.duration_ms,
      updated_at: now,
    };
    return write(this.access, 'greeting', async (db) =>
      toGreeting(
        await db
          .insertInto('greetings')
          .values(row)
          .onConflict((oc) => oc.columns(['user_id', 'slot', 'ref']).doUpdateSet(changes))
          .returningAll()
          .executeTakeFirstOrThrow(),
      ),
    );
  }

  async delete(userId: string, slot: GreetingSlot, ref: string): Promise<boolean> {
    return touched(
      await this.access
        .db()
        .deleteFrom('greetings')
        .where('user_id', '=', userId)
        .where('slot', '=', slot)
        .where('ref', '=', ref)
        .executeTakeFirst(),
    );
  }
}
