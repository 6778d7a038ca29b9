/**
 * Server transactions waiting out the same delay after their final response (Timer L of an
 * INVITE answered 2xx, Timer J of a non-INVITE over UDP: both 64·T1, RFC 3261 §17.2.2,
 * RFC 6026 §8.7), kept in the order they started waiting under a single timer, rather than a
 * timer (and its closure) each. A UAS answering thousands of calls a second has two of them
 * per call for 32 s: one timer each is some 100,000 timers alive at once for the garbage
 * collector to keep moving.
 *
 * Equal delays expire in the order they were set, so a queue is enough: each entry is its
 * deadline and its transaction, and the timer is set for the deadline at the head. An entry is
 * never removed early: a transaction that ended otherwise (a transport error, shutdown) is
 * simply not `expire`d twice, which it checks itself.
 */
import type { Clock } from '../auth/clock.js';
import type { TimerHandle, TransactionTimers } from './timers.js';

/** A transaction that lingers: told when its delay is over (it checks it still waits). */
export interface Lingering {
  lingerExpired(): void;
}

/** Below this many spent entries at the head, the arrays are not compacted. */
const COMPACT_AT = 1024;

export class LingerQueue {
  readonly #timers: TransactionTimers;
  readonly #clock: Clock;
  /** The delay every entry waits, in ms. */
  readonly delay: number;
  /** Deadlines and transactions from `#head` on (the entries before are spent). */
  #deadlines: number[] = [];
  #items: (Lingering | undefined)[] = [];
  #head = 0;
  #timer: TimerHandle;

  constructor(timers: TransactionTimers, clock: Clock, delay: number) {
    this.#timers = timers;
    this.#clock = clock;
    this.delay = delay;
  }

  /** Entries waiting (including those of transactions that ended meanwhile). */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** `item` waits `delay` ms from now, then `lingerExpired()` is called. */
  add(item: Lingering): void {
    this.#deadlines.push(this.#clock.now() + this.delay);
    this.#items.push(item);
    if (this.#timer === undefined) this.#arm();
  }

  /** Forgets every entry and stops the timer (shutdown: nothing is told). */
  clear(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#deadlines = [];
    this.#items = [];
    this.#head = 0;
  }

  #arm(): void {
    const deadline = this.#deadlines[this.#head];
    if (deadline === undefined) return;
    this.#timer = this.#timers.setTimeout(
      () => {
        this.#fire();
      },
      Math.max(0, deadline - this.#clock.now()),
    );
  }

  #fire(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    while (this.#head < this.#items.length && (this.#deadlines[this.#head] ?? 0) <= now) {
      const item = this.#items[this.#head];
      this.#items[this.#head] = undefined;
      this.#head += 1;
      item?.lingerExpired();
    }
    if (this.#head >= COMPACT_AT && this.#head * 2 >= this.#items.length) {
      this.#deadlines = this.#deadlines.slice(this.#head);
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    if (this.#timer === undefined) this.#arm();
  }
}
