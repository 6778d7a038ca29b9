import type { Voicemail } from '../../domain/model/index.js';
import type { VoicemailRepository } from '../../domain/ports/store.js';
import type { DbAccess } from '../db-access.js';
import { write } from '../db-errors.js';
import type { VoicemailsTable } from '../schema.js';
import { toFlag, toVoicemail, toVoicemailRow, touched } from './mapping.js';

export class SqlVoicemailRepository implements VoicemailRepository {
  constructor(private readonly access: DbAccess) {}

  async get(id: string): Promise<Voicemail | undefined> {
    const row = await this.access
      .db()
      .selectFrom('voicemails')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toVoicemail(row);
  }

  /** Newest first, as a mailbox lists them. */
  async listByUser(userId: string): Promise<Voicemail[]> {
    const rows = await this.access
      .db()
      .selectFrom('voicemails')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toVoicemail);
  }

  insert(voicemail: Voicemail): Promise<Voicemail> {
    return write(this.access, 'voicemail', async (db) =>
      toVoicemail(
        await db
          .insertInto('voicemails')
          .values(toVoicemailRow(voicemail))
          .returningAll()
          .executeTakeFirstOrThrow(),
      ),
    );
  }

  async update(
    id: string,
    patch: Partial<Pick<Voicemail, 'heard' | 'mailStatus'>>,
  ): Promise<Voicemail | undefined> {
    const columns: Partial<VoicemailsTable> = {};
    if (patch.heard !== undefined) columns.heard = toFlag(patch.heard);
    if (patch.mailStatus !== undefined) columns.mail_status = patch.mailStatus;
    if (Object.keys(columns).length === 0) return this.get(id);
    const row = await this.access
      .db()
      .updateTable('voicemails')
      .set(columns)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toVoicemail(row);
  }

  async delete(id: string): Promise<boolean> {
    return touched(
      await this.access.db().deleteFrom('voicemails').where('id', '=', id).executeTakeFirst(),
    );
  }
}
