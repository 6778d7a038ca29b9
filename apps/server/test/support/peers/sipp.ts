/**
 * SIPp (Debian sip-tester, /usr/bin/sipp) as a real peer in the background: a "carrier" that
 * places calls (UAC) or a phone/trunk that answers them (UAS), with its own scratch directory
 * holding the message log (`-trace_msg`), statistics, error log and any files the scenario
 * plays. `stop()` always kills it and removes the directory.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnPeer, waitUntil, type PeerProcess } from './child.js';
import { freePort } from './ports.js';
import { readSippTrace, summarize, type TracedMessage } from './sip-trace.js';

export const SIPP = '/usr/bin/sipp';
export const sippInstalled = existsSync(SIPP);

const SCENARIOS = fileURLToPath(new URL('./scenarios/', import.meta.url));

/** A scenario shipped in ./scenarios, by file name, or any path. */
export function scenarioPath(name: string): string {
  return isAbsolute(name) ? name : join(SCENARIOS, name);
}

export interface SippOptions {
  /** Names the peer in failure messages: `carrier`, `cell`. */
  readonly name: string;
  readonly scenario: string;
  /** `host:port` to call; leave out for a UAS. */
  readonly remote?: string;
  /** Local SIP port (`-p`); a free one when left out. */
  readonly port?: number;
  /** `-s`: the user part of the Request-URI (`[service]`). */
  readonly service?: string;
  /** `-key NAME VALUE`: fills `[NAME]` in the scenario. */
  readonly keys?: Readonly<Record<string, string>>;
  /** `-d`: how long a `<pause/>` without its own duration lasts. */
  readonly pauseMs?: number;
  /** Calls to place or answer before SIPp exits (`-m`); 1 by default, 0 for no limit. */
  readonly calls?: number;
  /** Calls per second (`-r`) for a UAC. */
  readonly rate?: number;
  /** SIPp's RTP port (`-mp`, `[media_port]`); with `rtpEcho` it echoes what it receives. */
  readonly mediaPort?: number;
  readonly rtpEcho?: boolean;
  /** SIPp's own global timeout (`-timeout` with `-timeout_error`). */
  readonly timeoutSeconds: number;
  /** Files written into SIPp's directory before it starts (its working directory). */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
  /** Keep the message log (on by default; off for load runs). */
  readonly traceMessages?: boolean;
  /** More arguments, e.g. `['-trace_logs']`, `['-buff_size', '4194304']`. */
  readonly extraArgs?: readonly string[];
  /** Runs SIPp through this command first, e.g. `['taskset', '-c', '0']`. */
  readonly wrapper?: readonly string[];
}

export interface SippOutcome {
  /** 0: every call succeeded; 1: some failed; 97/99/-1/-2 and signals: SIPp's other ends. */
  readonly exitCode: number | string;
  readonly successfulCalls: number;
  readonly failedCalls: number;
  /** SIPp's unexpected-message log (`-trace_err`), empty when there was none. */
  readonly errors: string;
  readonly messages: readonly TracedMessage[];
  /** The final line of the statistics CSV, by column. */
  readonly stats: Readonly<Record<string, string>>;
}

