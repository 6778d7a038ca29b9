import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test-support/api-harness.js';
import { LoginLimiter } from './login-limiter.js';

describe('LoginLimiter', () => {
  it('refuses after maxFailures until the window ends', () => {
    const clock = new ManualClock(0);
    const limiter = new LoginLimiter(clock, { maxFailures: 2, windowMs: 1_000 });
    limiter.recordFailure('a');
    expect(limiter.check('a')).toEqual({ allowed: true });
    clock.advance(400);
    limiter.recordFailure('a');
    expect(limiter.check('a')).toEqual({ allowed: false, retryAfterMs: 600 });
    clock.advance(600);
    expect(limiter.check('a')).toEqual({ allowed: true });
  });

  it('remembers a bounded number of addresses, forgetting the oldest', () => {
    const clock = new ManualClock(0);
    const limiter = new LoginLimiter(clock, { maxFailures: 1, windowMs: 60_000, maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd']) limiter.recordFailure(key);
    expect(limiter.check('a')).toEqual({ allowed: true });
    for (const key of ['b', 'c', 'd']) expect(limiter.check(key).allowed).toBe(false);
  });
});
