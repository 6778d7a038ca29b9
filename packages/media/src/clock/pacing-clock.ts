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
 * setTimeout to well under 1 ms, for about `spinMs / frameMs` of one core while it spins.
 *
 * Idle participants (a held call: nothing to send) cost almost nothing. A participant whose
 * `onTick` returns `false` has nothing to send next tick; the loop stops visiting it every tick
 * and only sweeps it every `sweepTicks` ticks (200 ms by default) for its housekeeping (media
 * timeout, RTCP reports: RFC 3550 §6.2 intervals are seconds), until its membership's `wake()`
 * puts it back on every tick from the next one (a frame arrived for it to send, a player or DTMF
 * started). Sleepers are swept in stripes (those at index ≡ tick mod sweepTicks), so the sweep
 * work is spread evenly over the ticks instead of landing on one. While nobody is awake the loop
 * does not spin: it sleeps on a plain timer (its lateness then does not matter and is not
 * recorded), and a `wake()` re-arms the precise wait for the next tick target, so a woken
 * participant gets exactly the tick it would have had if it had been polled all along.
 */
import { FRAME_MS } from '../frames.js';
import { LatencyHistogram, type LatencySummary } from './latency-histogram.js';
import { realScheduler, type Scheduler, type TimerHandle } from './scheduler.js';

/** Something the clock drives: a session. */
export interface PacedParticipant {
  /**
   * One tick. `tick` grows by one per frame interval since the clock started (by more when ticks
   * were skipped after a stall, or while the participant slept); `nowMs` is the scheduler's time
   * at the tick. Return `false` when there is nothing to do on the next tick: the participant is
   * then only swept (every `sweepTicks`) until its membership's `wake()`. Any other return value
   * (`undefined`, `true`) keeps it on every tick. Must not throw (errors are caught, counted and
   * reported to `onError`, the participant stays awake, and the loop goes on).
   */
  // Participants written before sleeping existed return void (they never sleep).
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type
  onTick(tick: number, nowMs: number): boolean | undefined | void;
}

/** A participant's place in the loop (from `PacingClock.join`). */
export interface PacerMembership {
  /**
   * Visits the participant on every tick again, from the next one on (idempotent, cheap: call
   * it whenever something may have become sendable). A bound function: pass it around as is.
   */
  readonly wake: () => void;
  /** Leaves the loop (idempotent). */
  remove(): void;
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
  /**
   * Sleeping participants are visited once every this many ticks. Default 10 (200 ms with 20 ms
   * frames); 1 visits everybody every tick (no sleeping).
   */
  readonly sweepTicks?: number;
  /** A participant threw (it must not); the loop continues. */
  readonly onError?: (error: unknown) => void;
}

export interface PacingStats {
  readonly running: boolean;
  readonly participants: number;
  /** Participants visited on every tick now (the others sleep until woken). */
  readonly awake: number;
  /** Ticks run since the last `resetStats()`. */
  readonly ticks: number;
  /** Ticks that ran back to back because the loop was behind. */
  readonly catchUpTicks: number;
  /** Ticks skipped after stalls longer than the catch-up allowance. */
  readonly skippedTicks: number;
  /** How late each tick started relative to its absolute target (ticks with someone awake). */
  readonly lateness: LatencySummary;
  /** How long each tick's work (all participants) took. */
  readonly work: LatencySummary;
  /** Exceptions thrown by participants. */
  readonly errors: number;
}

/** Neither awake nor removed (a function: the checks run after a call that may change both). */
function asleep(entry: Entry): boolean {
  return !entry.awake && !entry.removed;
}

class Entry implements PacerMembership {
  /** Position in the clock's `entries` (swap-removal keeps removal O(1)). */
  index = -1;
  /** On the awake list (visited every tick). */
  awake = true;
  removed = false;
  /** The last tick it was visited on (a participant falling asleep is not swept the same tick). */
  visitedTick = -1;
  readonly wake = (): void => {
    if (!this.awake && !this.removed) this.owner.wakeEntry(this);
  };

  constructor(
    readonly participant: PacedParticipant,
    private readonly owner: PacingClock,
  ) {}

  remove(): void {
    if (!this.removed) this.owner.removeEntry(this);
  }
}

export class PacingClock {
  readonly scheduler: Scheduler;
  readonly frameMs: number;
  private readonly maxCatchUpTicks: number;
  private readonly spinMs: number;
  private readonly sweepTicks: number;
  private readonly onError: ((error: unknown) => void) | undefined;
  /** Every participant. */
  private readonly entries: Entry[] = [];
  /** The awake ones (may hold removed entries until the next tick drops them). */
  private active: Entry[] = [];
  private running = false;
  private handle: TimerHandle | undefined;
  /** The pending timer is the precise one (spin before the target), not the idle one. */
  private precise = false;
  private epoch = 0;
  private nextTick = 0;
  private readonly latenessHistogram = new LatencyHistogram();
  private readonly workHistogram = new LatencyHistogram();
  private ticks = 0;
  private catchUpTicks = 0;
  private skippedTicks = 0;
  private errors = 0;
  private readonly wakeUp = (): void => {
    this.handle = undefined;
    this.onWake();
  };

