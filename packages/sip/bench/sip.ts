/**
 * `npm run bench:sip`: SIPp's built-in `uac` scenario (INVITE/100/180/200/ACK/BYE over UDP)
 * drives, at rising call rates, (a) a UAS built on our stack (bench/uas-server.ts) and (b)
 * Kamailio as a minimal stateless responder (bench/kamailio.cfg, one worker). Each server is
 * pinned to core 1 and restarted for every step; SIPp runs on core 0. Each step starts with a
 * warm-up (2 s of calls at up to 2,000/s, not measured: a fresh Node process spends its first
 * seconds compiling its hot code; Kamailio needs none, and gets the same), then the measured
 * calls. For each server it finds the highest rate with no failed call (doubling, then a few
 * bisections), and prints every step, the best of each and the ratio ours/Kamailio. It exits
 * non-zero only when the harness itself fails (a binary missing, a server that does not start,
 * SIPp producing no statistics).
 *
 *   npm run bench:sip [-- --only ours|kamailio] [--rates 1000,2000] [--seconds 4]
 *                     [--warmup 2] [--warmup-rate 2000] [--cpu-prof DIR] [--uas ua|test]
 *                     [--node-flags="--flag --flag"]
 *
 * `--rates` runs just those steps (no search); `--warmup 0` skips the warm-up; `--cpu-prof DIR`
 * profiles our UAS process (`node --cpu-prof`, one .cpuprofile per step, open it in Chrome
 * DevTools). `--uas` picks our UAS: `ua` (default) is the `createSipStack` user agent users
 * run, `test` the TestUas of the stack's tests (transactions under a bare call table, no
 * dialogs). `--node-flags=` (with `=`: the value starts with dashes) gives Node options to our
 * UAS, separated by spaces; the default `--single-threaded-gc` suits a process pinned to one
 * core (V8's parallel GC threads would otherwise take turns on that core with the event loop,
 * stretching each pause); `--node-flags=` alone runs Node as it comes.
 *
 * The figures are only as steady as the machine: other work on either core moves them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SIPP } from '../src/stack/test-support/sipp.js';
import { ProcessSampler, type MemorySample, type Usage } from './proc.js';
import {
  HarnessError,
  KAMAILIO,
  REPO_ROOT,
  startServer,
  TASKSET,
  type ServerName,
} from './servers.js';
import { runStep, type StepResult } from './sipp-step.js';

const SIPP_CORE = 0;
const SERVER_CORE = 1;
/**
 * Rates tried first, doubling, until one fails. On a quiet machine Kamailio passes 32,000;
 * SIPp on one core tops out somewhere above (a failure then reads "SIPp saturated").
 */
const LADDER = [500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000];
/** Bisections between the last good and the first failing rate. */
const BISECTIONS = 3;
/** Bisection stops when the bracket is this narrow (calls/s). */
const RESOLUTION = 250;
/** A step must start at least this share of its target rate to count (else SIPp or the server lagged). */
const MIN_REACHED = 0.9;
/**
 * SIPp's CPU share from which a failing step may be SIPp's limit rather than the server's
 * (a hint: the share the kernel accounts to SIPp leaves out part of its network work).
 */
const SIPP_SATURATED = 0.9;
/** SIPp gives up on a call after waiting this long for one message. */
const RECV_TIMEOUT_MS = 5_000;

interface Step extends StepResult {
  readonly server: ServerName;
  readonly memory: MemorySample;
  /** The server's CPU time over the step's wall time (1 = its core saturated). */
  readonly serverCpu: number;
  readonly passed: boolean;
  /** Why it did not pass, or 'ok'. */
  readonly verdict: string;
}

interface Search {
  readonly server: ServerName;
  readonly steps: Step[];
  /** The best passing step (highest rate), if any passed. */
  readonly best: Step | undefined;
  /** The lowest failing rate above it, if one was found. */
  readonly firstFailing: number | undefined;
}

