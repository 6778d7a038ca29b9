import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Env var naming an existing PostgreSQL server (superuser URL) to test against instead. */
export const TEST_POSTGRES_URL_ENV = 'SWITCHBOARD_TEST_POSTGRES_URL';

/** A PostgreSQL server the tests may create databases on. */
export interface TestPostgres {
  /** Superuser URL of the maintenance database (`postgres`); includes the password. */
  readonly url: string;
  /** Milliseconds it took to get the server accepting connections (0 for an external one). */
  readonly startMs: number;
  /** The scratch cluster's temp directory (undefined for an external server). */
  readonly dir: string | undefined;
  /** Stops the scratch cluster and removes its directory; a no-op for an external server. */
  stop(): Promise<void>;
}

/**
 * Gives the tests a real PostgreSQL: the server named by `SWITCHBOARD_TEST_POSTGRES_URL`, or a
 * scratch cluster made with `initdb` in a temp dir, listening on a free 127.0.0.1 port with its
 * unix socket inside that dir. Password (scram) auth over TCP so auth failures can be tested.
 * Throws, never skips, when no PostgreSQL binaries are installed.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const external = process.env[TEST_POSTGRES_URL_ENV];
  if (external !== undefined && external !== '') {
    return { url: external, startMs: 0, dir: undefined, stop: () => Promise.resolve() };
  }
  const started = performance.now();
  const bin = await findPostgresBin();
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-pg-'));
  try {
    const server = await initAndStart(bin, dir);
    return { ...server, dir, startMs: Math.round(performance.now() - started) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The newest `/usr/lib/postgresql/<major>/bin` holding a working pg_ctl. */
export async function findPostgresBin(root = '/usr/lib/postgresql'): Promise<string> {
  let versions: string[] = [];
  try {
    versions = await readdir(root);
  } catch {
    // No PostgreSQL at all: reported below.
  }
  // Newest major first ("15" > "14" numerically).
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    try {
      await run(join(bin, 'pg_ctl'), ['--version']);
      return bin;
    } catch {
      // Incomplete install of this major; try the next one.
    }
  }
  throw new Error(
    `PostgreSQL server binaries not found under ${root}/*/bin: install the Debian package ` +
      `\`postgresql\` (apt-get install -y postgresql) or set ${TEST_POSTGRES_URL_ENV} to a server URL.`,
  );
}

/** When we are root, postgres refuses to run: run its tools as the `postgres` OS user. */
function asPostgresUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() === 0) return ['runuser', ['-u', 'postgres', '--', command, ...args]];
  return [command, args];
}

async function postgresOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

async function initAndStart(
  bin: string,
  dir: string,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const owner = await postgresOwner();
  const dataDir = join(dir, 'data');
  const pwFile = join(dir, 'pwfile');
  const password = randomBytes(12).toString('hex');
  await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  if (owner !== undefined) {
    await chown(dir, owner.uid, owner.gid);
    await chown(pwFile, owner.uid, owner.gid);
  }
  const tool = (name: string, args: string[]) => {
    const [command, fullArgs] = asPostgresUser(join(bin, name), args);
    return run(command, fullArgs, { cwd: dir });
  };
  await tool('initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    `--pwfile=${pwFile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C.UTF-8',
    '--no-sync',
    '--no-instructions',
  ]);

  const stopArgs = ['stop', '-D', dataDir, '-m', 'immediate', '-w'];
  // Safety net for a run that ends without teardown (Ctrl-C, a crashed worker): an exit
  // handler may only do synchronous work.
  const onExit = () => {
    try {
      const [command, args] = asPostgresUser(join(bin, 'pg_ctl'), stopArgs);
      execFileSync(command, args, { stdio: 'ignore' });
    } catch {
      // Not running.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    try {
      await tool('pg_ctl', stopArgs);
    } catch {
      // Already down (or never came up); the directory goes anyway.
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  // A free port can be taken between probing and binding: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const options = [
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses='127.0.0.1'",
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    try {
      // -w waits until the server accepts connections.
      await tool('pg_ctl', [
        'start',
        '-D',
        dataDir,
        '-w',
        '-t',
        '60',
        '-l',
        join(dir, 'log'),
        '-o',
        options,
      ]);
      const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
      await waitForConnection(url);
      return { url, stop };
    } catch (error) {
      lastError = error;
      await tool('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']).catch(() => undefined);
    }
  }
  await stop();
  throw new Error(`could not start a scratch PostgreSQL in ${dir}: ${String(lastError)}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

async function waitForConnection(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** A database of its own for one test file or suite, dropped by `drop()`. */
export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates a randomly named database on the server behind `serverUrl`. */
export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `sb_test_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, `create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE (PostgreSQL 13+) ends connections a failed test may have left open.
    drop: () => admin(serverUrl, `drop database if exists "${name}" with (force)`),
  };
}

async function admin(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * Deletes every row of every table in `databaseUrl` except the migration bookkeeping, so one
 * migrated database serves test after test. Row deletes with foreign-key triggers off (a
 * superuser right) take about 2 ms here; TRUNCATE of 15 tables took about 90 ms, so it is only
 * the fallback for a non-superuser server.
 */
export async function clearDatabase(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `select quote_ident(tablename) as name from pg_tables
        where schemaname = current_schema() and tablename not like 'schema_migrations%'
          and tablename <> 'settings_version'`,
    );
    if (rows.length === 0) return;
    const tables = rows.map((row) => row.name);
    try {
      await client.query(
        `begin; set local session_replication_role = replica; ${tables.map((t) => `delete from ${t};`).join(' ')} commit;`,
      );
    } catch {
      await client.query('rollback').catch(() => undefined);
      await client.query(`truncate ${tables.join(', ')} cascade`);
    }
  } finally {
    await client.end();
  }
}
