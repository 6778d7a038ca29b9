// Slows down, then refuses, a source that keeps failing authentication (password guessing such
// as SIPVicious svcrack). Pure bookkeeping on an injected clock; the registrar applies the
// decision (waits `delayMs` before answering, or answers 403 / drops the request on `block`).

import type { Clock } from './clock.js';

export interface FailureLimiterOptions {
  readonly clock: Clock;
  /** Failures within `windowMs` that get a source blocked. Default 10. */
  readonly maxFailures?: number;
  /** Failures are counted in a window that starts at a source's first failure. Default 10 min. */
  readonly windowMs?: number;
  /** How long a source that reached `maxFailures` is refused. Default 15 min. */
  readonly blockMs?: number;
  /** Sources remembered at most (failing and blocked ones each); oldest go first. Default 10,000. */
  readonly maxSources?: number;
  /** Failures answered without delay (a user mistyping). Default 3. */
  readonly freeFailures?: number;
  /** Delay after the free failures, doubled with each further failure. Default 500 ms. */
  readonly baseDelayMs?: number;
  /** Ceiling of the delay; keep it well under SIP's 32 s transaction timeout. Default 8 s. */
  readonly maxDelayMs?: number;
  /** An attempt reserved with `begin` and never settled stops counting after this. Default 32 s. */
  readonly pendingTtlMs?: number;
}

export type LimitDecision = 'allow' | { readonly delayMs: number } | 'block';

interface Source {
  windowStart: number;
  failures: number;
  /** Failures in this window by the username tried (≤ maxFailures entries before a block). */
  readonly byUsername: Map<string, number>;
  /** Start times of attempts reserved by `begin` and not yet settled. */
  readonly pending: number[];
}

/**
 * Counts authentication failures per source (the caller's key: an IP address; for IPv6 better
 * the /64 prefix, which one attacker usually holds whole).
 *
 * The rule, and why:
 * - Failures are counted per source only, whatever the username: svcrack guesses one account,
 *   svwar walks many, and both must hit the same limit.
 * - After `freeFailures` failures each further attempt waits `baseDelayMs`, doubling up to
 *   `maxDelayMs`; at `maxFailures` the source is blocked for `blockMs`.
 * - A success forgives only the failures the same source had with the *same username* in the
 *   current window (someone who mistyped their own password). It never resets the whole count
 *   and never lifts a block: otherwise an attacker holding one account of their own could
 *   sign in to it between guesses at other accounts and guess forever (the lesson of the
 *   HTTP sign-in limiter).
 * - Attempts still being verified count as failures (`begin`): the credential lookup is
 *   asynchronous, and a burst of parallel guesses over UDP must not all pass `check` before
 *   the first one is recorded.
 * - Memory is bounded: at most `maxSources` counting sources (least recently active evicted
 *   first) and, separately, at most `maxSources` blocked ones (soonest to expire evicted
 *   first), so flooding the table with fresh sources cannot evict a block.
 */
export class FailureLimiter {
  private readonly clock: Clock;
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly blockMs: number;
  private readonly maxSources: number;
  private readonly freeFailures: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly pendingTtlMs: number;
  /** Counting sources, least recently active first. */
  private readonly sources = new Map<string, Source>();
  /** Blocked sources → end of block; insertion order is expiry order (blockMs is constant). */
  private readonly blocked = new Map<string, number>();

  constructor(options: FailureLimiterOptions) {
    this.clock = options.clock;
    this.maxFailures = count('maxFailures', options.maxFailures ?? 10, 1);
    this.windowMs = count('windowMs', options.windowMs ?? 10 * 60_000, 1);
    this.blockMs = count('blockMs', options.blockMs ?? 15 * 60_000, 1);
    this.maxSources = count('maxSources', options.maxSources ?? 10_000, 1);
    this.freeFailures = count('freeFailures', options.freeFailures ?? 3, 0);
    this.baseDelayMs = count('baseDelayMs', options.baseDelayMs ?? 500, 0);
    this.maxDelayMs = count('maxDelayMs', options.maxDelayMs ?? 8_000, 0);
    this.pendingTtlMs = count('pendingTtlMs', options.pendingTtlMs ?? 32_000, 1);
    if (this.freeFailures > this.maxFailures) {
      throw new RangeError('freeFailures must not exceed maxFailures');
    }
  }

  /** What to do with an attempt from `source` now. Records nothing. */
  check(source: string): LimitDecision {
    const now = this.clock.now();
    if (this.isBlocked(source, now)) return 'block';
    return this.decide(this.current(source, now), now);
  }