  constructor(options: PacingClockOptions = {}) {
    this.scheduler = options.scheduler ?? realScheduler;
    this.frameMs = options.frameMs ?? FRAME_MS;
    this.maxCatchUpTicks = Math.max(0, Math.floor(options.maxCatchUpTicks ?? 2));
    this.spinMs = Math.max(0, options.spinMs ?? 1);
    this.sweepTicks = Math.max(1, Math.floor(options.sweepTicks ?? 10));
    this.onError = options.onError;
    if (!(this.frameMs > 0)) throw new RangeError(`frameMs must be positive, got ${this.frameMs}`);
  }

  /** Number of participants. */
  get size(): number {
    return this.entries.length;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Adds a participant from the next tick on: awake, or with `asleep` only swept until it wakes
   * itself (`wake()`). The loop starts with the first participant and stops when the last one
   * leaves.
   */
  join(
    participant: PacedParticipant,
    options: { readonly asleep?: boolean } = {},
  ): PacerMembership {
    const entry = new Entry(participant, this);
    entry.index = this.entries.length;
    this.entries.push(entry);
    // One that joins asleep is swept for housekeeping until it wakes itself.
    if (options.asleep === true) {
      entry.awake = false;
      if (!this.running) this.start();
      return entry;
    }
    this.active.push(entry);
    if (!this.running) this.start();
    else if (!this.precise) this.rearm();
    return entry;
  }

  /** `join` for participants that never sleep: returns the function that removes it. */
  add(participant: PacedParticipant): () => void {
    const membership = this.join(participant);
    return () => {
      membership.remove();
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
    this.active = this.entries.filter((entry) => entry.awake);
    this.precise = true;
    this.handle = this.scheduler.setImmediate(this.wakeUp);
  }

  stats(): PacingStats {
    let awake = 0;
    for (const entry of this.active) if (entry.awake && !entry.removed) awake += 1;
    return {
      running: this.running,
      participants: this.size,
      awake,
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

  /** @internal Entry.wake: back on the awake list, and the precise wait if the loop idled. */
  wakeEntry(entry: Entry): void {
    entry.awake = true;
    this.active.push(entry);
    if (this.running && !this.precise) this.rearm();
  }

  /** @internal Entry.remove: swap-remove (O(1): calls come and go by the thousand). */
  removeEntry(entry: Entry): void {
    entry.removed = true;
    entry.awake = false;
    const entries = this.entries;
    const last = entries.pop();
    if (last !== undefined && last !== entry) {
      entries[entry.index] = last;
      last.index = entry.index;
    }
    if (entries.length === 0) {
      this.active = [];
      this.stop();
    }
  }

  /** The loop is waiting on its idle timer and someone woke: wait precisely instead. */
  private rearm(): void {
    if (this.handle === undefined) return; // inside onWake: it schedules when it is done
    this.scheduler.clear(this.handle);
    this.handle = undefined;
    this.scheduleNext(this.scheduler.now());
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
      if (this.active.length > 0) {
        this.latenessHistogram.record(started - (this.epoch + tick * frameMs));
      }
      if (tick < due) this.catchUpTicks += 1;
      this.runTick(tick, started);
      this.workHistogram.record(s.now() - started);
      this.ticks += 1;
    }
    if (this.isRunning) this.scheduleNext(s.now()); // a participant may have stopped it
  }

  private runTick(tick: number, now: number): void {
    // The awake ones, compacting the list in place: those that went to sleep or left drop out.
    const active = this.active;
    const count = active.length; // participants woken during this tick start on the next one
    let kept = 0;
    for (let i = 0; i < count; i += 1) {
      const entry = active[i] as Entry;
      if (entry.removed || !entry.awake) continue;
      if (this.visit(entry, tick, now)) active[kept++] = entry;
      else entry.awake = false; // (a removed entry is not awake either)
    }
    // Woken while the tick ran (possibly one that just went to sleep): keep them, once.
    for (let i = count; i < active.length; i += 1) {
      const entry = active[i] as Entry;
      if (entry.awake && !entry.removed) active[kept++] = entry;
    }
    active.length = kept;

    // This tick's stripe of sleepers: housekeeping, and a chance to notice work (a source that
    // cannot wake its reader is not left asleep: the participant returns true and stays awake).
    const entries = this.entries;
    for (let i = tick % this.sweepTicks; i < entries.length; i += this.sweepTicks) {
      const entry = entries[i] as Entry;
      if (entry.awake || entry.visitedTick === tick) continue;
      // It may have left, or woken itself (then it is on the awake list already).
      if (this.visit(entry, tick, now) && asleep(entry)) {
        entry.awake = true;
        active.push(entry);
      }
    }
  }

  /** One participant's tick; true when it wants the next one. */
  private visit(entry: Entry, tick: number, now: number): boolean {
    entry.visitedTick = tick;
    try {
      return entry.participant.onTick(tick, now) !== false;
    } catch (error) {
      this.errors += 1;
      this.onError?.(error);
      return true;
    }
  }

  private scheduleNext(now: number): void {
    const remaining = this.epoch + this.nextTick * this.frameMs - now;
    if (this.active.length === 0) {
      // Nobody to send for: only sweeps are due, and a late sweep is harmless. No spin.
      this.precise = false;
      this.handle = this.scheduler.setTimeout(this.wakeUp, Math.max(1, Math.ceil(remaining)));
      return;
    }
    this.precise = true;
    // Whole milliseconds: Node truncates timer delays anyway and turns anything below 1 into 1.
    const sleep = Math.floor(remaining - this.spinMs);
    this.handle =
      sleep < 1
        ? this.scheduler.setImmediate(this.wakeUp)
        : this.scheduler.setTimeout(this.wakeUp, sleep);
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
