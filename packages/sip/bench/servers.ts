/**
 * The two servers `npm run bench:sip` drives, each started fresh for every load step (a server
 * that just failed calls may still be retransmitting or holding transactions) and pinned to one
 * core with `taskset`:
 *
 * - `ours`: bench/uas-server.ts in its own Node process (tsx, like the other benchmarks): the
 *   `createSipStack` user agent, or with `uas: 'test'` the stack tests' TestUas.
 * - `kamailio`: Kamailio 5.6 from Debian with bench/kamailio.cfg, a stateless responder with
 *   one UDP worker.
 *
 * Both are ready once they answer an OPTIONS over UDP. Every process started here is killed
 * when the harness exits, however it exits.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/stack/test-support/sipp.js';
import { processTree } from './proc.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const UAS_ENTRY = fileURLToPath(new URL('./uas-server.ts', import.meta.url));
const KAMAILIO_CFG = fileURLToPath(new URL('./kamailio.cfg', import.meta.url));
export const KAMAILIO = '/usr/sbin/kamailio';
export const TASKSET = '/usr/bin/taskset';

export type ServerName = 'ours' | 'kamailio';

/** The program name each server's processes show in /proc/PID/comm (taskset execs it). */
const COMMANDS: Readonly<Record<ServerName, string>> = { ours: 'node', kamailio: 'kamailio' };

export interface StartOptions {
  /** The CPU core to pin the server to (`taskset -c`). */
  readonly core: number;
  /** Extra Node flags for our UAS (e.g. `--cpu-prof`); ignored for Kamailio. */
  readonly nodeFlags?: readonly string[];
  /** Which of our UASes (bench/uas-server.ts): `ua` (createSipStack, default) or `test`. */
  readonly uas?: 'ua' | 'test';
}

export interface RunningServer {
  readonly name: ServerName;
  readonly port: number;
  /** The server's processes (Kamailio: the main one and its forks). */
  readonly pids: readonly number[];
  /** Stops it (SIGTERM, then SIGKILL for what is left after `STOP_GRACE_MS`). */
  stop(): Promise<void>;
}

/** A harness failure (a server that does not start): the run stops with a non-zero exit. */
export class HarnessError extends Error {}

/** How long a server may take to end after SIGTERM (writing a CPU profile takes a while). */
const STOP_GRACE_MS = 15_000;

/**
 * Servers started and not yet stopped, with their processes once known, killed outright if the
 * harness exits before stopping them (Kamailio's forks outlive a killed main process).
 */
