/**
 * SIPp (Debian sip-tester 3.6.1) as a caller with RTP, for the media tests: runs one scenario
 * against the test UAS on 127.0.0.1 with its media on a free port range (`-mi`/`-mp`: where its
 * `play_pcap_audio` actions send from, and what its SDP announces), waits for it to finish and
 * reads its statistics. The process is always killed and its scratch directory removed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, freeUdpRange } from './ports.js';

export const SIPP = '/usr/bin/sipp';
export const sippInstalled = existsSync(SIPP);

/** A test title that says why the test is skipped when SIPp is not installed. */
export function needsSipp(title: string): string {
  return sippInstalled
    ? title
    : `${title} [skipped: ${SIPP} is missing; apt-get install sip-tester]`;
}
/** The RTP captures that come with sip-tester: RFC 4733 digits and G.711 A-law speech. */
export const SIPP_PCAPS = '/usr/share/sip-tester';

export function scenario(name: string): string {
  return fileURLToPath(new URL(`./sipp/${name}`, import.meta.url));
}

export interface SippCall {
  /** Scenario file (`-sf`). */
  readonly scenario: string;
  /** `host:port` to call. */
  readonly remote: string;
  /** Request-URI user (`-s`, `[service]` in the scenario). */
  readonly service: string;
  /** `-key NAME VALUE` pairs for `[NAME]` in the scenario. */
  readonly keys?: Readonly<Record<string, string>>;
  /** SIPp's own timeout in seconds; the process is killed 10 s after it. */
  readonly timeoutSeconds: number;
}

export interface SippOutcome {
  /** 0: the call succeeded. */
  readonly exitCode: number | null;
  readonly successfulCalls: number;
  readonly failedCalls: number;
  /** SIPp's unexpected-message log, empty when there was none. */
  readonly errors: string;
  readonly output: string;
}

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

/**
 * Runs one call of `call.scenario` and resolves when SIPp has exited. Ports are probed free
 * first, but another test may bind one before SIPp does: SIPp then exits at once ("Unable to
 * bind", before it sends anything), and the run is tried again with new ports.
 */
export async function runSippCall(call: SippCall): Promise<SippOutcome> {
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await runOnce(call);
    const clash =
      outcome.exitCode !== 0 && /Unable to bind.*Address already in use/.test(outcome.output);
    if (!clash || attempt >= 3) return outcome;
  }
}

async function runOnce(call: SippCall): Promise<SippOutcome> {
  const dir = await mkdtemp(join(tmpdir(), 'sipp-media-'));
  const statsFile = join(dir, 'stats.csv');
  const errorFile = join(dir, 'errors.log');
  // SIPp takes the media port and the one two above (video): four ports keep RTCP's free too.
  const media = await freeUdpRange(4);
  const args = [
    call.remote,
    '-sf',
    call.scenario,
    '-s',
    call.service,
    '-i',
    '127.0.0.1',
    '-p',
    String(await freePort()),
    '-mi',
    '127.0.0.1',
    '-mp',
    String(media.min),
    '-m',
    '1',
    '-nostdin',
    '-timeout',
    String(call.timeoutSeconds),
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
  for (const [name, value] of Object.entries(call.keys ?? {})) args.push('-key', name, value);
  const child = spawn(SIPP, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  let killer: NodeJS.Timeout | undefined;
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => {
        resolve(code);
      });
      killer = setTimeout(
        () => {
          child.kill('SIGKILL');
        },
        (call.timeoutSeconds + 10) * 1000,
      );
    });
    const stats = lastStats(await readIfThere(statsFile));
    return {
      exitCode,
      successfulCalls: Number(stats['SuccessfulCall(C)'] ?? Number.NaN),
      failedCalls: Number(stats['FailedCall(C)'] ?? Number.NaN),
      errors: await readIfThere(errorFile),
      output: output.slice(-3000),
    };
  } finally {
    clearTimeout(killer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}
