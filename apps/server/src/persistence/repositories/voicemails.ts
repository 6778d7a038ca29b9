import type { Voicemail } from '../../domain/model/index.js';
import type {
  VoicemailCounts,
  VoicemailListOptions,
  VoicemailPatch,
  VoicemailRepository,
} from '../../domain/ports/store.js';
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

  /** Newest first, as a mailbox lists them (read off voicemails_user_created_idx). */
  async listByUser(userId: string, options: VoicemailListOptions = {}): Promise<Voicemail[]> {
    let query = this.access.db().selectFrom('voicemails').selectAll().where('user_id', '=', userId);
    if (options.heard !== undefined) query = query.where('heard', '=', toFlag(options.heard));
    if (options.callerNumber !== undefined) {
      query =
        options.callerNumber === null
          ? query.where('caller_number', 'is', null)
          : query.where('caller_number', '=', options.callerNumber);
    }
    if (options.before !== undefined) query = query.where('created_at', '<', options.before);
    query = query.orderBy('created_at', 'desc').orderBy('id', 'desc');
    if (options.limit !== undefined) query = query.limit(options.limit);
    return (await query.execute()).map(toVoicemail);
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

  async update(id: string, patch: VoicemailPatch): Promise<Voicemail | undefined> {
    const columns: Partial<VoicemailsTable> = {};
    if (patch.heard !== undefined) columns.heard = toFlag(patch.heard);
    if (patch.heardAt !== undefined) columns.heard_at = patch.heardAt;
    if (patch.mailStatus !== undefined) columns.mail_status = patch.mailStatus;
    if (patch.mailAttempts !== undefined) columns.mail_attempts = patch.mailAttempts;
    if (patch.mailNextAttemptAt !== undefined) {
      columns.mail_next_attempt_at = patch.mailNextAttemptAt;
    }
    if (patch.mailError !== undefined) columns.mail_error = patch.mailError;
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

  async countByUser(userId: string): Promise<VoicemailCounts> {
    const rows = await this.access
      .db()
      .selectFrom('voicemails')
      .select((eb) => ['heard', eb.fn.countAll().as('count')])
      .where('user_id', '=', userId)
      .groupBy('heard')
      .execute();
    let unheard = 0;
    let heard = 0;
    for (const row of rows) {
      // PostgreSQL returns count(*) as a bigint string, SQLite as a number.
      const count = Number(row.count);
      if (row.heard === 0) unheard += count;
      else heard += count;
    }
    return { unheard, heard };
  }

  async listMailPending(limit: number): Promise<Voicemail[]> {
    const rows = await this.access
      .db()
      .selectFrom('voicemails')
      .selectAll()
      .where('mail_status', '=', 'pending')
      .orderBy('mail_next_attempt_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toVoicemail);
  }

  async claimMailAttempt(
    id: string,
    attempts: number,
    leaseUntil: number,
  ): Promise<Voicemail | undefined> {
    // One conditional UPDATE: of two instances racing for the same attempt, one matches.
    const row = await this.access
      .db()
      .updateTable('voicemails')
      .set({ mail_attempts: attempts + 1, mail_next_attempt_at: leaseUntil })
      .where('id', '=', id)
      .where('mail_status', '=', 'pending')
      .where('mail_attempts', '=', attempts)
      .returningAll()
      .executeTakeFirst();
    return row && toVoicemail(row);
  }

  async listHeardBefore(cutoff: number, limit: number): Promise<Voicemail[]> {
    const rows = await this.access
      .db()
      .selectFrom('voicemails')
      .selectAll()
      .where('heard', '=', 1)
      .where((eb) =>
        eb.or([
          eb('heard_at', '<', cutoff),
          eb.and([eb('heard_at', 'is', null), eb('created_at', '<', cutoff)]),
        ]),
      )
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toVoicemail);
  }
}
