import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI: end-to-end tests run what `npm start` runs. `npm test` builds it first. */
export const CLI = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does it for you).`);
}

export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout, or rejects on exit/timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code once the process has ended. */
  exited(): Promise<number | null>;
  /** SIGTERM, then SIGKILL after a grace period; always resolves. */
  stop(): Promise<number | null>;
}

/** Env for a child CLI: the parent's PATH and HOME but none of its SWITCHBOARD_* settings. */
export function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('SWITCHBOARD_')) env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

export function runCliProcess(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
  /** Written to the command's standard input, which is then closed; none by default. */
  input?: string,
): CliProcess {
  assertBuilt();
  const child = spawn(process.execPath, [CLI, ...args], {
    env: cliEnv(env),
    cwd,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin?.end(input);
  const { stdout, stderr } = child;
  if (!stdout || !stderr) throw new Error('the CLI was spawned without output pipes');
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  let ended = false;
  void exit.then(() => {
    ended = true;
  });

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: () => exit,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          const match = out.match(pattern);
          if (match) {
            clearInterval(poll);
            resolve(match);
          } else if (ended || Date.now() - started > timeoutMs) {
            clearInterval(poll);
            reject(
              new Error(
                `no ${String(pattern)} in output (${ended ? 'process exited' : 'timed out'})\nstdout:\n${out}\nstderr:\n${err}`,
              ),
            );
          }
        }, 50);
      });
    },
    async stop() {
      if (ended) return exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs a CLI command to completion. */
export async function runCliToEnd(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = runCliProcess(args, env, cwd, input);
  const code = await cli.exited();
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** The password `switchboard start` printed for a demo user it created (random at each first run). */
export function printedPassword(stdout: string, email: string): string {
  const escaped = email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}\\s+password: (\\S+)`).exec(stdout);
  if (!match?.[1]) throw new Error(`no password for ${email} in the start-up banner:\n${stdout}`);
  return match[1];
}
