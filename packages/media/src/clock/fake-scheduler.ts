/**
 * A Scheduler whose time moves only when a test says so. Timers fire in time order (ties in the
 * order they were set) during `advance()`. Immediates run at the current time, but each batch
 * moves the clock by `immediateStepMs` so code that waits for a deadline with immediates (the
 * pacing loop's spin) terminates.
 */
import type { Scheduler, TimerHandle } from './scheduler.js';

interface FakeTimer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

export class FakeScheduler implements Scheduler {
  private time: number;
  private nextId = 1;
  private timers: FakeTimer[] = [];
  /** Added to every timeout's delay: simulates a loaded event loop that fires late. */
  lateByMs = 0;

  constructor(
    startMs = 0,
    private readonly immediateStepMs = 0.05,
  ) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return this.add(this.time + Math.max(0, delayMs) + this.lateByMs, callback);
  }

  setImmediate(callback: () => void): TimerHandle {
    return this.add(this.time + this.immediateStepMs, callback);
  }

  clear(handle: TimerHandle): void {
    const id = (handle as Partial<FakeTimer>).id;
    this.timers = this.timers.filter((timer) => timer.id !== id);
  }

  /** Pending timers (for assertions that nothing is left behind). */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    this.advanceTo(this.time + ms);
  }

  /** Moves time to `target` (never backwards), firing due timers in order. */
  advanceTo(target: number): void {
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.at > target) break;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.time = Math.max(this.time, next.at);
      next.callback();
    }
    this.time = Math.max(this.time, target);
  }

  /** Jumps the clock without firing anything (a stalled event loop), then fires what is due. */
  stall(ms: number): void {
    this.time += ms;
    this.advance(0);
  }

  private add(at: number, callback: () => void): TimerHandle {
    const timer: FakeTimer = { id: this.nextId, at, callback };
    this.nextId += 1;
    this.timers.push(timer);
    return timer;
  }

  private earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of this.timers) {
      if (best === undefined || timer.at < best.at || (timer.at === best.at && timer.id < best.id))
        best = timer;
    }
    return best;
  }
}
