/**
 * Virtual time for tests: timers (`setTimeout`/`clearTimeout` for transactions, `set`/`clear`
 * for transports) and a `Clock` in one. Nothing fires until `advance()`,
 * which runs the due callbacks in order of due time (then of scheduling), each at its own time.
 */
import type { Clock } from '../auth/clock.js';
import type { TimerHandle, TransactionTimers } from '../transaction/timers.js';

interface Entry {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

export class FakeTimers implements TransactionTimers, Clock {
  #now: number;
  #nextId = 1;
  readonly #pending = new Map<number, Entry>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Callbacks scheduled and not yet run or cleared. */
  get pending(): number {
    return this.#pending.size;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#nextId;
    this.#nextId += 1;
    this.#pending.set(id, { id, due: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.#pending.delete(handle);
  }

  /** The same under the names the transport layer's `Timers` uses, so one fake drives both. */
  set(callback: () => void, ms: number): TimerHandle {
    return this.setTimeout(callback, ms);
  }

  clear(handle: TimerHandle): void {
    this.clearTimeout(handle);
  }

  /** Moves time forward by `ms`, running every callback that falls due on the way. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance() takes a duration ≥ 0');
    const target = this.#now + ms;
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next.due > target) break;
      this.#pending.delete(next.id);
      this.#now = next.due;
      next.callback();
    }
    this.#now = target;
  }

  /** Runs callbacks (and those they schedule) until none is left, at most `limit` of them. */
  runAll(limit = 10_000): void {
    for (let i = 0; i < limit; i += 1) {
      const next = this.#earliest();
      if (next === undefined) return;
      this.advance(next.due - this.#now);
    }
    throw new Error(`FakeTimers.runAll: more than ${String(limit)} timers`);
  }

  #earliest(): Entry | undefined {
    let best: Entry | undefined;
    for (const entry of this.#pending.values())
      if (best === undefined || entry.due < best.due) best = entry; // Map order = id order
    return best;
  }
}