interface Settings {
  readonly servers: ServerName[];
  readonly rates: number[] | undefined;
  readonly seconds: number;
  readonly cpuProfileDir: string | undefined;
  readonly uas: 'ua' | 'test';
  readonly nodeFlags: string[];
  /** Seconds of unmeasured calls before each step (0: none), at `warmupRate` at most. */
  readonly warmupSeconds: number;
  readonly warmupRate: number;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      rates: { type: 'string' },
      seconds: { type: 'string', default: '4' },
      'cpu-prof': { type: 'string' },
      uas: { type: 'string', default: 'ua' },
      'node-flags': { type: 'string', default: '--single-threaded-gc' },
      warmup: { type: 'string', default: '2' },
      'warmup-rate': { type: 'string', default: '2000' },
    },
  });
  const servers: ServerName[] =
    values.only === undefined
      ? ['ours', 'kamailio']
      : values.only === 'ours' || values.only === 'kamailio'
        ? [values.only]
        : fail(`--only takes "ours" or "kamailio", not "${values.only}"`);
  const rates = values.rates?.split(',').map((text) => {
    const rate = Number(text);
    return Number.isInteger(rate) && rate > 0
      ? rate
      : fail(`--rates takes positive integers separated by commas, not "${text}"`);
  });
  const seconds = Number(values.seconds);
  if (!(seconds >= 1 && seconds <= 60)) fail(`--seconds takes 1 to 60, not "${values.seconds}"`);
  const cpuProfileDir =
    values['cpu-prof'] === undefined ? undefined : resolve(process.cwd(), values['cpu-prof']);
  const uas =
    values.uas === 'ua' || values.uas === 'test'
      ? values.uas
      : fail(`--uas takes "ua" or "test", not "${values.uas}"`);
  const nodeFlags = values['node-flags'].split(/\s+/).filter((flag) => flag !== '');
  for (const flag of nodeFlags)
    if (!flag.startsWith('--')) fail(`--node-flags takes Node options (--...), not "${flag}"`);
  const warmupSeconds = Number(values.warmup);
  if (!(warmupSeconds >= 0 && warmupSeconds <= 60))
    fail(`--warmup takes 0 to 60 seconds, not "${values.warmup}"`);
  const warmupRate = Number(values['warmup-rate']);
  if (!Number.isInteger(warmupRate) || warmupRate < 1)
    fail(`--warmup-rate takes a positive integer, not "${values['warmup-rate']}"`);
  return { servers, rates, seconds, cpuProfileDir, uas, nodeFlags, warmupSeconds, warmupRate };
}

function fail(message: string): never {
  throw new HarnessError(message);
}

function preflight(): void {
  for (const [binary, install] of [
    [SIPP, 'apt-get install sip-tester'],
    [KAMAILIO, 'apt-get install kamailio'],
    [TASKSET, 'apt-get install util-linux'],
  ] as const) {
    if (!existsSync(binary)) fail(`${binary} is missing: ${install} (.ci/run installs it)`);
  }
  if (availableParallelism() < 2)
    fail('bench:sip needs two cores: SIPp on one, the server on the other');
  // The harness only reads /proc now and then: keep all its threads off the server's core.
  spawnSync(TASKSET, ['-a', '-cp', String(SIPP_CORE), String(process.pid)], { stdio: 'ignore' });
}

async function step(server: ServerName, rate: number, config: Settings): Promise<Step> {
  // One directory per step: Node writes a profile per thread (the main one, and tsx's loader).
  const nodeFlags =
    config.cpuProfileDir === undefined
      ? config.nodeFlags
      : [
          ...config.nodeFlags,
          '--cpu-prof',
          `--cpu-prof-dir=${join(config.cpuProfileDir, `ours-${String(rate)}-${String(Date.now())}`)}`,
        ];
  const running = await startServer(server, { core: SERVER_CORE, nodeFlags, uas: config.uas });
  const sampler = new ProcessSampler(running.pids);
  let result: StepResult;
  let usage: Usage;
  let warmup: StepResult | undefined;
  try {
    if (config.warmupSeconds > 0) {
      // The same calls at a lower rate first, not measured: a fresh Node process compiles its
      // hot code (JIT) in its first seconds, which a server that runs for days has long done.
      const warmRate = Math.min(rate, config.warmupRate);
      warmup = await runStep({
        remote: `127.0.0.1:${String(running.port)}`,
        rate: warmRate,
        calls: Math.max(1, Math.round(warmRate * config.warmupSeconds)),
        core: SIPP_CORE,
        recvTimeoutMs: RECV_TIMEOUT_MS,
        timeoutSeconds: Math.ceil(config.warmupSeconds) + 30,
      });
    }
    await sampler.start();
    const calls = Math.max(1_000, Math.round(rate * config.seconds));
    result = await runStep({
      remote: `127.0.0.1:${String(running.port)}`,
      rate,
      calls,
      core: SIPP_CORE,
      recvTimeoutMs: RECV_TIMEOUT_MS,
      // The calls take `calls / rate` s to start; failing ones may wait RECV_TIMEOUT_MS more
      // for each of their messages.
      timeoutSeconds: Math.ceil(calls / rate) + 30,
    });
  } finally {
    usage = await sampler.stop();
    await running.stop();
  }
  if (result.exitCode !== 0 && result.exitCode !== 1 && result.successful + result.failed === 0) {
    throw new HarnessError(
      `SIPp (exit ${String(result.exitCode)}) made no calls to ${server}:\n${result.output}`,
    );
  }
  const warmupFailed = warmup === undefined ? 0 : warmup.failed + warmup.unexpected;
  const failure =
    warmupFailed > 0
      ? `${String(warmupFailed)} failed in the warm-up`
      : result.failed > 0
        ? `${String(result.failed)} failed`
        : result.unexpected > 0
          ? `${String(result.unexpected)} unexpected`
          : result.successful < result.calls
            ? `${String(result.calls - result.successful)} not completed`
            : result.achievedRate < MIN_REACHED * rate
              ? `reached ${result.achievedRate.toFixed(0)}/s only`
              : undefined;
  // A saturated SIPp cannot tell a server's limit from its own.
  const verdict =
    failure === undefined
      ? 'ok'
      : result.sippCpu >= SIPP_SATURATED
        ? `${failure} (SIPp saturated)`
        : failure;
  const done: Step = {
    ...result,
    server,
    memory: usage.memory,
    serverCpu: usage.cpu,
    passed: failure === undefined,
    verdict,
  };
  console.log(progressLine(done));
  return done;
}

