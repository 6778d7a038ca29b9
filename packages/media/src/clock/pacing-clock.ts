/**
 * The one pacing loop of the process: every 20 ms it asks every active session for its next
 * frame (each session pulls from its FrameSource, encodes and sends). One loop instead of a timer
 * per session keeps hundreds of sessions on one core and avoids the drift of per-session
 * `setInterval`s.
 *
 * Drift-free: tick n is due at `epoch + n × frameMs` (absolute targets, never "now + 20"), so a
 * late tick does not delay the ones after it. After a stall (GC, a slow callback, a suspended
 * VM) the loop runs at most `maxCatchUpTicks` extra ticks back to back and skips the rest: a
 * burst of many frames at once would overflow the far end's jitter buffer anyway; participants
 * see the gap in the tick numbers (their RTP timestamps still advance by the real elapsed time).
 *
 * Precision: Node timers have 1 ms granularity and fire up to ~1 ms off, so the loop sets its
 * timer `spinMs` before the target and finishes the wait with `setImmediate` (which lets I/O run
 * in between). Measured on a 2-core machine: p99 lateness went from several ms with plain
 * setTimeout to well under 1 ms, for about `spinMs / frameMs` of one core while idle.
 */
import { FRAME_MS } from '../frames.js';
import { LatencyHistogram, type LatencySummary } from './latency-histogram.js';
import { realScheduler, type Scheduler, type TimerHandle } from './scheduler.js';

/** Something the clock drives: a session. */
export interface PacedParticipant {
  /**
   * One tick. `tick` grows by one per frame interval since the clock started (by more when ticks
   * were skipped after a stall); `nowMs` is the scheduler's time at the tick. Must not throw
   * (errors are caught, counted and reported to `onError`, and the loop goes on).
   */
  onTick(tick: number, nowMs: number): void;
}

export interface PacingClockOptions {
  /** Time and timers; `realScheduler` (performance.now + Node timers) by default. */
  readonly scheduler?: Scheduler;
  /** Tick interval, ms. Default 20 (FRAME_MS). */
  readonly frameMs?: number;
  /** Extra ticks run back to back after a stall before skipping ahead. Default 2. */
  readonly maxCatchUpTicks?: number;
  /** How early the timer wakes before a target to finish waiting with setImmediate. Default 1. */
  readonly spinMs?: number;
  /** A participant threw (it must not); the loop continues. */
  readonly onError?: (error: unknown) => void;
}

export interface PacingStats {
  readonly running: boolean;
  readonly participants: number;
  /** Ticks run since the last `resetStats()`. */
  readonly ticks: number;
  /** Ticks that ran back to back because the loop was behind. */
  readonly catchUpTicks: number;
  /** Ticks skipped after stalls longer than the catch-up allowance. */
  readonly skippedTicks: number;
  /** How late each tick started relative to its absolute target. */
  readonly lateness: LatencySummary;
  /** How long each tick's work (all participants) took. */
  readonly work: LatencySummary;
  /** Exceptions thrown by participants. */
  readonly errors: number;
}

interface Entry {
  readonly participant: PacedParticipant;
  removed: boolean;
}

export class PacingClock {
  readonly scheduler: Scheduler;
  readonly frameMs: number;
  private readonly maxCatchUpTicks: number;
  private readonly spinMs: number;
  private readonly onError: ((error: unknown) => void) | undefined;
  private entries: Entry[] = [];
  private inTick = false;
  private needsCompaction = false;
  private running = false;
  private handle: TimerHandle | undefined;
  private epoch = 0;
  private nextTick = 0;
  private readonly latenessHistogram = new LatencyHistogram();
  private readonly workHistogram = new LatencyHistogram();
  private ticks = 0;
  private catchUpTicks = 0;
  private skippedTicks = 0;
  private errors = 0;
  private readonly wake = (): void => {
    this.handle = undefined;
    this.onWake();
  };

  constructor(options: PacingClockOptions = {}) {
    this.scheduler = options.scheduler ?? realScheduler;
    this.frameMs = options.frameMs ?? FRAME_MS;
    this.maxCatchUpTicks = Math.max(0, Math.floor(options.maxCatchUpTicks ?? 2));
    this.spinMs = Math.max(0, options.spinMs ?? 1);
    this.onError = options.onError;
    if (!(this.frameMs > 0)) throw new RangeError(`frameMs must be positive, got ${this.frameMs}`);
  }

