import type { ApiToken, Session } from '../../domain/model/index.js';
import type { AuthRepository } from '../../domain/ports/store.js';
import type { DbAccess } from '../db-access.js';
import { write } from '../db-errors.js';
import { toApiToken, toSession, touched } from './mapping.js';

export class SqlAuthRepository implements AuthRepository {
  constructor(private readonly access: DbAccess) {}

  async putSession(session: Session): Promise<void> {
    const changes = { user_id: session.userId, expires_at: session.expiresAt };
    await write(this.access, 'session', (db) =>
      db
        .insertInto('sessions')
        .values({ token_hash: session.tokenHash, ...changes, created_at: session.createdAt })
        .onConflict((oc) => oc.column('token_hash').doUpdateSet(changes))
        .execute(),
    );
  }

  async getSession(tokenHash: string): Promise<Session | undefined> {
    const row = await this.access
      .db()
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && toSession(row);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.access.db().deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  /** Removes sessions whose expiry is at or before `now`; returns how many went. */
  async deleteExpiredSessions(now: number): Promise<number> {
    const result = await this.access
      .db()
      .deleteFrom('sessions')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteSessionsOfUser(userId: string, exceptTokenHash?: string): Promise<number> {
    let query = this.access.db().deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptTokenHash !== undefined) query = query.where('token_hash', '!=', exceptTokenHash);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async putApiToken(token: ApiToken): Promise<void> {
    const changes = {
      user_id: token.userId,
      name: token.name,
      token_hash: token.tokenHash,
      last_used_at: token.lastUsedAt,
    };
    await write(this.access, 'apiToken', (db) =>
      db
        .insertInto('api_tokens')
        .values({ id: token.id, ...changes, created_at: token.createdAt })
        .onConflict((oc) => oc.column('id').doUpdateSet(changes))
        .execute(),
    );
  }

  async findApiToken(tokenHash: string): Promise<ApiToken | undefined> {
    const row = await this.access
      .db()
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && toApiToken(row);
  }

  async listApiTokens(userId: string): Promise<ApiToken[]> {
    const rows = await this.access
      .db()
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toApiToken);
  }

  async touchApiToken(id: string, at: number): Promise<void> {
    await this.access
      .db()
      .updateTable('api_tokens')
      .set({ last_used_at: at })
      .where('id', '=', id)
      .execute();
  }

  async deleteApiToken(userId: string, id: string): Promise<boolean> {
    return touched(
      await this.access
        .db()
        .deleteFrom('api_tokens')
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
  }
}
