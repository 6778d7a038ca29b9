import type { FlowClock, FlowTimers } from '../runtime/services.js';

/**
 * Simulated time for the simulator and element tests: a clock and timers where `sleep` takes no
 * real time. It is a tiny discrete-event scheduler. Sleepers wait in a queue ordered by wake-up
 * time (ties: first come, first woken); whenever the program has nothing left to do but wait,
 * the clock jumps to the earliest wake-up and that sleeper resumes. "Nothing left to do" means
 * every pending promise continuation has run, which is what one macrotask turn guarantees: the
 * scheduler yields a macrotask before each wake-up, so concurrent sleepers registered by
 * promise chains are all queued before time moves, and exactly one sleeper wakes per turn.
 *
 * Real asynchronous I/O (a real HTTP request) is not waited for: virtual time would run ahead
 * of it. The simulator gives flows in-memory services only.
 */
export interface VirtualTimeOptions {
  /**
   * Resolves after one macrotask turn (all pending microtasks have run). The default posts a
   * message on a MessageChannel, which unlike `setTimeout(0)` is not clamped to 1-4 ms and
   * exists in browsers and Node alike.
   */
  readonly yieldToEventLoop?: () => Promise<void>;
}

interface Sleeper {
  readonly wakeAt: number;
  readonly seq: number;
  wake(): void;
}

export class VirtualTime implements FlowClock, FlowTimers {
  #now: number;
  #seq = 0;
  /** Ordered by (wakeAt, seq): the head is the next to wake. */
  readonly #queue: Sleeper[] = [];
  #draining = false;
  #idleWaiters: (() => void)[] = [];
  readonly #yield: (() => Promise<void>) | undefined;

  /** @param startMs epoch milliseconds the clock shows before any sleep. */
  constructor(startMs: number, options: VirtualTimeOptions = {}) {
    if (!Number.isFinite(startMs)) {
      throw new RangeError(
        `VirtualTime needs a finite start time in epoch ms, got ${String(startMs)}`,
      );
    }
    this.#now = startMs;
    this.#yield = options.yieldToEventLoop;
  }

  now(): number {
    return this.#now;
  }

  /** Sleepers that will wake by themselves (an infinite sleep only ends by its abort). */
  get pending(): number {
    return this.#queue.filter((s) => Number.isFinite(s.wakeAt)).length;
  }

  /**
   * Resolves when virtual time reaches now + `ms` (negative counts as 0; Infinity waits for the
   * abort), or rejects with the signal's reason as soon as it aborts.
   */
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (Number.isNaN(ms)) return Promise.reject(new RangeError('sleep: ms is NaN'));
    // FlowTimers rejects with the signal's reason, which need not be an Error.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (signal.aborted) return Promise.reject(signal.reason as unknown);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#remove(sleeper);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(signal.reason as unknown);
        this.#settleIdle();
      };
      const sleeper: Sleeper = {
        wakeAt: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        wake: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#insert(sleeper);
      this.#startDraining();
    });
  }

  /**
   * Resolves once no sleeper is left that would wake by itself (after every wake-up has been
   * delivered and its continuations have run). Tests use it to let a scenario play out.
   */
  idle(): Promise<void> {
    if (!this.#draining && this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #insert(sleeper: Sleeper): void {
    // Binary search for the first entry that wakes strictly later: equal times keep their order.
    let lo = 0;
    let hi = this.#queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.#queue[mid];
      if (other !== undefined && other.wakeAt <= sleeper.wakeAt) lo = mid + 1;
      else hi = mid;
    }
    this.#queue.splice(lo, 0, sleeper);
  }

  #remove(sleeper: Sleeper): void {
    const index = this.#queue.indexOf(sleeper);
    if (index >= 0) this.#queue.splice(index, 1);
  }

  #startDraining(): void {
    if (this.#draining) return;
    this.#draining = true;
    void this.#drain();
  }

  async #drain(): Promise<void> {
    const turn = this.#yield ? { next: this.#yield, close: () => undefined } : macrotaskTurns();
    try {
      for (;;) {
        await turn.next();
        const next = this.#queue[0];
        if (next === undefined || !Number.isFinite(next.wakeAt)) break;
        this.#queue.shift();
        this.#now = Math.max(this.#now, next.wakeAt);
        next.wake();
      }
    } finally {
      turn.close();
      this.#draining = false;
      this.#settleIdle();
    }
  }

  #settleIdle(): void {
    if (this.#draining || this.pending > 0 || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** The part of MessageChannel used here, typed structurally so browser and Node typings agree. */
interface MessagePortLike {
  onmessage: ((event: unknown) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

/**
 * One channel per drain: each `next()` resolves on the following macrotask turn. The port is
 * closed when the drain ends so it never keeps a Node process alive.
 */
function macrotaskTurns(): { next: () => Promise<void>; close: () => void } {
  type ChannelLike = new () => { port1: MessagePortLike; port2: MessagePortLike };
  const Channel = (globalThis as unknown as { MessageChannel?: ChannelLike }).MessageChannel;
  if (Channel === undefined) {
    return {
      next: () => new Promise((resolve) => setTimeout(resolve, 0)),
      close: () => undefined,
    };
  }
  const channel = new Channel();
  let waiting: (() => void) | undefined;
  channel.port1.onmessage = () => {
    const resolve = waiting;
    waiting = undefined;
    resolve?.();
  };
  return {
    next: () =>
      new Promise<void>((resolve) => {
        waiting = resolve;
        channel.port2.postMessage(null);
      }),
    close: () => {
      channel.port1.onmessage = null;
      channel.port1.close();
      channel.port2.close();
    },
  };
}
