// @ts-check
/**
 * The server under test of `npm run bench:call-path`, run as its own process so that it can be
 * pinned to one core (`taskset -c N node call-path-server.mjs`). Plain JavaScript over the
 * compiled server (`apps/server/dist`, packages from their `dist`), the code `switchboard start`
 * runs: through tsx, every closure the server creates would also get its name set by esbuild's
 * keepNames (an Object.defineProperty each: 15,000 of them held by 300 calls), which is not
 * what users run. It opens the
 * store the benchmark filled, starts exactly what `switchboard start` starts, prints one line
 * `READY {"sipPort":...,"httpUrl":...}` and runs until SIGTERM; `LOOP` lines every second and
 * `MEM` lines on SIGUSR2 report on its event loop and memory. Settings come from the
 * environment: BENCH_DATA_DIR, BENCH_RTP_MIN, BENCH_RTP_MAX, BENCH_LOG_LEVEL, BENCH_HEAP_SNAPSHOT,
 * BENCH_ALLOC_PROFILE, BENCH_GC_LOG.
 */
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { appendFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { pino } from 'pino';
import { ConfigSchema } from '../dist/config/schema.js';
import { startServer } from '../dist/main.js';

/** @type {(name: string, fallback?: string) => string} */
const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const config = ConfigSchema.parse({
  dataDir: env('BENCH_DATA_DIR'),
  demo: false,
  http: { host: '127.0.0.1', port: 0 },
  sip: { host: '127.0.0.1', port: 0, maxCalls: 100_000 },
  media: {
    host: '127.0.0.1',
    portMin: Number(env('BENCH_RTP_MIN', '10000')),
    portMax: Number(env('BENCH_RTP_MAX', '31999')),
  },
  log: { level: 'warn', format: 'json' },
});
const logger = pino({ level: env('BENCH_LOG_LEVEL', 'warn') }, pino.destination(2));
const server = await startServer(config, { logger });
process.stdout.write(
  `READY ${JSON.stringify({ sipPort: server.sipPort, httpUrl: server.httpUrl, pid: process.pid })}\n`,
);

// Once a second: how busy the event loop was (share of the time it ran code) and how late
// its callbacks ran (p99), as `LOOP {...}` lines the benchmark reads.
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
let lastElu = performance.eventLoopUtilization();
setInterval(() => {
  const elu = performance.eventLoopUtilization(lastElu);
  lastElu = performance.eventLoopUtilization();
  process.stdout.write(
    `LOOP ${JSON.stringify({ at: Date.now(), utilization: elu.utilization, delayP99Ms: delay.percentile(99) / 1e6, delayMaxMs: delay.max / 1e6 })}\n`,
  );
  delay.reset();
}, 1000).unref();

// SIGUSR2: a full garbage collection (node --expose-gc), then `MEM {...}` with what is still
// held, so the benchmark can tell memory per call from garbage not yet collected.
process.on('SIGUSR2', () => {
  const gc = /** @type {{ gc?: () => void }} */ (globalThis).gc;
  gc?.();
  const memory = process.memoryUsage();
  // BENCH_HEAP_SNAPSHOT=DIR: a V8 heap snapshot at each measurement (Chrome DevTools, Memory).
  const snapshotDir = process.env['BENCH_HEAP_SNAPSHOT'];
  if (snapshotDir !== undefined)
    writeHeapSnapshot(join(snapshotDir, `switchboard-${String(Date.now())}.heapsnapshot`));
  process.stdout.write(
    `MEM ${JSON.stringify({ at: Date.now(), collected: gc !== undefined, heapUsed: memory.heapUsed, rss: memory.rss })}\n`,
  );
});

// BENCH_ALLOC_PROFILE=DIR: a sampled profile of every allocation (also what the GC collected)
// from start to stop, as DIR/switchboard.heapprofile (Chrome DevTools, Memory, "Load").
const allocDir = process.env['BENCH_ALLOC_PROFILE'];
const inspector = allocDir === undefined ? undefined : new Session();
if (inspector !== undefined) {
  inspector.connect();
  inspector.post('HeapProfiler.startSampling', {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
/** @type {() => Promise<void>} */
const writeAllocations = () =>
  new Promise((resolve) => {
    if (inspector === undefined || allocDir === undefined) return resolve();
    inspector.post('HeapProfiler.stopSampling', (error, result) => {
      if (error === null) {
        writeFileSync(join(allocDir, 'switchboard.heapprofile'), JSON.stringify(result.profile));
      }
      resolve();
    });
  });

// BENCH_GC_LOG=FILE: every garbage collection pause of 5 ms or more, one line each (time, kind,
// ms), to tell stalls of the event loop caused by the collector from the others.
const gcLog = process.env['BENCH_GC_LOG'];
if (gcLog !== undefined) {
  const kinds = {
    1: 'scavenge',
    2: 'mark-compact',
    4: 'incremental',
    8: 'weak-callbacks',
    16: 'minor-mark',
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration < 5) continue;
      const detail = /** @type {{ kind?: number } | undefined} */ (entry.detail);
      const kind = kinds[/** @type {1} */ (detail?.kind ?? 0)] ?? String(detail?.kind);
      appendFileSync(gcLog, `${String(Date.now())} ${kind} ${entry.duration.toFixed(1)}\n`);
    }
  }).observe({ entryTypes: ['gc'] });
}

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void writeAllocations()
    .then(() => server.close())
    .then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