const running = new Map<ChildProcess, { pids: readonly number[]; command: string }>();
/** Kamailio runtime directories not yet removed. */
const scratchDirs = new Set<string>();
process.once('exit', () => {
  for (const [child, { pids, command }] of running) {
    child.kill('SIGKILL');
    for (const pid of pids) if (commandOfSync(pid) === command) killQuietly(pid);
  }
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

export async function startServer(name: ServerName, options: StartOptions): Promise<RunningServer> {
  return name === 'ours' ? startOurs(options) : startKamailio(options);
}

async function startOurs(options: StartOptions): Promise<RunningServer> {
  const child = spawnTracked(
    'ours',
    TASKSET,
    [
      '-c',
      String(options.core),
      process.execPath,
      ...(options.nodeFlags ?? []),
      '--import',
      'tsx',
      UAS_ENTRY,
      '0',
      options.uas ?? 'ua',
    ],
    REPO_ROOT,
  );
  try {
    const port = await listeningPort(child);
    await answersOptions(port, child);
    return server('ours', port, child, await pidsOf(child));
  } catch (error) {
    await stopChild(child, [child.pid ?? 0], COMMANDS.ours);
    throw error;
  }
}

async function startKamailio(options: StartOptions): Promise<RunningServer> {
  const port = await freePort();
  const runtimeDir = await mkdtemp(join(tmpdir(), 'bench-kamailio-'));
  // -DD: stay in the foreground (the child is the main process); -E: log to stderr;
  // -m/-M: shared and per-process memory pools (MB); -Y: runtime directory.
  const child = spawnTracked(
    'kamailio',
    TASKSET,
    [
      '-c',
      String(options.core),
      KAMAILIO,
      '-f',
      KAMAILIO_CFG,
      '-DD',
      '-E',
      '-m',
      '64',
      '-M',
      '8',
      '-Y',
      runtimeDir,
      '-l',
      `udp:127.0.0.1:${String(port)}`,
    ],
    runtimeDir,
  );
  scratchDirs.add(runtimeDir);
  const cleanup = async (): Promise<void> => {
    await rm(runtimeDir, { recursive: true, force: true });
    scratchDirs.delete(runtimeDir);
  };
  try {
    // `kamailio -c` misses module fixup errors: only an answer proves the configuration works.
    await answersOptions(port, child);
    const pids = await pidsOf(child);
    const started = server('kamailio', port, child, pids);
    return {
      ...started,
      stop: () => started.stop().finally(cleanup),
    };
  } catch (error) {
    await stopChild(child, await pidsOf(child), COMMANDS.kamailio);
    await cleanup();
    throw error;
  }
}

function server(
  name: ServerName,
  port: number,
  child: ChildProcess,
  pids: readonly number[],
): RunningServer {
  running.set(child, { pids, command: COMMANDS[name] });
  return { name, port, pids, stop: () => stopChild(child, pids, COMMANDS[name]) };
}

interface Tracked {
  /** The last few kilobytes of what the process wrote, for error messages. */
  output(): string;
}
const outputs = new WeakMap<ChildProcess, Tracked>();

function spawnTracked(
  name: ServerName,
  command: string,
  args: readonly string[],
  cwd: string,
): ChildProcessWithoutNullStreams {
  const child = spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  running.set(child, { pids: [], command: COMMANDS[name] });
  child.once('error', () => running.delete(child));
  let tail = '';
  const keep = (chunk: string): void => {
    tail = (tail + chunk).slice(-4000);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  outputs.set(child, { output: () => tail });
  return child;
}

function outputOf(child: ChildProcess): string {
  return outputs.get(child)?.output() ?? '';
}

/** The port from the UAS's `listening <port>` line. */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      done(new HarnessError(`our UAS did not start within 20 s:\n${outputOf(child)}`));
    }, 20_000);
    const onData = (chunk: string): void => {
      seen += chunk;
      const match = /^listening ([0-9]+)$/m.exec(seen);
      if (match?.[1] !== undefined) done(undefined, Number(match[1]));
    };
    const onExit = (): void => {
      done(new HarnessError(`our UAS exited before listening:\n${outputOf(child)}`));
    };
    const done = (error: Error | undefined, port?: number): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (error === undefined && port !== undefined) resolve(port);
      else reject(error ?? new HarnessError('our UAS gave no port'));
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Sends OPTIONS every 100 ms until a 200 comes back (10 s at most). */
async function answersOptions(port: number, child: ChildProcess): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const local = socket.address().port;
  try {
    await new Promise<void>((resolve, reject) => {
      let attempt = 0;
      const send = (): void => {
        attempt += 1;
        if (attempt > 100 || child.exitCode !== null || child.signalCode !== null) {
          clearInterval(timer);
          reject(
            new HarnessError(
              `nothing answered OPTIONS on 127.0.0.1:${String(port)}:\n${outputOf(child)}`,
            ),
          );
          return;
        }
        socket.send(options(port, local, attempt), port, '127.0.0.1');
      };
      const timer = setInterval(send, 100);
      socket.on('message', (datagram) => {
        if (datagram.subarray(0, 12).toString('latin1') === 'SIP/2.0 200 ') {
          clearInterval(timer);
          resolve();
        }
      });
      send();
    });
  } finally {
    socket.close();
  }
}

function options(port: number, local: number, attempt: number): string {
  return [
    `OPTIONS sip:probe@127.0.0.1:${String(port)} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${String(local)};branch=z9hG4bK-bench-probe-${String(attempt)}`,
    'Max-Forwards: 70',
    `From: <sip:bench@127.0.0.1:${String(local)}>;tag=bench-probe`,
    `To: <sip:probe@127.0.0.1:${String(port)}>`,
    `Call-ID: bench-probe-${String(local)}`,
    `CSeq: ${String(attempt)} OPTIONS`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

async function pidsOf(child: ChildProcess): Promise<number[]> {
  return child.pid === undefined ? [] : processTree(child.pid);
}

/**
 * SIGTERM to the main process, then SIGKILL to whatever of `pids` still runs `command` (the
 * name in /proc/PID/comm) after `STOP_GRACE_MS`.
 */
async function stopChild(
  child: ChildProcess,
  pids: readonly number[],
  command: string,
): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        resolve();
      });
    });
    child.kill('SIGTERM');
    child.stdin?.end();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS))]);
  }
  for (const pid of pids) {
    // Only a process still running the server's program: never a newcomer that got the PID.
    if (pid > 0 && (await commandOf(pid)) === command) killQuietly(pid);
  }
  running.delete(child);
}

async function commandOf(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${String(pid)}/comm`, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

function commandOfSync(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${String(pid)}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone between the check and the kill.
  }
}
