/**
 * Runs SIPVicious 0.3.3 (Debian `sipvicious`: `svwar`, `svcrack`) against a server on loopback
 * and reads what it reported. Each run is bounded: it is interrupted (SIGINT, so the tool still
 * prints its results) when `stopWhen` sees what the test waits for or when `timeoutMs` passes,
 * and its whole process group is killed 2 s later if it has not ended, and in any case before
 * `runScanner` returns.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const SVWAR = '/usr/bin/svwar';
export const SVCRACK = '/usr/bin/svcrack';
export const sipviciousInstalled = existsSync(SVWAR) && existsSync(SVCRACK);

export interface ScannerRun {
  /** SVWAR or SVCRACK. */
  readonly command: string;
  readonly args: readonly string[];
  /** Interrupted after this long, whatever happens. */
  readonly timeoutMs: number;
  /**
   * Looked at after each output chunk and every 100 ms; true interrupts the run (what the test
   * waited for has come, in the tool's output or on the server's side).
   */
  readonly stopWhen?: (output: string) => boolean;
}

export interface ScannerResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** stdout (the results table) and stderr (the log) interleaved as they came. */
  readonly output: string;
  /** Interrupted at `timeoutMs`, rather than ending by itself or by `stopWhen`. */
  readonly timedOut: boolean;
  /** Extensions svwar said exist (log lines and results table). */
  readonly extensions: readonly string[];
  /** `user:password` pairs svcrack said it found. */
  readonly passwords: readonly string[];
}

/** How long an interrupted scanner gets to print its results before its group is killed. */
const KILL_AFTER_MS = 2_000;

export async function runScanner(run: ScannerRun): Promise<ScannerResult> {
  // Its own process group, so the group can be killed whatever the tool started.
  const child = spawn(run.command, [...run.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  let timedOut = false;
  let interrupted = false;
  let killer: NodeJS.Timeout | undefined;
  const signalGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  const interrupt = (): void => {
    if (interrupted) return;
    interrupted = true;
    signalGroup('SIGINT');
    killer = setTimeout(() => {
      signalGroup('SIGKILL');
    }, KILL_AFTER_MS);
  };
  const onData = (chunk: string): void => {
    output += chunk;
    if (run.stopWhen?.(output) === true) interrupt();
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  const timer = setTimeout(() => {
    timedOut = true;
    interrupt();
  }, run.timeoutMs);
  const poll = setInterval(() => {
    if (run.stopWhen?.(output) === true) interrupt();
  }, 100);
  try {
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, sig) => {
          resolve([code, sig]);
        });
      },
    );
    return {
      exitCode,
      signal,
      output,
      timedOut,
      extensions: foundExtensions(output),
      passwords: foundPasswords(output),
    };
  } finally {
    clearTimeout(timer);
    clearInterval(poll);
    clearTimeout(killer);
    signalGroup('SIGKILL');
  }
}

/** svwar: `extension '150' exists - requires authentication` and `| 150 | reqauth |` rows. */
function foundExtensions(output: string): string[] {
  const found = new Set<string>();
  for (const match of output.matchAll(/extension '([^']*)' (?:exists|probably exists)/g)) {
    if (match[1] !== undefined) found.add(match[1]);
  }
  for (const match of output.matchAll(/^\|\s*(\S+)\s*\|\s*(?:reqauth|noauth|weird)\s*\|$/gm)) {
    if (match[1] !== undefined) found.add(match[1]);
  }
  return [...found].sort();
}

/** svcrack: `The password for 150 is 7777` and `| 150 | 7777 |` rows under its header. */
function foundPasswords(output: string): string[] {
  const found = new Set<string>();
  for (const match of output.matchAll(/The password for (\S+) is (\S*)/g)) {
    found.add(`${match[1] ?? ''}:${match[2] ?? ''}`);
  }
  const table = /\|\s*Extension\s*\|\s*Password\s*\|[\s\S]*$/.exec(output)?.[0] ?? '';
  for (const match of table.matchAll(/^\|\s*(\S+)\s*\|\s*(\S+)\s*\|$/gm)) {
    if (match[1] !== 'Extension') found.add(`${match[1] ?? ''}:${match[2] ?? ''}`);
  }
  return [...found].sort();
}
