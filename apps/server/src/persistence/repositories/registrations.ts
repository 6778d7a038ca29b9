import {
  REGISTRATION_TRANSPORTS,
  type Registration,
  type RegistrationChanges,
  type RegistrationInput,
  type RegistrationTransport,
} from '../../domain/model/index.js';
import type { RegistrationRepository } from '../../domain/ports/store.js';
import type { DbAccess } from '../db-access.js';
import { writeAtomically } from '../db-errors.js';
import type { RegistrationsTable } from '../schema.js';
import { fromJson, toJson } from './mapping.js';

/** Rows (or keys) per statement: far inside both engines' limits on bound parameters. */
const CHUNK = 100;
/** Largest CSeq a SIP message can carry (RFC 3261 §8.1.1.5: a 32-bit unsigned integer). */
const MAX_CSEQ = 0xffffffff;

type RegistrationRow = Omit<RegistrationsTable, 'user_id' | 'device_id'>;

export class SqlRegistrationRepository implements RegistrationRepository {
  constructor(private readonly access: DbAccess) {}

  async list(aor: string, now: number): Promise<Registration[]> {
    const rows = await this.access
      .db()
      .selectFrom('registrations')
      .selectAll()
      .where('aor', '=', aor)
      .where('expires_at', '>', now)
      .orderBy('binding_key')
      .execute();
    return rows.map(toRegistration);
  }

  async apply(aor: string, changes: RegistrationChanges): Promise<void> {
    // Every value is checked before the transaction starts: bad input writes nothing.
    const rows = checkedRows(aor, changes.put);
    const remove = checkedKeys(changes.remove);
    if (rows.length === 0 && remove.length === 0) return;
    await writeAtomically(this.access, 'registration', async (db) => {
      let owner: Pick<RegistrationsTable, 'user_id' | 'device_id'> = {
        user_id: null,
        device_id: null,
      };
      if (rows.length > 0 && changes.sipUsername !== undefined) {
        // Looked up inside the transaction, so the link names a device that exists now; one
        // deleted concurrently fails the foreign key (MissingReferenceError) instead.
        const device = await db
          .selectFrom('devices')
          .select(['user_id', 'id'])
          .where('sip_username', '=', changes.sipUsername)
          .executeTakeFirst();
        if (device !== undefined) owner = { user_id: device.user_id, device_id: device.id };
      }
      for (const keys of chunks(remove)) {
        await db
          .deleteFrom('registrations')
          .where('aor', '=', aor)
          .where('binding_key', 'in', keys)
          .execute();
      }
      for (const part of chunks(rows)) {
        await db
          .insertInto('registrations')
          .values(part.map((row) => ({ ...row, ...owner })))
          .onConflict((oc) =>
            oc.columns(['aor', 'binding_key']).doUpdateSet((eb) => ({
              contact: eb.ref('excluded.contact'),
              expires_at: eb.ref('excluded.expires_at'),
              call_id: eb.ref('excluded.call_id'),
              cseq: eb.ref('excluded.cseq'),
              q: eb.ref('excluded.q'),
              instance_id: eb.ref('excluded.instance_id'),
              path: eb.ref('excluded.path'),
              source_transport: eb.ref('excluded.source_transport'),
              source_host: eb.ref('excluded.source_host'),
              source_port: eb.ref('excluded.source_port'),
              source_connection_id: eb.ref('excluded.source_connection_id'),
              user_agent: eb.ref('excluded.user_agent'),
              updated_at: eb.ref('excluded.updated_at'),
              user_id: eb.ref('excluded.user_id'),
              device_id: eb.ref('excluded.device_id'),
            })),
          )
          .execute();
      }
    });
  }

