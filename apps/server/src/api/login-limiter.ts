import type { Clock } from '../domain/ports/clock.js';

export interface LoginLimitOptions {
  /** Failures allowed from one address within `windowMs` before sign-in is refused. */
  readonly maxFailures: number;
  readonly windowMs: number;
  /** Addresses remembered at most; the oldest are forgotten first (bounded memory under attack). */
  readonly maxEntries?: number;
  /**
   * Sign-ins from one address checked at the same time (each costs one scrypt); more are
   * refused at once. Defaults to 4.
   */
  readonly maxConcurrent?: number;
}

export const DEFAULT_LOGIN_LIMIT: LoginLimitOptions = {
  maxFailures: 10,
  windowMs: 15 * 60_000,
  maxEntries: 10_000,
  maxConcurrent: 4,
};

/** How long a client refused for concurrency should wait: an attempt settles in well under that. */
const CONCURRENCY_RETRY_MS = 1_000;

interface Window {
  readonly startedAt: number;
  failures: number;
  /**
   * Failures of this window by the e-mail address tried. A successful sign-in forgives only the
   * failures for its own address, so signing in to one's own account does not reset the count of
   * guesses at other accounts.
   */
  readonly byEmail: Map<string, number>;
}

/** One sign-in in progress; settle it exactly once (later calls are ignored). */
export interface LoginAttempt {
  /** Wrong credentials: counts as a failure of the address. */
  failed(): void;
  /** Signed in: forgives the address's failures for this e-mail address only. */
  succeeded(): void;
  /** Neither (the check itself broke): counts nothing. */
  abandoned(): void;
}

export type LimitDecision =
  | { readonly allowed: true; readonly attempt: LoginAttempt }
  | {
      readonly allowed: false;
      /** `failures`: the address failed too often; `busy`: too many checks in flight. */
      readonly reason: 'failures' | 'busy';
      readonly retryAfterMs: number;
    };

/**
 * Counts failed sign-ins per client address in a fixed window and refuses further attempts from
 * an address that failed too often, until its window ends.
 *
 * An attempt counts as pending from `begin` until it is settled, and pending attempts count
 * against the limit as if they had failed: the password check is slow (scrypt), so checking
 * only finished failures would let many parallel guesses through before the first one is
 * counted. In memory: each server instance counts its own, which still caps guessing at
 * instances x maxFailures per window.
 */
export class LoginLimiter {
  private readonly windows = new Map<string, Window>();
  /** Attempts in flight per address; kept apart from windows, which may expire meanwhile. */
  private readonly pending = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly maxConcurrent: number;

  constructor(
    private readonly clock: Clock,
    private readonly options: LoginLimitOptions = DEFAULT_LOGIN_LIMIT,
  ) {
    this.maxEntries = options.maxEntries ?? DEFAULT_LOGIN_LIMIT.maxEntries ?? 10_000;
    this.maxConcurrent = Math.max(
      1,
      options.maxConcurrent ?? DEFAULT_LOGIN_LIMIT.maxConcurrent ?? 4,
    );
  }

  /**
   * Starts a sign-in from `address` for `email`, or refuses it. The caller must settle the
   * returned attempt once the credentials have been checked.
   */
  begin(address: string, email: string): LimitDecision {
    const window = this.current(address);
    const failures = window?.failures ?? 0;
    const inFlight = this.pending.get(address) ?? 0;
    if (failures >= this.options.maxFailures && window) {
      return {
        allowed: false,
        reason: 'failures',
        retryAfterMs: window.startedAt + this.options.windowMs - this.clock.now(),
      };
    }
    if (failures + inFlight >= this.options.maxFailures || inFlight >= this.maxConcurrent) {
      return { allowed: false, reason: 'busy', retryAfterMs: CONCURRENCY_RETRY_MS };
    }
    this.pending.set(address, inFlight + 1);
    const key = normalizeEmail(email);
    let settled = false;
    const settle = (outcome: 'failed' | 'succeeded' | 'abandoned'): void => {
      if (settled) return;
      settled = true;
      this.release(address);
      if (outcome === 'failed') this.recordFailure(address, key);
      else if (outcome === 'succeeded') this.forgive(address, key);
    };
    return {
      allowed: true,
      attempt: {
        failed: () => {
          settle('failed');
        },
        succeeded: () => {
          settle('succeeded');
        },
        abandoned: () => {
          settle('abandoned');
        },
      },
    };
  }

  /** Failures counted for `address` in its current window (0 when none). */
  failuresOf(address: string): number {
    return this.current(address)?.failures ?? 0;
  }

  /** Sign-ins from `address` being checked right now. */
  pendingOf(address: string): number {
    return this.pending.get(address) ?? 0;
  }

  private release(address: string): void {
    const left = (this.pending.get(address) ?? 1) - 1;
    if (left <= 0) this.pending.delete(address);
    else this.pending.set(address, left);
  }

  private recordFailure(address: string, email: string): void {
    let window = this.current(address);
    if (!window) {
      if (this.windows.size >= this.maxEntries) this.prune();
      window = { startedAt: this.clock.now(), failures: 0, byEmail: new Map() };
      this.windows.set(address, window);
    }
    window.failures += 1;
    window.byEmail.set(email, (window.byEmail.get(email) ?? 0) + 1);
  }

  /**
   * Someone who mistyped their own password and then got it right is forgiven those typos;
   * failures for other addresses stay, or an attacker with an account of their own could
   * reset the count by signing in between guesses.
   */
  private forgive(address: string, email: string): void {
    const window = this.current(address);
    const own = window?.byEmail.get(email);
    if (!window || own === undefined) return;
    window.byEmail.delete(email);
    window.failures -= own;
    if (window.failures <= 0) this.windows.delete(address);
  }

  private current(address: string): Window | undefined {
    const window = this.windows.get(address);
    if (window && this.clock.now() - window.startedAt >= this.options.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }

  private prune(): void {
    const now = this.clock.now();
    for (const [address, window] of this.windows) {
      if (now - window.startedAt >= this.options.windowMs) this.windows.delete(address);
    }
    // Still full: forget the oldest (Map keeps insertion order).
    while (this.windows.size >= this.maxEntries) {
      const oldest = this.windows.keys().next();
      if (oldest.done) break;
      this.windows.delete(oldest.value);
    }
  }
}

/** The same normalisation as sign-in's own lookup, so `Alice@X` and `alice@x` are one account. */
function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
