/**
 * `npm run bench:store`: the first question of every incoming call, "who in this user's contacts
 * has the calling number?", on the embedded SQLite store (file, WAL) with a large address book,
 * and on PostgreSQL when SWITCHBOARD_BENCH_DATABASE_URL points at an empty database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import type { Store } from '../src/domain/ports/store.js';
import { openStore } from '../src/persistence/open-store.js';
import { userInput } from '../src/test-support/fixtures.js';

const CONTACTS = Number(process.env['BENCH_CONTACTS'] ?? 20_000);
const number = (i: number): string => `+1202${String(10_000_000 + i).slice(1)}`;

async function fill(store: Store): Promise<void> {
  await store.users.put(userInput('alice', { country: 'US' }));
  const started = Date.now();
  await store.transaction(async (repos) => {
    for (let i = 0; i < CONTACTS; i += 1) {
      await repos.contacts.put({
        id: `c${String(i)}`,
        userId: 'alice',
        source: 'import',
        externalId: `x${String(i)}`,
        name: `Contact ${String(i)}`,
        organization: null,
        emails: [],
        phones: [
          { e164: number(2 * i), raw: number(2 * i), type: 'cell' },
          { e164: number(2 * i + 1), raw: number(2 * i + 1), type: 'work' },
        ],
        handlingCode: i % 10 === 0 ? 'VIP' : null,
      });
      if ((i + 1) % 5_000 === 0) {
        process.stderr.write(`  loaded ${String(i + 1)}/${String(CONTACTS)} contacts\n`);
      }
    }
  });
  process.stderr.write(
    `  loaded ${String(CONTACTS)} contacts in ${String(Date.now() - started)} ms\n`,
  );
}

async function measure(label: string, store: Store): Promise<void> {
  console.log(`\n${label}: caller lookup among ${String(CONTACTS)} contacts`);
  await fill(store);
  let i = 0;
  const bench = new Bench({ time: 2_000, warmupTime: 300 });
  bench
    .add('known caller (hit)', async () => {
      i = (i + 7919) % (2 * CONTACTS);
      const found = await store.contacts.findByPhone('alice', number(i));
      if (found.length !== 1) throw new Error(`expected one contact for ${number(i)}`);
    })
    .add('unknown caller (miss)', async () => {
      const found = await store.contacts.findByPhone('alice', '+14155550000');
      if (found.length !== 0) throw new Error('expected no contact');
    });
  await bench.run();
  console.table(
    bench.tasks.map((task) => {
      const result = task.result as
        { throughput?: { mean: number }; latency?: { p50?: number; p99?: number } } | undefined;
      return {
        task: task.name,
        'lookups/s': Math.round(result?.throughput?.mean ?? 0),
        'p50 ms': (result?.latency?.p50 ?? Number.NaN).toFixed(3),
        'p99 ms': (result?.latency?.p99 ?? Number.NaN).toFixed(3),
      };
    }),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
try {
  const sqlite = await openStore({ dataDir: dir });
  try {
    await measure('SQLite (file, WAL)', sqlite);
  } finally {
    await sqlite.close();
  }
  const pgUrl = process.env['SWITCHBOARD_BENCH_DATABASE_URL'];
  if (pgUrl !== undefined) {
    const pg = await openStore({ dataDir: dir, databaseUrl: pgUrl });
    try {
      await measure('PostgreSQL', pg);
    } finally {
      await pg.close();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
