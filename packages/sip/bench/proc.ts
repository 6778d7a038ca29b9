/**
 * What `npm run bench:sip` reads from /proc about the processes of a step: a server's process
 * tree, its memory and the CPU time it and SIPp used, sampled while SIPp drives it.
 */
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/** Memory of a process tree, in bytes. */
export interface MemorySample {
  /** Sum of VmRSS (/proc/PID/status): counts pages shared between the processes once each. */
  readonly rss: number;
  /** Sum of Pss (/proc/PID/smaps_rollup): shared pages divided among the processes sharing them. */
  readonly pss: number;
}

/** `pid` and every process below it (Kamailio forks its workers; Node is one process). */
export async function processTree(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const parent = await parentOf(Number(entry));
    if (parent === undefined) continue;
    const children = parents.get(parent) ?? [];
    children.push(Number(entry));
    parents.set(parent, children);
  }
  const tree: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    tree.push(next);
    queue.push(...(parents.get(next) ?? []));
  }
  return tree;
}

async function parentOf(pid: number): Promise<number | undefined> {
  const stat = await readOrUndefined(`/proc/${String(pid)}/stat`);
  if (stat === undefined) return undefined;
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const parent = Number(fields[1]);
  return Number.isInteger(parent) ? parent : undefined;
}

/** Memory of the given processes now; processes that ended meanwhile count nothing. */
export async function memoryOf(pids: readonly number[]): Promise<MemorySample> {
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    rss += kib(await readOrUndefined(`/proc/${String(pid)}/status`), 'VmRSS');
    pss += kib(await readOrUndefined(`/proc/${String(pid)}/smaps_rollup`), 'Pss');
  }
  return { rss, pss };
}

/** A `Name:   1234 kB` line of a /proc file, in bytes (0 when absent). */
function kib(text: string | undefined, name: string): number {
  if (text === undefined) return 0;
  const match = new RegExp(`^${name}:\\s+([0-9]+) kB$`, 'm').exec(text);
  return match?.[1] === undefined ? 0 : Number(match[1]) * 1024;
}

async function readOrUndefined(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Kernel clock ticks per second, the unit of utime and stime in /proc/PID/stat. */
const CLOCK_TICKS = clockTicks();

function clockTicks(): number {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(result.stdout.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
}

/** CPU seconds (user + system) the given processes have used so far. */
export async function cpuSeconds(pids: readonly number[]): Promise<number> {
  let ticks = 0;
  for (const pid of pids) {
    const stat = await readOrUndefined(`/proc/${String(pid)}/stat`);
    if (stat === undefined) continue;
    // Fields after "(comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt
    // cmajflt utime stime (proc(5)), so utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return ticks / CLOCK_TICKS;
}

/** What a sampler saw over a step. */
export interface Usage {
  readonly memory: MemorySample;
  /** CPU time over wall time, 1 = one core busy the whole time. */
  readonly cpu: number;
}

/**
 * Samples some processes (a server's tree, listed once it answers; SIPp) every `intervalMs`
 * until stopped: the highest memory figures, and the CPU share from start to the last sample
 * (a process that exits stops counting at the sample before).
 */
export class ProcessSampler {
  #peak: MemorySample = { rss: 0, pss: 0 };
  #timer: NodeJS.Timeout | undefined;
  #sampling: Promise<void> = Promise.resolve();
  #startedAt = 0;
  #startCpu = 0;
  #lastAt = 0;
  #lastCpu = 0;

  constructor(
    private readonly pids: readonly number[],
    private readonly intervalMs = 200,
  ) {}

  async start(): Promise<void> {
    this.#startCpu = await cpuSeconds(this.pids);
    this.#startedAt = performance.now();
    this.#lastAt = this.#startedAt;
    this.#lastCpu = this.#startCpu;
    this.#timer = setInterval(() => {
      this.#sampling = this.#sampling.then(() => this.#sample());
    }, this.intervalMs);
  }

  /** Stops sampling, takes one last sample and returns what it saw. */
  async stop(): Promise<Usage> {
    clearInterval(this.#timer);
    await this.#sampling;
    await this.#sample();
    const wall = (this.#lastAt - this.#startedAt) / 1000;
    return {
      memory: this.#peak,
      cpu: wall > 0 ? (this.#lastCpu - this.#startCpu) / wall : 0,
    };
  }

  async #sample(): Promise<void> {
    const now = await memoryOf(this.pids);
    if (now.rss === 0) return; // gone: keep the figures of the last sample
    this.#peak = {
      rss: Math.max(this.#peak.rss, now.rss),
      pss: Math.max(this.#peak.pss, now.pss),
    };
    const cpu = await cpuSeconds(this.pids);
    if (cpu >= this.#lastCpu) {
      this.#lastCpu = cpu;
      this.#lastAt = performance.now();
    }
  }
}