  async purgeExpired(now: number): Promise<number> {
    const result = await this.access
      .db()
      .deleteFrom('registrations')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async listForUser(userId: string, now: number): Promise<Registration[]> {
    const rows = await this.access
      .db()
      .selectFrom('registrations')
      .selectAll()
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .orderBy('device_id')
      .orderBy('aor')
      .orderBy('binding_key')
      .execute();
    return rows.map(toRegistration);
  }
}

/** The rows to write, one per key (the last put of a key wins), or a RangeError naming the bad value. */
function checkedRows(aor: string, put: readonly RegistrationInput[]): RegistrationRow[] {
  const byKey = new Map<string, RegistrationRow>();
  put.forEach((registration, index) => {
    const row = toRegistrationRow(aor, registration, `registration put[${String(index)}]`);
    // Re-inserted so the map's order is the order of the last puts.
    byKey.delete(row.binding_key);
    byKey.set(row.binding_key, row);
  });
  return [...byKey.values()];
}

function checkedKeys(keys: readonly string[]): string[] {
  keys.forEach((key, index) => {
    if (typeof key !== 'string') {
      throw new RangeError(`registration remove[${String(index)}] must be a binding key (text)`);
    }
  });
  return [...new Set(keys)];
}

function toRegistrationRow(
  aor: string,
  registration: RegistrationInput,
  what: string,
): RegistrationRow {
  if (registration.aor !== aor) {
    throw new RangeError(`${what} is for ${registration.aor}, not ${aor}`);
  }
  const { source } = registration;
  text(registration.key, `${what} key`);
  text(registration.contact, `${what} contact`);
  text(registration.callId, `${what} callId`);
  text(source.host, `${what} source host`);
  integer(registration.expiresAt, `${what} expiresAt`, 0, Number.MAX_SAFE_INTEGER);
  integer(registration.updatedAt, `${what} updatedAt`, 0, Number.MAX_SAFE_INTEGER);
  integer(registration.cseq, `${what} cseq`, 0, MAX_CSEQ);
  integer(source.port, `${what} source port`, 0, 65535);
  if (!REGISTRATION_TRANSPORTS.includes(source.transport)) {
    // Typed as a transport, but a caller outside TypeScript can pass anything.
    const given: unknown = source.transport;
    throw new RangeError(
      `${what} source transport must be one of ${REGISTRATION_TRANSPORTS.join(', ')}, got ${String(given)}`,
    );
  }
  if (registration.q !== null && !(registration.q >= 0 && registration.q <= 1)) {
    throw new RangeError(`${what} q must lie between 0 and 1, got ${String(registration.q)}`);
  }
  if (!Array.isArray(registration.path) || registration.path.some((p) => typeof p !== 'string')) {
    throw new RangeError(`${what} path must be a list of header values`);
  }
  return {
    aor,
    binding_key: registration.key,
    contact: registration.contact,
    expires_at: registration.expiresAt,
    call_id: registration.callId,
    cseq: registration.cseq,
    q: registration.q,
    instance_id: registration.instanceId,
    path: toJson(registration.path, `${what} path`),
    source_transport: source.transport,
    source_host: source.host,
    source_port: source.port,
    source_connection_id: source.connectionId,
    user_agent: registration.userAgent,
    updated_at: registration.updatedAt,
  };
}

function text(value: string, what: string): void {
  if (typeof value !== 'string' || value === '') throw new RangeError(`${what} must not be empty`);
}

function integer(value: number, what: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `${what} must be an integer from ${String(min)} to ${String(max)}, got ${String(value)}`,
    );
  }
}

function toRegistration(row: RegistrationsTable): Registration {
  const path = fromJson(row.path, 'registration path');
  return {
    aor: row.aor,
    key: row.binding_key,
    contact: row.contact,
    expiresAt: row.expires_at,
    callId: row.call_id,
    cseq: row.cseq,
    q: row.q,
    instanceId: row.instance_id,
    path: Array.isArray(path) ? path.map(String) : [],
    source: {
      // Only the transports of the CHECK constraint are ever stored.
      transport: row.source_transport as RegistrationTransport,
      host: row.source_host,
      port: row.source_port,
      connectionId: row.source_connection_id,
    },
    userAgent: row.user_agent,
    updatedAt: row.updated_at,
    userId: row.user_id,
    deviceId: row.device_id,
  };
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += CHUNK) {
    out.push(items.slice(start, start + CHUNK));
  }
  return out;
}
