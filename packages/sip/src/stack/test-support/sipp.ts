/**
 * Runs SIPp (Debian sip-tester, /usr/bin/sipp) against a stack under test, on 127.0.0.1, and
 * reads back its exit code and its statistics CSV (`-trace_stat`). The process is always killed
 * and its scratch directory removed, whatever happens.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SIPP = '/usr/bin/sipp';
export const sippInstalled = existsSync(SIPP);

export interface SippRun {
  /** Scenario arguments: `['-sn', 'uac']` or `['-sf', file]`, plus `-t t1`, `-lost 10`... */
  readonly args: readonly string[];
  /** `host:port` to call. */
  readonly remote: string;
  /** Calls to make (`-m`). */
  readonly calls: number;
  /** Calls per second (`-r`). */
  readonly rate: number;
  /** SIPp's own global timeout, in seconds (`-timeout`, with `-timeout_error`). */
  readonly timeoutSeconds: number;
}

export interface SippResult {
  /** 0: every call succeeded; 1: some failed; 97/99/-1/-2: SIPp's other outcomes. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Last line of the statistics CSV, by column name (cumulative columns end in `(C)`). */
  readonly stats: Readonly<Record<string, string>>;
  readonly successfulCalls: number;
  readonly failedCalls: number;
  /** Retransmissions SIPp made. */
  readonly retransmissions: number;
  /** SIPp's unexpected-message log (`-trace_err`), empty when there was none. */
  readonly errors: string;
}

/** A port free for both UDP and TCP on 127.0.0.1, for SIPp's `-p` (it defaults to 5060). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const udp = createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => {
        resolve(udp.address().port);
      });
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => {
        resolve(false);
      });
      server.listen(port, '127.0.0.1', () => {
        server.close(() => {
          resolve(true);
        });
      });
    });
    await new Promise<void>((resolve) => {
      udp.close(() => {
        resolve();
      });
    });
    if (tcpFree) return port;
  }
  throw new Error('no port free for both UDP and TCP on 127.0.0.1');
}

/** Runs SIPp to completion (or kills it after its own timeout plus 10 s). */
export async function runSipp(run: SippRun): Promise<SippResult> {
  const dir = await mkdtemp(join(tmpdir(), 'sipp-'));
  const statsFile = join(dir, 'stats.csv');
  const errorFile = join(dir, 'errors.log');
  const args = [
    run.remote,
    ...run.args,
    '-i',
    '127.0.0.1',
    '-p',
    String(await freePort()),
    '-m',
    String(run.calls),
    '-r',
    String(run.rate),
    '-nostdin',
    '-timeout',
    String(run.timeoutSeconds),
    '-timeout_error',
    '-trace_stat',
    '-stf',
    statsFile,
    '-fd',
    '1',
    '-trace_err',
    '-error_file',
    errorFile,
  ];
  const child = spawn(SIPP, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let killer: NodeJS.Timeout | undefined;
  try {
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, sig) => {
          resolve([code, sig]);
        });
        killer = setTimeout(
          () => {
            child.kill('SIGKILL');
          },
          (run.timeoutSeconds + 10) * 1000,
        );
      },
    );
    const stats = parseStats(await readIfThere(statsFile));
    const count = (column: string): number => Number(stats[column] ?? Number.NaN);
    return {
      exitCode,
      signal,
      stdout,
      stderr,
      stats,
      successfulCalls: count('SuccessfulCall(C)'),
      failedCalls: count('FailedCall(C)'),
      retransmissions: count('Retransmissions(C)'),
      errors: await readIfThere(errorFile),
    };
  } finally {
    clearTimeout(killer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

async function readIfThere(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return '';
  }
}

/** SIPp's CSV: a header line, then one line per dump, `;`-separated; the last line is final. */
function parseStats(csv: string): Record<string, string> {
  const lines = csv.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0]?.split(';') ?? [];
  const last = lines.length > 1 ? (lines[lines.length - 1]?.split(';') ?? []) : [];
  const stats: Record<string, string> = {};
  header.forEach((name, i) => {
    if (name !== '') stats[name] = last[i] ?? '';
  });
  return stats;
}
