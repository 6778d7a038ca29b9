/**
 * A peer process (SIPp, baresip) for end-to-end tests: output captured, waited on by pattern,
 * always stopped by its own PID (SIGTERM, then SIGKILL after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface PeerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** stdout and stderr interleaved, as far as it has come. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  readonly running: boolean;
  /** Resolves when `pattern` appears in the output; rejects on exit or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** Output kept per process: enough for a failure message, bounded for long runs. */
const MAX_OUTPUT = 16 * 1024 * 1024;

export function spawnPeer(
  name: string,
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): PeerProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: string): void => {
    output += chunk;
    if (output.length > MAX_OUTPUT) output = output.slice(-MAX_OUTPUT / 2);
  };
  child.stdout.setEncoding('utf8').on('data', append);
  child.stderr.setEncoding('utf8').on('data', append);
  let running = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (error) => {
      append(`\n[${name}: ${error.message}]\n`);
      running = false;
      resolve('spawn-error');
    });
    child.once('close', (code, signal) => {
      running = false;
      resolve(code ?? signal ?? 'unknown');
    });
  });

  return {
    name,
    child,
    output: () => output,
    exited,
    get running() {
      return running;
    },
    waitForOutput(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          const match = pattern.exec(output);
          if (match) {
            clearInterval(poll);
            resolve(match);
          } else if (!running || Date.now() - started > timeoutMs) {
            clearInterval(poll);
            reject(
              new Error(
                `${name}: no ${String(pattern)} in its output (${running ? 'timed out' : 'it exited'}):\n${output.slice(-4000)}`,
              ),
            );
          }
        }, 25);
      });
    },
    async stop(graceMs = 3000) {
      if (!running) {
        await exited;
        return;
      }
      child.kill('SIGTERM');
      const killer = setTimeout(() => {
        if (running) child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Polls `check` every 25 ms until it returns a value other than undefined. */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
  explain: () => string = () => '',
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) {
      const more = explain();
      throw new Error(
        `timed out after ${String(timeoutMs)} ms waiting for ${what}${more === '' ? '' : `\n${more}`}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
