import type { Device, DeviceInput } from '../../domain/model/index.js';
import type { DeviceRepository } from '../../domain/ports/store.js';
import type { DbAccess } from '../db-access.js';
import { write } from '../db-errors.js';
import { toDevice, toDeviceRow, touched, without } from './mapping.js';

export class SqlDeviceRepository implements DeviceRepository {
  constructor(private readonly access: DbAccess) {}

  async get(userId: string, id: string): Promise<Device | undefined> {
    const row = await this.access
      .db()
      .selectFrom('devices')
      .selectAll()
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toDevice(row);
  }

  async findBySipUsername(username: string): Promise<Device | undefined> {
    const row = await this.access
      .db()
      .selectFrom('devices')
      .selectAll()
      .where('sip_username', '=', username)
      .executeTakeFirst();
    return row && toDevice(row);
  }

  async listByUser(userId: string): Promise<Device[]> {
    const rows = await this.access
      .db()
      .selectFrom('devices')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute();
    return rows.map(toDevice);
  }

  /** Upsert by (userId, id); a SIP username another device holds is a ConflictError. */
  put(device: DeviceInput): Promise<Device> {
    const row = toDeviceRow(device, this.access.clock.now());
    const changes = without(row, 'user_id', 'id', 'created_at');
    return write(this.access, 'device', async (db) =>
      toDevice(
        await db
          .insertInto('devices')
          .values(row)
          .onConflict((oc) => oc.columns(['user_id', 'id']).doUpdateSet(changes))
          .returningAll()
          .executeTakeFirstOrThrow(),
      ),
    );
  }

  async delete(userId: string, id: string): Promise<boolean> {
    return touched(
      await this.access
        .db()
        .deleteFrom('devices')
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
  }
}
