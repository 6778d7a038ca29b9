/**
 * What `npm run bench:sip` reads from /proc about a server under test: its process tree and
 * its memory, sampled while SIPp drives it.
 */
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

/**
 * Samples the memory of some processes (a server's tree, listed once it answers) every
 * `intervalMs` until stopped, and keeps the highest figures.
 */
export class MemorySampler {
  #peak: MemorySample = { rss: 0, pss: 0 };
  #timer: NodeJS.Timeout | undefined;
  #sampling: Promise<void> = Promise.resolve();

  constructor(
    private readonly pids: readonly number[],
    private readonly intervalMs = 200,
  ) {}

  start(): void {
    this.#timer = setInterval(() => {
      this.#sampling = this.#sampling.then(() => this.#sample());
    }, this.intervalMs);
  }

  /** Stops sampling, takes one last sample and returns the peaks. */
  async stop(): Promise<MemorySample> {
    clearInterval(this.#timer);
    await this.#sampling;
    await this.#sample();
    return this.#peak;
  }

  async #sample(): Promise<void> {
    const now = await memoryOf(this.pids);
    this.#peak = {
      rss: Math.max(this.#peak.rss, now.rss),
      pss: Math.max(this.#peak.pss, now.pss),
    };
  }
}
