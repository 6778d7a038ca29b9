/**
 * SIPp 3.6.1 (Debian sip-tester) as the phone in the message-waiting tests: a process started
 * in the background (the test acts while the scenario waits), on 127.0.0.1, one call (`-m 1`),
 * bounded by SIPp's own timeout and a SIGKILL of its process group; its scratch directory
 * (error trace) is removed. `stop()` is always safe to call.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SIPP = '/usr/bin/sipp';
export const sippInstalled = existsSync(SIPP);

export function mwiScenario(name: 'mwi-subscribe' | 'mwi-register' | 'mwi-notify-uas'): string {
  return fileURLToPath(new URL(`./sipp/${name}.xml`, import.meta.url));
}

/** A UDP port free on 127.0.0.1 (SIPp's `-p`). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  const port = await new Promise<number>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      resolve(socket.address().port);
    });
  });
  await new Promise<void>((resolve) => {
    socket.close(() => {
      resolve();
    });
  });
  return port;
}

export interface SippOutcome {
  /** 0: the scenario passed (every check held). */
  readonly exitCode: number | null;
  /** The tail of stdout/stderr and the unexpected-message trace, for failure messages. */
  readonly output: string;
}

export interface RunningSipp {
  readonly done: Promise<SippOutcome>;
  stop(): Promise<void>;
}

export interface SippOptions {
  /** `-sf` scenario file. */
  readonly scenario: string;
  /** `host:port` of the server; omitted for a UAS that only waits. */
  readonly remote?: string;
  /** SIPp's own port (`-p`). */
  readonly port: number;
  /** `-s` (the [service] user part), `-au`/`-ap` credentials. */
  readonly service?: string;
  readonly auth?: { readonly user: string; readonly password: string };
  /**
   * Values of the scenario's `@@NAME@@` placeholders, written into a copy of it (SIPp 3.6
   * substitutes no variables inside `ereg` regular expressions, so `-key` cannot do this).
   */
  readonly values?: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
}

export async function startSipp(options: SippOptions): Promise<RunningSipp> {
  const dir = await mkdtemp(join(tmpdir(), 'sipp-mwi-'));
  let scenario = await readFile(options.scenario, 'utf8');
  for (const [name, value] of Object.entries(options.values ?? {})) {
    scenario = scenario.replaceAll(`@@${name}@@`, escapeRegExp(value));
  }
  const leftover = /@@(\w+)@@/.exec(scenario);
  if (leftover !== null)
    throw new Error(`no value for @@${leftover[1] ?? ''}@@ in ${options.scenario}`);
  const scenarioFile = join(dir, 'scenario.xml');
  await writeFile(scenarioFile, scenario);
  const args = [
    ...(options.remote === undefined ? [] : [options.remote]),
    '-sf',
    scenarioFile,
    '-i',
    '127.0.0.1',
    '-p',
    String(options.port),
    '-m',
    '1',
    '-nostdin',
    '-timeout',
    String(options.timeoutSeconds),
    '-timeout_error',
    '-trace_err',
    '-error_file',
    join(dir, 'errors.log'),
    ...(options.service === undefined ? [] : ['-s', options.service]),
    ...(options.auth === undefined ? [] : ['-au', options.auth.user, '-ap', options.auth.password]),
  ];
  const child = spawn(SIPP, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: dir });
  let output = '';
  const keep = (chunk: string): void => {
    output = (output + chunk).slice(-4000);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const killGroup = (): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const killer = setTimeout(killGroup, (options.timeoutSeconds + 5) * 1000);
  const done = (async (): Promise<SippOutcome> => {
    const exitCode = await new Promise<number | null>((resolve) => {
      child.once('error', () => {
        resolve(null);
      });
      child.once('close', resolve);
    });
    clearTimeout(killer);
    const errors = await readFile(join(dir, 'errors.log'), 'utf8').catch(() => '');
    return { exitCode, output: `${output}\n${errors.slice(-4000)}` };
  })();
  let stopped: Promise<void> | undefined;
  return {
    done,
    stop: () =>
      (stopped ??= (async () => {
        killGroup();
        await done;
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}

/** A literal for a POSIX extended regular expression (what SIPp's ereg uses). */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
