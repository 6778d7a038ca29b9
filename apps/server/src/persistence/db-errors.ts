import type { Kysely } from 'kysely';
import { ConflictError, MissingReferenceError } from '../domain/ports/errors.js';
import type { DbAccess } from './db-access.js';
import type { Database } from './schema.js';

/**
 * Turns the drivers' constraint errors into the domain's typed errors, so callers see the same
 * ConflictError / MissingReferenceError on SQLite and PostgreSQL. Anything else passes through.
 */
export function translateDbError(error: unknown, entity: string): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';

  // better-sqlite3 (extended result codes): "UNIQUE constraint failed: devices.sip_username"
  // or, for an expression index, "UNIQUE constraint failed: index 'users_email_key'".
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return conflict(entity, sqliteUniqueField(text), error);
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return missing(entity, error);

  // PostgreSQL SQLSTATE 23505 unique_violation: detail "Key (user_id, id)=(...) already exists."
  if (code === '23505') {
    const { detail, constraint } = error as { detail?: unknown; constraint?: unknown };
    return conflict(entity, postgresUniqueField(detail, constraint), error);
  }
  if (code === '23503') return missing(entity, error); // foreign_key_violation
  return error;
}

/** Runs `work` as one guarded write (see `DbAccess.write`), translating errors for `entity`. */
export function write<T>(
  access: DbAccess,
  entity: string,
  work: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return translated(entity, () => access.write(work));
}

/** Runs `work` atomically (see `DbAccess.atomic`), translating errors for `entity`. */
export function writeAtomically<T>(
  access: DbAccess,
  entity: string,
  work: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return translated(entity, () => access.atomic(work));
}

async function translated<T>(entity: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translateDbError(error, entity);
  }
}

/** Unique indexes on expressions, whose columns no driver error names. */
const EXPRESSION_INDEX_FIELDS: Readonly<Record<string, string>> = {
  users_email_key: 'email',
};

function sqliteUniqueField(message: string): string {
  const index = /index '([^']+)'/.exec(message);
  if (index?.[1] !== undefined) return EXPRESSION_INDEX_FIELDS[index[1]] ?? index[1];
  const columns = message.split(':').slice(1).join(':');
  // The last column of a composite key is the one that names the row (`user_id, id` -> id).
  const last = columns.split(',').pop()?.trim() ?? '';
  return camelCase(last.slice(last.lastIndexOf('.') + 1) || 'id');
}

function postgresUniqueField(detail: unknown, constraint: unknown): string {
  if (typeof constraint === 'string' && constraint in EXPRESSION_INDEX_FIELDS) {
    return EXPRESSION_INDEX_FIELDS[constraint] ?? constraint;
  }
  const key = typeof detail === 'string' ? /^Key \((.*?)\)=/.exec(detail)?.[1] : undefined;
  if (key === undefined) return 'id';
  const last = key.split(',').pop()?.trim() ?? 'id';
  // `lower(email)` -> email
  return camelCase(/\(([^()]+)\)/.exec(last)?.[1] ?? last);
}

function camelCase(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

function conflict(entity: string, field: string, cause: unknown): ConflictError {
  const error = new ConflictError(entity, field);
  error.cause = cause;
  return error;
}

function missing(entity: string, cause: unknown): MissingReferenceError {
  const error = new MissingReferenceError(entity);
  error.cause = cause;
  return error;
}