async function search(server: ServerName, config: Settings): Promise<Search> {
  const steps: Step[] = [];
  if (config.rates !== undefined) {
    for (const rate of config.rates) steps.push(await step(server, rate, config));
    const best = steps.filter((s) => s.passed).sort((a, b) => b.rate - a.rate)[0];
    const firstFailing = steps
      .filter((s) => !s.passed && s.rate > (best?.rate ?? 0))
      .sort((a, b) => a.rate - b.rate)[0]?.rate;
    return { server, steps, best, firstFailing };
  }
  let best: Step | undefined;
  let firstFailing: number | undefined;
  for (const rate of LADDER) {
    const done = await step(server, rate, config);
    steps.push(done);
    if (!done.passed) {
      firstFailing = rate;
      break;
    }
    best = done;
  }
  for (let i = 0; i < BISECTIONS && best !== undefined && firstFailing !== undefined; i += 1) {
    const rate = Math.round((best.rate + firstFailing) / 2 / 50) * 50;
    if (firstFailing - best.rate <= RESOLUTION || rate <= best.rate || rate >= firstFailing) break;
    const done = await step(server, rate, config);
    steps.push(done);
    if (done.passed) best = done;
    else firstFailing = rate;
  }
  return { server, steps, best, firstFailing };
}

const MB = 1024 * 1024;

function percent(share: number): string {
  return `${(share * 100).toFixed(0)}%`;
}

function ms(value: number): string {
  return Number.isNaN(value) ? '-' : value.toFixed(0);
}

function progressLine(s: Step): string {
  return (
    `  ${s.server.padEnd(8)} ${String(s.rate).padStart(6)} calls/s: ${String(s.calls).padStart(6)} calls, ` +
    `${String(s.failed)} failed, ${String(s.unexpected)} unexpected, ${String(s.retransmissions)} retransmissions, ` +
    `reached ${s.achievedRate.toFixed(0)}/s, INVITE→200 p50/p95/p99 ${ms(s.p50)}/${ms(s.p95)}/${ms(s.p99)} ms, ` +
    `RSS ${(s.memory.rss / MB).toFixed(0)} MB, CPU server ${percent(s.serverCpu)} SIPp ${percent(s.sippCpu)} ` +
    `→ ${s.verdict} (load ${loadavg()[0]?.toFixed(2) ?? '?'})`
  );
}

