/**
 * SIPp (Debian sip-tester) running as a UAS in the background on 127.0.0.1, for tests in which
 * the stack places the calls. Unlike `runSipp` (stack/test-support), the port is chosen here and
 * known before SIPp starts, and the test waits until SIPp listens. `stop()` always kills it and
 * removes its scratch directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIPP, freePort } from '../../stack/test-support/sipp.js';

export const UAS_SCENARIO = fileURLToPath(new URL('./sipp/uas.xml', import.meta.url));

export interface SippUasOptions {
  readonly transport: 'udp' | 'tcp';
  /** Calls SIPp answers before it exits (`-m`). */
  readonly calls: number;
  /** SIPp's global timeout in seconds (`-timeout`, with `-timeout_error`). */
  readonly timeoutSeconds: number;
  readonly scenario?: string;
}

export interface SippUasResult {
  readonly exitCode: number | null;
  readonly successfulCalls: number;
  readonly failedCalls: number;
  /** SIPp's unexpected-message log, empty when there was none. */
  readonly errors: string;
  readonly output: string;
}

export interface SippUas {
  readonly port: number;
  /** Resolves when SIPp exits by itself (after `calls` calls, or its timeout). */
  readonly finished: Promise<SippUasResult>;
  /** Kills SIPp if it still runs and removes its directory. */
  stop(): Promise<void>;
}

/** SIPp's statistics CSV: a header line, then one line per dump; the last line is final. */
function lastStats(csv: string): Record<string, string> {
  const lines = csv.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0]?.split(';') ?? [];
  const last = lines.length > 1 ? (lines[lines.length - 1]?.split(';') ?? []) : [];
  const stats: Record<string, string> = {};
  header.forEach((name, i) => {
    if (name !== '') stats[name] = last[i] ?? '';
  });
  return stats;
}

async function readIfThere(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return '';
  }
}

/** True once something listens on 127.0.0.1:port (UDP: the port cannot be bound any more). */
async function listening(transport: 'udp' | 'tcp', port: number): Promise<boolean> {
  if (transport === 'tcp') {
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        socket.destroy();
        resolve(false);
      });
    });
  }
  return new Promise((resolve) => {
    const probe = createSocket('udp4');
    probe.once('error', () => {
      probe.close();
      resolve(true);
    });
    probe.bind(port, '127.0.0.1', () => {
      probe.close(() => {
        resolve(false);
      });
    });
  });
}

export async function startSippUas(options: SippUasOptions): Promise<SippUas> {
  const dir = await mkdtemp(join(tmpdir(), 'sipp-uas-'));
  const port = await freePort();
  const statsFile = join(dir, 'stats.csv');
  const errorFile = join(dir, 'errors.log');
  const args = [
    '-sf',
    options.scenario ?? UAS_SCENARIO,
    '-t',
    options.transport === 'tcp' ? 't1' : 'u1',
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-m',
    String(options.calls),
    '-nostdin',
    '-timeout',
    String(options.timeoutSeconds),
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
  const child: ChildProcess = spawn(SIPP, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      resolve(code);
    });
  });
  const finished = exited.then(async (exitCode) => {
    const stats = lastStats(await readIfThere(statsFile));
    return {
      exitCode,
      successfulCalls: Number(stats['SuccessfulCall(C)'] ?? Number.NaN),
      failedCalls: Number(stats['FailedCall(C)'] ?? Number.NaN),
      errors: await readIfThere(errorFile),
      output: output.slice(-3000),
    };
  });
  // Nobody may be awaiting `finished` yet when SIPp fails early: keep it from going unhandled.
  finished.catch(() => undefined);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited.catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) break;
    if (await listening(options.transport, port)) return { port, finished, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(
    `SIPp did not start listening on ${options.transport} ${String(port)}:\n${output}`,
  );
}
