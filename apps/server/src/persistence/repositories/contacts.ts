import type { Kysely } from 'kysely';
import type { Contact, ContactInput, ContactPhone } from '../../domain/model/index.js';
import type { ContactRepository } from '../../domain/ports/store.js';
import type { DbAccess } from '../db-access.js';
import { writeAtomically } from '../db-errors.js';
import type { ContactsTable, Database } from '../schema.js';
import {
  pageOption,
  toContact,
  toContactPhone,
  toContactPhoneRows,
  toContactRow,
  touched,
  without,
} from './mapping.js';

/** Contacts per phone query: keeps `IN (...)` lists well under SQLite's parameter limit. */
const PHONE_BATCH = 500;

export class SqlContactRepository implements ContactRepository {
  constructor(private readonly access: DbAccess) {}

  async get(userId: string, id: string): Promise<Contact | undefined> {
    const db = this.access.db();
    const row = await db
      .selectFrom('contacts')
      .selectAll()
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return (await withPhones(db, userId, [row]))[0];
  }

  async findByExternalId(
    userId: string,
    source: Contact['source'],
    externalId: string,
  ): Promise<Contact | undefined> {
    const db = this.access.db();
    const row = await db
      .selectFrom('contacts')
      .selectAll()
      .where('user_id', '=', userId)
      .where('source', '=', source)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return (await withPhones(db, userId, [row]))[0];
  }

  async findByPhone(userId: string, e164: string): Promise<Contact[]> {
    const db = this.access.db();
    const rows = await db
      .selectFrom('contacts')
      .selectAll()
      .where('user_id', '=', userId)
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('contact_phones')
          .select('contact_id')
          .where('user_id', '=', userId)
          .where('e164', '=', e164),
      )
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return withPhones(db, userId, rows);
  }

  async listByUser(
    userId: string,
    options: { limit?: number; offset?: number } = {},
  ): Promise<Contact[]> {
    const limit = pageOption(options.limit, 'limit');
    const offset = pageOption(options.offset, 'offset');
    const db = this.access.db();
    let query = db
      .selectFrom('contacts')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('sort_name')
      .orderBy('id');
    // SQLite accepts OFFSET only after a LIMIT; -1 means "no limit" there, ALL in PostgreSQL.
    if (limit !== undefined) query = query.limit(limit);
    else if (offset !== undefined) query = query.limit(Number.MAX_SAFE_INTEGER);
    if (offset !== undefined) query = query.offset(offset);
    return withPhones(db, userId, await query.execute());
  }

  async countByUser(userId: string): Promise<number> {
    const row = await this.access
      .db()
      .selectFrom('contacts')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Upserts the contact and replaces its phone numbers in one atomic step. */
  put(contact: ContactInput): Promise<Contact> {
    const now = this.access.clock.now();
    return writeAtomically(this.access, 'contact', async (db) => {
      const row = toContactRow(contact, now);
      const changes = without(row, 'user_id', 'id', 'created_at');
      const phones = toContactPhoneRows(contact.userId, contact.id, contact.phones);
      const saved = await db
        .insertInto('contacts')
        .values(row)
        .onConflict((oc) => oc.columns(['user_id', 'id']).doUpdateSet(changes))
        .returningAll()
        .executeTakeFirstOrThrow();
      await db
        .deleteFrom('contact_phones')
        .where('user_id', '=', contact.userId)
        .where('contact_id', '=', contact.id)
        .execute();
      if (phones.length > 0) await db.insertInto('contact_phones').values(phones).execute();
      return toContact(saved, phones.map(toContactPhone));
    });
  }

  async delete(userId: string, id: string): Promise<boolean> {
    return touched(
      await this.access
        .db()
        .deleteFrom('contacts')
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
  }
}

/** Loads the phones of `rows` (one query per batch) and builds the contacts in row order. */
async function withPhones(
  db: Kysely<Database>,
  userId: string,
  rows: readonly ContactsTable[],
): Promise<Contact[]> {
  const phones = new Map<string, ContactPhone[]>();
  for (let start = 0; start < rows.length; start += PHONE_BATCH) {
    const ids = rows.slice(start, start + PHONE_BATCH).map((row) => row.id);
    const phoneRows = await db
      .selectFrom('contact_phones')
      .selectAll()
      .where('user_id', '=', userId)
      .where('contact_id', 'in', ids)
      .orderBy('contact_id')
      .orderBy('position')
      .execute();
    for (const phone of phoneRows) {
      const list = phones.get(phone.contact_id) ?? [];
      list.push(toContactPhone(phone));
      phones.set(phone.contact_id, list);
    }
  }
  return rows.map((row) => toContact(row, phones.get(row.id) ?? []));
}