export interface SippPeer {
  readonly name: string;
  readonly port: number;
  readonly dir: string;
  readonly process: PeerProcess;
  /** Every message so far. */
  messages(): Promise<TracedMessage[]>;
  /** Resolves with the first message that matches; rejects if SIPp exits or time runs out. */
  waitForMessage(
    what: string,
    predicate: (message: TracedMessage) => boolean,
    timeoutMs?: number,
  ): Promise<TracedMessage>;
  /** The statistics SIPp has written so far (`-fd 1`: every second), by column. */
  stats(): Promise<Record<string, string>>;
  /** Resolves when SIPp has exited by itself (its calls done, or its timeout). */
  finished(timeoutMs?: number): Promise<SippOutcome>;
  /** The message log, the error log and the tail of the output, for failure messages. */
  describe(): Promise<string>;
  /** Kills SIPp if it still runs and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** SIPp's statistics CSV: a header line, then one line per dump; the last line is final. */
function lastStats(csv: string): Record<string, string> {
  const lines = csv.split('\n').filter((line) => line.trim() !== '');
  const names = lines[0]?.split(';') ?? [];
  const last = lines.length > 1 ? (lines[lines.length - 1]?.split(';') ?? []) : [];
  const stats: Record<string, string> = {};
  names.forEach((name, i) => {
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

/** True once SIPp holds its UDP port (this process can no longer bind it). */
async function udpTaken(port: number): Promise<boolean> {
  const { createSocket } = await import('node:dgram');
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

export async function startSipp(options: SippOptions): Promise<SippPeer> {
  const dir = await mkdtemp(join(tmpdir(), `sipp-${options.name}-`));
  const port = options.port ?? (await freePort());
  const traceFile = join(dir, 'messages.log');
  const statsFile = join(dir, 'stats.csv');
  const errorFile = join(dir, 'errors.log');
  for (const [name, content] of Object.entries(options.files ?? {})) {
    await writeFile(join(dir, name), content);
  }
  const args: string[] = [];
  if (options.remote !== undefined) args.push(options.remote);
  args.push('-sf', scenarioPath(options.scenario), '-i', '127.0.0.1', '-p', String(port));
  if (options.calls !== 0) args.push('-m', String(options.calls ?? 1));
  args.push('-nostdin');
  args.push('-timeout', `${String(options.timeoutSeconds)}s`, '-timeout_error');
  if (options.rate !== undefined) args.push('-r', String(options.rate));
  if (options.service !== undefined) args.push('-s', options.service);
  if (options.pauseMs !== undefined) args.push('-d', String(options.pauseMs));
  if (options.mediaPort !== undefined)
    args.push('-mi', '127.0.0.1', '-mp', String(options.mediaPort));
  if (options.rtpEcho === true) args.push('-rtp_echo');
  for (const [key, value] of Object.entries(options.keys ?? {})) args.push('-key', key, value);
  if (options.traceMessages !== false) args.push('-trace_msg', '-message_file', traceFile);
  args.push('-trace_stat', '-stf', statsFile, '-fd', '1', '-trace_err', '-error_file', errorFile);
  args.push(...(options.extraArgs ?? []));
  const wrapper = options.wrapper ?? [];
  const [command, ...rest] = [...wrapper, SIPP, ...args];
  const process = spawnPeer(`SIPp ${options.name}`, command ?? SIPP, rest, { cwd: dir });

  let stopped = false;
  const messages = (): Promise<TracedMessage[]> => readSippTrace(traceFile);
  const describe = async (): Promise<string> => {
    const errors = await readIfThere(errorFile);
    return [
      `--- SIPp ${options.name} (${options.scenario}) messages:`,
      summarize(await messages()),
      errors.trim() === '' ? '' : `--- SIPp ${options.name} errors:\n${errors.slice(-3000)}`,
      `--- SIPp ${options.name} output (tail):\n${process.output().slice(-1500)}`,
    ].join('\n');
  };
  const peer: SippPeer = {
    name: options.name,
    port,
    dir,
    process,
    messages,
    async waitForMessage(what, predicate, timeoutMs = 10_000) {
      return waitUntil(
        `SIPp ${options.name} to see ${what}`,
        async () => {
          const found = (await messages()).find(predicate);
          if (found === undefined && !process.running) {
            throw new Error(`SIPp ${options.name} exited before ${what}\n${await describe()}`);
          }
          return found;
        },
        timeoutMs,
      ).catch(async (error: unknown) => {
        if (error instanceof Error && error.message.startsWith('timed out')) {
          throw new Error(`${error.message}\n${await describe()}`);
        }
        throw error;
      });
    },
    async finished(timeoutMs = (options.timeoutSeconds + 5) * 1000) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => {
          resolve('timeout');
        }, timeoutMs);
      });
      const exitCode = await Promise.race([process.exited, timedOut]);
      clearTimeout(timer);
      if (exitCode === 'timeout') {
        throw new Error(
          `SIPp ${options.name} still runs after ${String(timeoutMs)} ms\n${await describe()}`,
        );
      }
      const stats = lastStats(await readIfThere(statsFile));
      return {
        exitCode,
        successfulCalls: Number(stats['SuccessfulCall(C)'] ?? Number.NaN),
        failedCalls: Number(stats['FailedCall(C)'] ?? Number.NaN),
        errors: await readIfThere(errorFile),
        messages: await messages(),
        stats,
      };
    },
    describe,
    async stats() {
      return lastStats(await readIfThere(statsFile));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await process.stop(1000);
      await rm(dir, { recursive: true, force: true });
    },
  };

  // A UAS must be listening before anything calls it; a UAC starts calling by itself.
  if (options.remote === undefined) {
    try {
      await waitUntil(
        `SIPp ${options.name} to listen on udp ${String(port)}`,
        async () => {
          if (!process.running)
            throw new Error(`SIPp ${options.name} exited:\n${process.output()}`);
          return (await udpTaken(port)) ? true : undefined;
        },
        10_000,
      );
    } catch (error) {
      await peer.stop();
      throw error;
    }
  }
  return peer;
}
