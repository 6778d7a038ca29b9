/**
 * One load step of `npm run bench:sip`: SIPp's built-in `uac` scenario (INVITE, 100/180, 200,
 * ACK, BYE, 200 over UDP) at a fixed call rate for a fixed number of calls, pinned to its own
 * core, and what it measured: failed calls, unexpected messages, retransmissions, the rate it
 * really reached, and the INVITE → 200 response-time percentiles (`-trace_rtt`, one line per
 * call). SIPp always ends: its own `-timeout`, then SIGKILL.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, SIPP } from '../src/stack/test-support/sipp.js';
import { ProcessSampler } from './proc.js';
import { TASKSET } from './servers.js';

export interface StepOptions {
  /** `host:port` of the server under test. */
  readonly remote: string;
  readonly rate: number;
  readonly calls: number;
  /** Core for SIPp (`taskset -c`). */
  readonly core: number;
  /** How long SIPp may wait for one expected message before failing the call. */
  readonly recvTimeoutMs: number;
  /** SIPp's global timeout, in seconds. */
  readonly timeoutSeconds: number;
}

export interface StepResult {
  readonly rate: number;
  readonly calls: number;
  /** SIPp's exit code: 0 every call succeeded, 1 some failed; anything else went wrong. */
  readonly exitCode: number | null;
  readonly successful: number;
  readonly failed: number;
  /** Messages SIPp did not expect: failing ones, and ones matching no call. */
  readonly unexpected: number;
  readonly retransmissions: number;
  /** Calls per second SIPp really started, from the send times of the answered INVITEs. */
  readonly achievedRate: number;
  /** INVITE → 200 response times in ms (SIPp's clock moves in steps of a few ms). */
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** SIPp's CPU time over its run time (1 = its core saturated: the limit may be SIPp's). */
  readonly sippCpu: number;
  /** The tail of SIPp's output, for a harness error. */
  readonly output: string;
}

/** SIPp's UDP send and receive buffers (`-buff_size`): drops there are the first limit. */
const BUFFER_BYTES = 4_194_304;

export async function runStep(options: StepOptions): Promise<StepResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-sipp-'));
  const statsFile = join(dir, 'stats.csv');
  try {
    const args = [
      '-c',
      String(options.core),
      SIPP,
      '-sn',
      'uac',
      options.remote,
      '-i',
      '127.0.0.1',
      '-p',
      String(await freePort()),
      '-m',
      String(options.calls),
      '-r',
      String(options.rate),
      '-rp',
      '1000',
      '-nostdin',
      '-buff_size',
      String(BUFFER_BYTES),
      '-recv_timeout',
      String(options.recvTimeoutMs),
      '-timeout',
      String(options.timeoutSeconds),
      '-timeout_error',
      '-trace_stat',
      '-stf',
      statsFile,
      '-fd',
      '1',
      '-trace_rtt',
      '-rtt_freq',
      '1000',
    ];
    const { exitCode, output, cpu } = await run(TASKSET, args, dir, options.timeoutSeconds + 10);
    const stats = await readStats(statsFile);
    const count = (column: string): number => {
      const value = Number(stats[column] ?? Number.NaN);
      return Number.isFinite(value) ? value : 0;
    };
    const times = await readResponseTimes(dir);
    return {
      rate: options.rate,
      calls: options.calls,
      exitCode,
      successful: count('SuccessfulCall(C)'),
      failed: count('FailedCall(C)'),
      unexpected: count('FailedUnexpectedMessage(C)') + count('OutOfCallMsgs(C)'),
      retransmissions: count('Retransmissions(C)'),
      achievedRate: times.rate,
      p50: percentile(times.sorted, 0.5),
      p95: percentile(times.sorted, 0.95),
      p99: percentile(times.sorted, 0.99),
      sippCpu: cpu,
      output: stats['SuccessfulCall(C)'] === undefined ? output : '',
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  killAfterSeconds: number,
): Promise<{ exitCode: number | null; output: string; cpu: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    // taskset execs SIPp: the child's PID is SIPp's.
    const sampler = new ProcessSampler(child.pid === undefined ? [] : [child.pid]);
    const sampling = sampler.start();
    let output = '';
    const keep = (chunk: string): void => {
      output = (output + chunk).slice(-4000);
    };
    child.stdout.setEncoding('utf8').on('data', keep);
    child.stderr.setEncoding('utf8').on('data', keep);
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterSeconds * 1000);
    // The harness exiting mid-step (Ctrl-C): no SIPp left behind, nor its scratch directory.
    const onExit = (): void => {
      child.kill('SIGKILL');
      rmSync(cwd, { recursive: true, force: true });
    };
    process.once('exit', onExit);
    child.once('error', (error) => {
      clearTimeout(killer);
      process.off('exit', onExit);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(killer);
      process.off('exit', onExit);
      void sampling
        .then(() => sampler.stop())
        .then((usage) => {
          resolve({ exitCode: code, output, cpu: usage.cpu });
        }, reject);
    });
  });
}

/** The last line of SIPp's statistics CSV (`;`-separated, cumulative columns end in `(C)`). */
async function readStats(file: string): Promise<Record<string, string>> {
  let csv: string;
  try {
    csv = await readFile(file, 'utf8');
  } catch {
    return {};
  }
  const lines = csv.split('\n').filter((line) => line.trim() !== '');
  if (lines.length < 2) return {};
  const header = lines[0]?.split(';') ?? [];
  const last = lines[lines.length - 1]?.split(';') ?? [];
  const stats: Record<string, string> = {};
  header.forEach((name, i) => {
    if (name !== '') stats[name] = last[i] ?? '';
  });
  return stats;
}

interface ResponseTimes {
  /** INVITE → 200 times in ms, sorted. */
  readonly sorted: Float64Array;
  /**
   * Calls per second between the first and the last INVITE that got its 200 (each sent at
   * `Date_ms - response_time_ms`). SIPp's own `CallRate(C)` divides by the whole run, tail
   * of retransmissions included, so it understates the rate it held.
   */
  readonly rate: number;
}

/** `<scenario>_<pid>_rtt.csv`: a `Date_ms;response_time_ms;rtd_no` line per answered call. */
async function readResponseTimes(dir: string): Promise<ResponseTimes> {
  const file = (await readdir(dir)).find((name) => name.endsWith('_rtt.csv'));
  const times: number[] = [];
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const text = file === undefined ? '' : await readFile(join(dir, file), 'utf8');
  for (const line of text.split('\n')) {
    const [date, time] = line.split(';').map(Number);
    if (date === undefined || time === undefined || !Number.isFinite(date + time)) continue;
    times.push(time);
    first = Math.min(first, date - time);
    last = Math.max(last, date - time);
  }
  return {
    sorted: Float64Array.from(times).sort(),
    rate: times.length > 1 && last > first ? ((times.length - 1) * 1000) / (last - first) : 0,
  };
}

/** Nearest-rank percentile of sorted values; NaN when there are none. */
function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN;
}
