import { describe, expect, it } from 'vitest';
import { FailureLimiter, type FailureLimiterOptions } from './failure-limiter.js';

class FakeClock {
  t = 1_750_000_000_000;
  now(): number {
    return this.t;
  }
}

const IP = '203.0.113.9';

function setup(options: Partial<FailureLimiterOptions> = {}): {
  clock: FakeClock;
  limiter: FailureLimiter;
} {
  const clock = new FakeClock();
  const limiter = new FailureLimiter({
    clock,
    maxFailures: 6,
    windowMs: 60_000,
    blockMs: 300_000,
    maxSources: 100,
    freeFailures: 2,
    baseDelayMs: 100,
    maxDelayMs: 350,
    ...options,
  });
  return { clock, limiter };
}

describe('FailureLimiter', () => {
  it('allows the free failures, then delays with a doubling capped delay, then blocks', () => {
    const { limiter } = setup();
    const decisions = [];
    for (let i = 0; i < 7; i++) {
      decisions.push(limiter.check(IP));
      limiter.recordFailure(IP, 'alice');
    }
    expect(decisions).toEqual([
      'allow',
      'allow',
      { delayMs: 100 },
      { delayMs: 200 },
      { delayMs: 350 },
      { delayMs: 350 },
      'block',
    ]);
    // Other sources are untouched.
    expect(limiter.check('198.51.100.1')).toBe('allow');
  });

  it('counts failures from one source whatever the usernames tried (svwar and svcrack alike)', () => {
    const { limiter } = setup();
    for (let i = 0; i < 6; i++) limiter.recordFailure(IP, `user${i}`);
    expect(limiter.check(IP)).toBe('block');
  });

  it('lifts the block after blockMs, with a clean slate', () => {
    const { limiter, clock } = setup();
    for (let i = 0; i < 6; i++) limiter.recordFailure(IP, 'alice');
    clock.t += 299_999;
    expect(limiter.check(IP)).toBe('block');
    clock.t += 1;
    expect(limiter.check(IP)).toBe('allow');
    limiter.recordFailure(IP, 'alice');
    expect(limiter.check(IP)).toBe('allow');
  });

  it('forgets failures once their window has passed', () => {
    const { limiter, clock } = setup();
    for (let i = 0; i < 5; i++) limiter.recordFailure(IP, 'alice');
    expect(limiter.check(IP)).toEqual({ delayMs: 350 });
    clock.t += 60_000;
    expect(limiter.check(IP)).toBe('allow');
    limiter.recordFailure(IP, 'alice');
    expect(limiter.check(IP)).toBe('allow');
  });

  it('forgives a user their own typos on success', () => {
    const { limiter } = setup();
    limiter.recordFailure(IP, 'alice');
    limiter.recordFailure(IP, 'alice');
    limiter.recordFailure(IP, 'alice');
    expect(limiter.check(IP)).toEqual({ delayMs: 200 });
    limiter.recordSuccess(IP, 'alice');
    expect(limiter.check(IP)).toBe('allow');
    expect(limiter.size).toBe(0);
  });

  it('does not let an attacker reset the count by signing in to an account of their own', () => {
    const { limiter } = setup();
    // Guess at the victim, sign in as self, guess again...
    for (let round = 0; round < 3; round++) {
      limiter.recordFailure(IP, 'victim');
      limiter.recordFailure(IP, 'victim');
      limiter.recordSuccess(IP, 'attacker');
    }
    expect(limiter.check(IP)).toBe('block');
    // And a success does not lift a block.
    limiter.recordSuccess(IP, 'victim');
    expect(limiter.check(IP)).toBe('block');
  });

  it('counts attempts still being verified, so a parallel burst cannot pass before the first failure', () => {
    const { limiter } = setup();
    const burst = Array.from({ length: 10 }, () => limiter.begin(IP));
    expect(burst).toEqual([
      'allow',
      'allow',
      { delayMs: 100 },
      { delayMs: 200 },
      { delayMs: 350 },
      { delayMs: 350 },
      'block',
      'block',
      'block',
      'block',
    ]);
    // Six were let through; they fail one by one, and the sixth failure blocks the source.
    for (let i = 0; i < 6; i++) limiter.recordFailure(IP, 'alice');
    expect(limiter.check(IP)).toBe('block');
  });

  it('frees a reserved attempt on success, on release, and after pendingTtlMs', () => {
    const { limiter, clock } = setup({ pendingTtlMs: 10_000 });
    for (let i = 0; i < 4; i++) limiter.begin(IP);
    expect(limiter.check(IP)).toEqual({ delayMs: 350 });
    limiter.recordSuccess(IP, 'alice');
    expect(limiter.check(IP)).toEqual({ delayMs: 200 });
    limiter.release(IP);
    expect(limiter.check(IP)).toEqual({ delayMs: 100 });
    // The last two were never settled: they stop counting after pendingTtlMs.
    clock.t += 10_000;
    expect(limiter.check(IP)).toBe('allow');
    limiter.release(IP);
    expect(limiter.size).toBe(0);
  });

  it('keeps memory bounded, and a flood of new sources cannot evict a block', () => {
    const { limiter } = setup({ maxSources: 50 });
    for (let i = 0; i < 6; i++) limiter.recordFailure(IP, 'alice');
    for (let i = 0; i < 5_000; i++) limiter.recordFailure(`10.0.${i >> 8}.${i & 255}`, 'x');
    expect(limiter.size).toBeLessThanOrEqual(100);
    expect(limiter.check(IP)).toBe('block');
    // The most recent sources are still counted; the oldest were forgotten.
    expect(limiter.check('10.0.19.135')).toBe('allow');
    limiter.recordFailure('10.0.19.135', 'x');
    limiter.recordFailure('10.0.19.135', 'x');
    expect(limiter.check('10.0.19.135')).toEqual({ delayMs: 200 });
  });

  it('keeps the blocked table bounded too, dropping the blocks that end soonest', () => {
    const { limiter, clock } = setup({ maxSources: 3, maxFailures: 1, freeFailures: 0 });
    for (let i = 0; i < 5; i++) {
      limiter.recordFailure(`192.0.2.${i}`, 'x');
      clock.t += 1;
    }
    expect(limiter.size).toBe(3);
    expect(limiter.check('192.0.2.0')).toBe('allow');
    expect(limiter.check('192.0.2.4')).toBe('block');
  });

  it('refuses nonsensical options', () => {
    const clock = new FakeClock();
    expect(() => new FailureLimiter({ clock, maxFailures: 0 })).toThrow(/maxFailures/);
    expect(() => new FailureLimiter({ clock, windowMs: -1 })).toThrow(/windowMs/);
    expect(() => new FailureLimiter({ clock, maxFailures: 2, freeFailures: 3 })).toThrow(
      /freeFailures/,
    );
  });
});
