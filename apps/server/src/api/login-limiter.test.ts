import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test-support/api-harness.js';
import { LoginLimiter, type LimitDecision, type LoginAttempt } from './login-limiter.js';

function attempt(decision: LimitDecision): LoginAttempt {
  if (!decision.allowed) throw new Error(`refused: ${decision.reason}`);
  return decision.attempt;
}

function fail(limiter: LoginLimiter, address: string, email = 'victim@example.test'): void {
  attempt(limiter.begin(address, email)).failed();
}

describe('LoginLimiter', () => {
  it('refuses after maxFailures until the window ends', () => {
    const clock = new ManualClock(0);
    const limiter = new LoginLimiter(clock, { maxFailures: 2, windowMs: 1_000 });
    fail(limiter, 'a');
    // An attempt whose check broke counts nothing.
    attempt(limiter.begin('a', 'x@example.test')).abandoned();
    clock.advance(400);
    fail(limiter, 'a');
    expect(limiter.failuresOf('a')).toBe(2);
    expect(limiter.begin('a', 'x@example.test')).toEqual({
      allowed: false,
      reason: 'failures',
      retryAfterMs: 600,
    });
    clock.advance(600);
    expect(limiter.begin('a', 'x@example.test').allowed).toBe(true);
  });

  it('counts attempts in flight against the limit, and frees them when settled', () => {
    const clock = new ManualClock(0);
    const limiter = new LoginLimiter(clock, { maxFailures: 3, windowMs: 60_000 });
    const first = attempt(limiter.begin('a', 'v@example.test'));
    const second = attempt(limiter.begin('a', 'v@example.test'));
    const third = attempt(limiter.begin('a', 'v@example.test'));
    // Three guesses being checked could all fail: a fourth is not started.
    expect(limiter.begin('a', 'v@example.test')).toEqual({
      allowed: false,
      reason: 'busy',
      retryAfterMs: 1_000,
    });
    expect(limiter.pendingOf('a')).toBe(3);
    first.failed();
    first.failed(); // settling twice counts once
    second.abandoned();
    expect(limiter.failuresOf('a')).toBe(1);
    expect(limiter.pendingOf('a')).toBe(1);
    attempt(limiter.begin('a', 'v@example.test')).failed();
    third.failed();
    expect(limiter.failuresOf('a')).toBe(3);
    expect(limiter.pendingOf('a')).toBe(0);
    expect(limiter.begin('a', 'v@example.test')).toMatchObject({ reason: 'failures' });
  });

  it('caps the sign-ins checked at once per address', () => {
    const limiter = new LoginLimiter(new ManualClock(0), {
      maxFailures: 100,
      windowMs: 60_000,
      maxConcurrent: 2,
    });
    const first = attempt(limiter.begin('a', 'x@example.test'));
    attempt(limiter.begin('a', 'x@example.test'));
    expect(limiter.begin('a', 'x@example.test')).toMatchObject({ allowed: false, reason: 'busy' });
    expect(limiter.begin('b', 'x@example.test').allowed).toBe(true);
    first.succeeded();
    expect(limiter.begin('a', 'x@example.test').allowed).toBe(true);
  });

  it('forgives on success only the failures for the same e-mail address', () => {
    const limiter = new LoginLimiter(new ManualClock(0), { maxFailures: 5, windowMs: 60_000 });
    fail(limiter, 'a', 'victim@example.test');
    fail(limiter, 'a', 'victim@example.test');
    fail(limiter, 'a', 'me@example.test');
    expect(limiter.failuresOf('a')).toBe(3);
    // Signing in to one's own account (any spelling) forgives one's own typo only.
    attempt(limiter.begin('a', ' Me@Example.TEST')).succeeded();
    expect(limiter.failuresOf('a')).toBe(2);
    attempt(limiter.begin('a', 'me@example.test')).succeeded();
    expect(limiter.failuresOf('a')).toBe(2);
  });

  it('remembers a bounded number of addresses, forgetting the oldest', () => {
    const clock = new ManualClock(0);
    const limiter = new LoginLimiter(clock, { maxFailures: 1, windowMs: 60_000, maxEntries: 3 });
    for (const address of ['a', 'b', 'c', 'd']) fail(limiter, address);
    expect(limiter.begin('a', 'x@example.test').allowed).toBe(true);
    for (const address of ['b', 'c', 'd']) {
      expect(limiter.begin(address, 'x@example.test').allowed).toBe(false);
    }
  });
});
