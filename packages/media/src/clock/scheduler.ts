/**
 * Time and timers for the media engine, behind an interface so unit tests drive them by hand
 * (see FakeScheduler). Only `realScheduler` reads the real clock: `performance.now()` is
 * monotonic and sub-millisecond, which the pacing loop needs to schedule by absolute targets.
 */
import { performance } from 'node:perf_hooks';

/** A monotonic time source in milliseconds (arbitrary origin, never goes backwards). */
export interface MonotonicClock {
  now(): number;
}

/** Opaque handle of a pending timer. */
export type TimerHandle = object;

/** The timers the pacing loop needs. */
export interface Scheduler extends MonotonicClock {
  /** Calls `callback` once after about `delayMs` (never earlier than the real timer allows). */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Calls `callback` once after pending I/O callbacks (Node's `setImmediate`). */
  setImmediate(callback: () => void): TimerHandle;
  /** Cancels a timer made by either method; unknown or fired handles are ignored. */
  clear(handle: TimerHandle): void;
}

interface RealHandle {
  readonly kind: 'timeout' | 'immediate';
  readonly inner: NodeJS.Timeout | NodeJS.Immediate;
}

/**
 * The process's real time. Timeouts are unref'd: the pacing loop's sleep never keeps a process
 * alive on its own (the sessions' sockets do while calls are up). Immediates are not: an unref'd
 * immediate lets the event loop block in its poll phase until some other event, which turned the
 * final sub-millisecond wait of a tick into tens of milliseconds (measured); they only ever last
 * the last millisecond before a tick.
 */
export const realScheduler: Scheduler = {
  now: () => performance.now(),
  setTimeout(callback, delayMs) {
    const inner = setTimeout(callback, delayMs);
    inner.unref();
    const handle: RealHandle = { kind: 'timeout', inner };
    return handle;
  },
  setImmediate(callback) {
    const inner = setImmediate(callback);
    const handle: RealHandle = { kind: 'immediate', inner };
    return handle;
  },
  clear(handle) {
    const real = handle as Partial<RealHandle>;
    if (real.kind === 'timeout') clearTimeout(real.inner as NodeJS.Timeout);
    else if (real.kind === 'immediate') clearImmediate(real.inner as NodeJS.Immediate);
  },
};
