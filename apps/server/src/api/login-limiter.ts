import type { Clock } from '../domain/ports/clock.js';

export interface LoginLimitOptions {
  /** Failures allowed from one address within `windowMs` before sign-in is refused. */
  readonly maxFailures: number;
  readonly windowMs: number;
  /** Addresses remembered at most; the oldest are forgotten first (bounded memory under attack). */
  readonly maxEntries?: number;
}

export const DEFAULT_LOGIN_LIMIT: LoginLimitOptions = {
  maxFailures: 10,
  windowMs: 15 * 60_000,
  maxEntries: 10_000,
};

interface Window {
  readonly startedAt: number;
  failures: number;
}

export type LimitDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * Counts failed sign-ins per client address in a fixed window and refuses further attempts from
 * an address that failed too often, until its window ends. In memory: each server instance
 * counts its own, which still caps guessing at instances x maxFailures per window.
 */
export class LoginLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly maxEntries: number;

  constructor(
    private readonly clock: Clock,
    private readonly options: LoginLimitOptions = DEFAULT_LOGIN_LIMIT,
  ) {
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  check(key: string): LimitDecision {
    const window = this.current(key);
    if (!window || window.failures < this.options.maxFailures) return { allowed: true };
    return {
      allowed: false,
      retryAfterMs: window.startedAt + this.options.windowMs - this.clock.now(),
    };
  }

  recordFailure(key: string): void {
    const window = this.current(key);
    if (window) {
      window.failures += 1;
      return;
    }
    if (this.windows.size >= this.maxEntries) this.prune();
    this.windows.set(key, { startedAt: this.clock.now(), failures: 1 });
  }

  recordSuccess(key: string): void {
    this.windows.delete(key);
  }

  private current(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && this.clock.now() - window.startedAt >= this.options.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private prune(): void {
    const now = this.clock.now();
    for (const [key, window] of this.windows) {
      if (now - window.startedAt >= this.options.windowMs) this.windows.delete(key);
    }
    // Still full: forget the oldest (Map keeps insertion order).
    while (this.windows.size >= this.maxEntries) {
      const oldest = this.windows.keys().next();
      if (oldest.done) break;
      this.windows.delete(oldest.value);
    }
  }
}
