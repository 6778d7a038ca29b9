/**
 * Time for the transaction layer, injected (no globals): a `Timers` to schedule the RFC 3261
 * §17 timers and the base intervals T1, T2, T4 (RFC 3261 §17.1.1.1, table 4 in Appendix A).
 */

/** Opaque handle returned by {@link TransactionTimers.setTimeout}. */
export type TimerHandle = unknown;

/**
 * Schedules callbacks; `systemTransactionTimers` in production, `FakeTimers` (src/testing) in
 * tests.
 */
export interface TransactionTimers {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Node's own timers, not unref'd: a TU waiting for Timer B or F must get its failure even when
 * nothing else keeps the process alive.
 */
export const systemTransactionTimers: TransactionTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * The clock for `TransactionLayerOptions.clock` in production: monotonic milliseconds
 * (`performance.now()`), so that a wall-clock step does not move deadlines.
 */
export const systemTransactionClock: { now(): number } = { now: () => performance.now() };

/** The base intervals, in milliseconds. */
export interface TimerConfig {
  /** RTT estimate (RFC 3261 §17.1.1.1: 500 ms by default). */
  readonly t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses (4 s). */
  readonly t2: number;
  /** Maximum time a message stays in the network (5 s). */
  readonly t4: number;
  /**
   * How long an INVITE server transaction waits for the TU before sending 100 Trying itself
   * (RFC 3261 §17.2.1: 200 ms).
   */
  readonly trying: number;
  /**
   * How long an INVITE client transaction stays in Proceeding without a final response, each
   * provisional response starting it again (the guard RFC 3261 §16.6 step 11 calls Timer C,
   * "greater than 3 minutes"). Without it a peer that sends 180 and then nothing would keep the
   * transaction, and its memory, for ever.
   */
  readonly proceeding: number;
}

export const DEFAULT_TIMER_CONFIG: TimerConfig = {
  t1: 500,
  t2: 4000,
  t4: 5000,
  trying: 200,
  proceeding: 181_000,
};

/** The defaults with `overrides` applied; each value must be a finite number ≥ 0. */
export function timerConfig(overrides: Partial<TimerConfig> = {}): TimerConfig {
  const config = { ...DEFAULT_TIMER_CONFIG, ...overrides };
  for (const [name, value] of Object.entries(config)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw new RangeError(`Timer ${name} must be a finite number of milliseconds ≥ 0`);
  }
  if (config.t2 < config.t1) throw new RangeError('Timer T2 must not be below T1');
  return config;
}
