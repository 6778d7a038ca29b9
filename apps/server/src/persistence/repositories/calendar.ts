import type { CalendarEvent } from '../../domain/model/index.js';
import type { CalendarRepository } from '../../domain/ports/store.js';
import type { DbAccess } from '../db-access.js';
import { write } from '../db-errors.js';
import { toCalendarEvent, toCalendarRow, touched, without } from './mapping.js';

export class SqlCalendarRepository implements CalendarRepository {
  constructor(private readonly access: DbAccess) {}

  /** Events overlapping [from, to): starting before `to` and ending after `from`. */
  async listByUser(userId: string, from: number, to: number): Promise<CalendarEvent[]> {
    const rows = await this.access
      .db()
      .selectFrom('calendar_events')
      .selectAll()
      .where('user_id', '=', userId)
      .where('starts_at', '<', to)
      .where('ends_at', '>', from)
      .orderBy('starts_at')
      .orderBy('id')
      .execute();
    return rows.map(toCalendarEvent);
  }

  put(event: Omit<CalendarEvent, 'updatedAt'>): Promise<CalendarEvent> {
    const now = this.access.clock.now();
    return write(this.access, 'calendarEvent', async (db) => {
      const row = toCalendarRow(event, now);
      const changes = without(row, 'user_id', 'id');
      return toCalendarEvent(
        await db
          .insertInto('calendar_events')
          .values(row)
          .onConflict((oc) => oc.columns(['user_id', 'id']).doUpdateSet(changes))
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
    });
  }

  async delete(userId: string, id: string): Promise<boolean> {
    return touched(
      await this.access
        .db()
        .deleteFrom('calendar_events')
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
  }
}
