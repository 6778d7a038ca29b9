import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '../domain/ports/logger.js';
import type { Database } from './schema.js';
import { StoreOpenError } from './store-open-error.js';

/** OID of int8/bigint. */
const INT8_OID = 20;

/**
 * Epoch-millisecond columns are bigint; pg hands int8 back as strings (JS numbers stop being
 * exact past 2^53, which epoch milliseconds will not reach for 285,000 years). Set per pool,
 * not on pg's global registry, so other pg users in the process are untouched.
 */
type AnyTypeParser = (oid: number, format: 'text' | 'binary') => (value: string) => unknown;
// pg's typings overload this per format and type-id enum; one loose signature is enough here.
const defaultTypeParser = pg.types.getTypeParser as AnyTypeParser;
const int8AsNumber: AnyTypeParser = (oid, format) =>
  oid === INT8_OID && format === 'text' ? (value) => Number(value) : defaultTypeParser(oid, format);
const types = {
  getTypeParser: ((oid: number, format: 'text' | 'binary' = 'text') =>
    int8AsNumber(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
} satisfies pg.CustomTypesConfig;

/**
 * Opens a pool and checks it can connect, so a wrong host, port, password or database name is
 * one clear StoreOpenError at start instead of a failure on the first call.
 */
export async function openPostgres(url: string, logger: Logger): Promise<Kysely<Database>> {
  const pool = new pg.Pool({
    connectionString: url,
    types,
    max: 10,
    connectionTimeoutMillis: 10_000,
    application_name: 'switchboard',
  });
  // An idle client losing its server must not crash the process: log it; the pool replaces it.
  pool.on('error', (error) => {
    logger.warn({ err: error.message }, 'PostgreSQL connection lost');
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StoreOpenError(connectFailure(url, error), { cause: error });
  }
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** "cannot connect to PostgreSQL at HOST:PORT (database "d", user "u"): REASON", password-free. */
export function connectFailure(url: string, error: unknown): string {
  const parsed = new URL(url);
  const host =
    parsed.hostname !== '' ? parsed.hostname : (parsed.searchParams.get('host') ?? 'localhost');
  const port = parsed.port !== '' ? parsed.port : '5432';
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres';
  const user = decodeURIComponent(parsed.username) || 'the OS user';
  let text = `cannot connect to PostgreSQL at ${host}:${port} (database "${database}", user "${user}"): ${failureReason(error)}`;
  const password = decodeURIComponent(parsed.password);
  if (password !== '') text = text.split(password).join('***');
  return text.replace(/\s*\n\s*/g, ' ');
}

const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (is the server running and listening there?)',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ECONNRESET: 'connection reset by the server',
};

function failureReason(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { code, message, errors } = error as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && code in REASONS) return `${REASONS[code] ?? code} (${code})`;
  // Node reports a refused "localhost" (tried on ::1 and 127.0.0.1) as an AggregateError
  // with an empty message; the first attempt says why.
  if (
    (typeof message !== 'string' || message === '') &&
    Array.isArray(errors) &&
    errors.length > 0
  ) {
    return failureReason(errors[0]);
  }
  const text = typeof message === 'string' && message !== '' ? message : 'unknown error';
  // SQLSTATEs from the server: say which, so the fix is obvious.
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)
    ? `${text} (SQLSTATE ${code})`
    : text;
}