  /** Number of participants. */
  get size(): number {
    let n = 0;
    for (const entry of this.entries) if (!entry.removed) n += 1;
    return n;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Adds a participant from the next tick on. The loop starts with the first participant and
   * stops when the last one leaves. Returns the function that removes it (idempotent).
   */
  add(participant: PacedParticipant): () => void {
    const entry: Entry = { participant, removed: false };
    this.entries.push(entry);
    if (!this.running) this.start();
    return () => {
      this.remove(entry);
    };
  }

  /** Stops the loop (participants stay registered; `add` or `start` restarts it). */
  stop(): void {
    this.running = false;
    if (this.handle !== undefined) this.scheduler.clear(this.handle);
    this.handle = undefined;
  }

  /** Starts the loop now (tick 0 is due immediately). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.epoch = this.scheduler.now();
    this.nextTick = 0;
    this.handle = this.scheduler.setImmediate(this.wake);
  }

  stats(): PacingStats {
    return {
      running: this.running,
      participants: this.size,
      ticks: this.ticks,
      catchUpTicks: this.catchUpTicks,
      skippedTicks: this.skippedTicks,
      lateness: this.latenessHistogram.summary(),
      work: this.workHistogram.summary(),
      errors: this.errors,
    };
  }

  resetStats(): void {
    this.latenessHistogram.reset();
    this.workHistogram.reset();
    this.ticks = 0;
    this.catchUpTicks = 0;
    this.skippedTicks = 0;
    this.errors = 0;
  }

  private remove(entry: Entry): void {
    if (entry.removed) return;
    entry.removed = true;
    if (this.inTick) this.needsCompaction = true;
    else this.compact();
  }

  private compact(): void {
    this.entries = this.entries.filter((entry) => !entry.removed);
    this.needsCompaction = false;
    if (this.entries.length === 0) this.stop();
  }

  private onWake(): void {
    if (!this.running) return;
    const s = this.scheduler;
    const now = s.now();
    const frameMs = this.frameMs;
    if (now < this.epoch + this.nextTick * frameMs) {
      this.scheduleNext(now); // woke early (timer granularity): wait the rest
      return;
    }
    // The latest tick whose target has passed.
    const due = Math.floor((now - this.epoch) / frameMs);
    if (due - this.nextTick > this.maxCatchUpTicks) {
      const skipTo = due - this.maxCatchUpTicks;
      this.skippedTicks += skipTo - this.nextTick;
      this.nextTick = skipTo;
    }
    while (this.nextTick <= due && this.isRunning) {
      const tick = this.nextTick;
      this.nextTick += 1;
      const started = s.now();
      this.latenessHistogram.record(started - (this.epoch + tick * frameMs));
      if (tick < due) this.catchUpTicks += 1;
      this.runTick(tick, started);
      this.workHistogram.record(s.now() - started);
      this.ticks += 1;
    }
    if (this.isRunning) this.scheduleNext(s.now()); // a participant may have stopped it
  }

  private runTick(tick: number, now: number): void {
    const entries = this.entries;
    const count = entries.length; // participants added during this tick start on the next one
    this.inTick = true;
    for (let i = 0; i < count; i += 1) {
      const entry = entries[i];
      if (entry === undefined || entry.removed) continue;
      try {
        entry.participant.onTick(tick, now);
      } catch (error) {
        this.errors += 1;
        this.onError?.(error);
      }
    }
    this.inTick = false;
    if (this.needsCompaction) this.compact();
  }

  private scheduleNext(now: number): void {
    const remaining = this.epoch + this.nextTick * this.frameMs - now;
    // Whole milliseconds: Node truncates timer delays anyway and turns anything below 1 into 1.
    const sleep = Math.floor(remaining - this.spinMs);
    this.handle =
      sleep < 1
        ? this.scheduler.setImmediate(this.wake)
        : this.scheduler.setTimeout(this.wake, sleep);
  }
}

let shared: PacingClock | undefined;

/**
 * The process-wide pacing clock (created on first use with the real scheduler). The composition
 * root may instead create one `PacingClock` and pass it to every session; tests always pass
 * their own with a FakeScheduler.
 */
export function sharedPacingClock(): PacingClock {
  shared ??= new PacingClock();
  return shared;
}
