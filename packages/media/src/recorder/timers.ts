/**
 * Time for the recorder, injected so tests drive it by hand. The shape is a subset of the pacing
 * clock's `Scheduler` (clock/scheduler.ts), so `realScheduler` or a `FakeScheduler` can be passed
 * as is; it is declared here structurally to keep the two halves of the package independent.
 */

export interface RecorderScheduler {
  /** Milliseconds on a monotonic scale (only differences matter). */
  now(): number;
  /** Calls `callback` once after about `delayMs`; returns an opaque handle. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  /** Cancels a pending timer. */
  clear(handle: never): void;
}

/** `performance.now()` and Node's timers, unref'd: housekeeping never keeps the process alive. */
export const defaultRecorderScheduler: RecorderScheduler = {
  now: () => performance.now(),
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    handle.unref();
    return handle;
  },
  clear(handle: ReturnType<typeof setTimeout>) {
    clearTimeout(handle);
  },
};