function table(steps: readonly Step[]): string {
  const header = [
    'server',
    'rate/s',
    'calls',
    'failed',
    'unexp',
    'retrans',
    'reached/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'RSS MB',
    'PSS MB',
    'srv CPU',
    'SIPp CPU',
    'result',
  ];
  const rows = steps.map((s) => [
    s.server,
    String(s.rate),
    String(s.calls),
    String(s.failed),
    String(s.unexpected),
    String(s.retransmissions),
    s.achievedRate.toFixed(0),
    ms(s.p50),
    ms(s.p95),
    ms(s.p99),
    (s.memory.rss / MB).toFixed(0),
    (s.memory.pss / MB).toFixed(0),
    percent(s.serverCpu),
    percent(s.sippCpu),
    s.verdict,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) =>
        i === 0 || i === cells.length - 1
          ? cell.padEnd(widths[i] ?? 0)
          : cell.padStart(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function summary(result: Search): string {
  const { best } = result;
  if (best === undefined) return `  ${result.server}: no rate tried passed`;
  const bound =
    result.firstFailing === undefined
      ? ` (every rate tried passed: the limit is higher)`
      : ` (${String(result.firstFailing)}/s failed)`;
  return (
    `  ${result.server.padEnd(8)} ${String(best.rate)} calls/s with no failed call${bound}; ` +
    `INVITE→200 p50/p95/p99 ${ms(best.p50)}/${ms(best.p95)}/${ms(best.p99)} ms, ` +
    `${String(best.retransmissions)} retransmissions, RSS ${(best.memory.rss / MB).toFixed(0)} MB, ` +
    `PSS ${(best.memory.pss / MB).toFixed(0)} MB, CPU ${percent(best.serverCpu)}` +
    cleanest(result)
  );
}

/**
 * The highest step tried with no retransmission at all: above it the server kept up only by
 * SIPp resending what it dropped (its UDP receive buffer overflowed while it was busy).
 */
function cleanest(result: Search): string {
  const clean = result.steps
    .filter((s) => s.passed && s.retransmissions === 0)
    .sort((a, b) => b.rate - a.rate)[0];
  return clean === undefined
    ? '\n           no step tried was free of retransmissions'
    : `\n           highest step tried with no retransmission either: ${String(clean.rate)} calls/s ` +
        `(p99 ${ms(clean.p99)} ms)`;
}

async function main(): Promise<void> {
  const config = settings();
  preflight();
  if (config.cpuProfileDir !== undefined) await mkdir(config.cpuProfileDir, { recursive: true });
  console.log(
    `bench:sip — SIPp ${SIPP} built-in uac over UDP on core ${String(SIPP_CORE)}; ` +
      `server on core ${String(SERVER_CORE)}, restarted each step; ` +
      (config.warmupSeconds > 0
        ? `${String(config.warmupSeconds)} s warm-up at up to ${String(config.warmupRate)} calls/s, then `
        : 'no warm-up, ') +
      `${String(config.seconds)} s of calls per step; ` +
      `our UAS: ${config.uas === 'ua' ? 'createSipStack (ua)' : 'TestUas (test)'}` +
      `${config.nodeFlags.length > 0 ? ` with ${config.nodeFlags.join(' ')}` : ''}. ` +
      `Load average now ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (other work on the machine makes the figures noisy).`,
  );
  console.log(`  repository ${REPO_ROOT}`);
  const results: Search[] = [];
  for (const server of config.servers) {
    console.log(`\n${server}: rising call rates`);
    results.push(await search(server, config));
  }
  console.log(`\nEvery step:\n${table(results.flatMap((r) => r.steps))}`);
  console.log(
    '  p50/p95/p99: INVITE → 200 as SIPp timed it (its clock moves in steps of a few ms; ' +
      '~500 ms = a lost message retransmitted after T1). RSS: peak VmRSS summed over the ' +
      "server's processes; PSS: the same with shared pages divided (Kamailio's workers share " +
      'its memory pool). CPU: user + system time the kernel accounts to the processes over ' +
      'the wall time of the step (100% = the core saturated; it reads low here, the ' +
      "loopback network work is not all charged to them, so 'SIPp saturated' is a hint only).",
  );
  console.log('\nHighest rate with no failed call:');
  for (const result of results) console.log(summary(result));
  const ours = results.find((r) => r.server === 'ours')?.best;
  const kamailio = results.find((r) => r.server === 'kamailio')?.best;
  if (ours !== undefined && kamailio !== undefined) {
    const ratio = ours.rate / kamailio.rate;
    console.log(
      `\nours / Kamailio = ${String(ours.rate)} / ${String(kamailio.rate)} = ${ratio.toFixed(2)} ` +
        `(target at least 0.50: ${ratio >= 0.5 ? 'met' : 'not met'})`,
    );
  }
}

// Ctrl-C or a kill: exit through process.exit so the servers' exit hooks kill what runs.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench:sip: ${signal}, stopping`);
    process.exit(130);
  });
}

try {
  await main();
} catch (error) {
  console.error(error instanceof HarnessError ? `bench:sip: ${error.message}` : error);
  process.exitCode = 1;
}