  /**
   * `check`, and unless the answer is `block`, counts the attempt as a failure until it is
   * settled with `recordFailure`, `recordSuccess` or `release` (or `pendingTtlMs` passes).
   * Use it when the verification is asynchronous; a caller using `begin` must settle every
   * attempt it allowed.
   */
  begin(source: string): LimitDecision {
    const now = this.clock.now();
    if (this.isBlocked(source, now)) return 'block';
    const entry = this.current(source, now);
    const decision = this.decide(entry, now);
    if (decision !== 'block') (entry ?? this.create(source, now)).pending.push(now);
    return decision;
  }

  /** Wrong credentials (or an unknown user, indistinguishably) from `source` for `username`. */
  recordFailure(source: string, username: string): void {
    const now = this.clock.now();
    if (this.isBlocked(source, now)) return;
    const entry = this.current(source, now) ?? this.create(source, now);
    entry.pending.shift();
    entry.failures += 1;
    entry.byUsername.set(username, (entry.byUsername.get(username) ?? 0) + 1);
    this.touch(source, entry);
    if (entry.failures >= this.maxFailures) this.block(source, now);
  }

  /** `username` authenticated from `source`: forgives that username's failures only. */
  recordSuccess(source: string, username: string): void {
    const now = this.clock.now();
    const entry = this.current(source, now);
    if (entry === undefined) return;
    entry.pending.shift();
    const own = entry.byUsername.get(username);
    if (own !== undefined) {
      entry.byUsername.delete(username);
      entry.failures -= own;
    }
    if (entry.failures <= 0 && entry.pending.length === 0) this.sources.delete(source);
  }

  /** Settles an attempt from `begin` that was neither a failure nor a success (stale nonce...). */
  release(source: string): void {
    const entry = this.current(source, this.clock.now());
    if (entry === undefined) return;
    entry.pending.shift();
    if (entry.failures <= 0 && entry.pending.length === 0) this.sources.delete(source);
  }

  /** Sources remembered (counting + blocked), for metrics and tests of the memory bound. */
  get size(): number {
    return this.sources.size + this.blocked.size;
  }

  private decide(entry: Source | undefined, now: number): LimitDecision {
    if (entry === undefined) return 'allow';
    this.dropStalePending(entry, now);
    const load = entry.failures + entry.pending.length;
    // Not a block (nothing is recorded): attempts in flight may still succeed.
    if (load >= this.maxFailures) return 'block';
    if (load < this.freeFailures) return 'allow';
    const steps = Math.min(load - this.freeFailures, 30);
    return { delayMs: Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** steps) };
  }

  private isBlocked(source: string, now: number): boolean {
    const until = this.blocked.get(source);
    if (until === undefined) return false;
    if (now < until) return true;
    this.blocked.delete(source);
    return false;
  }

  /** The source's entry if its window is still open. */
  private current(source: string, now: number): Source | undefined {
    const entry = this.sources.get(source);
    if (entry === undefined) return undefined;
    if (now - entry.windowStart >= this.windowMs) {
      // A new window: failures are forgotten, attempts in flight still count.
      this.dropStalePending(entry, now);
      entry.windowStart = now;
      entry.failures = 0;
      entry.byUsername.clear();
      if (entry.pending.length === 0) {
        this.sources.delete(source);
        return undefined;
      }
    }
    return entry;
  }

  private create(source: string, now: number): Source {
    while (this.sources.size >= this.maxSources) {
      const oldest = this.sources.keys().next();
      if (oldest.done === true) break;
      this.sources.delete(oldest.value);
    }
    const entry: Source = { windowStart: now, failures: 0, byUsername: new Map(), pending: [] };
    this.sources.set(source, entry);
    return entry;
  }

  /** Moves `source` to the recently-active end of the eviction order. */
  private touch(source: string, entry: Source): void {
    this.sources.delete(source);
    this.sources.set(source, entry);
  }

  private block(source: string, now: number): void {
    this.sources.delete(source);
    while (this.blocked.size >= this.maxSources) {
      const oldest = this.blocked.keys().next();
      if (oldest.done === true) break;
      this.blocked.delete(oldest.value);
    }
    this.blocked.set(source, now + this.blockMs);
  }

  private dropStalePending(entry: Source, now: number): void {
    while (entry.pending.length > 0 && now - (entry.pending[0] ?? now) >= this.pendingTtlMs) {
      entry.pending.shift();
    }
  }
}

function count(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer of at least ${min}, got ${value}`);
  }
  return value;
}
