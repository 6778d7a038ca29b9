import { describe, expect, it } from 'vitest';
import { FakeTimers } from './fake-timers.js';

describe('FakeTimers', () => {
  it('fires due callbacks in time order, each at its own time, ties in scheduling order', () => {
    const timers = new FakeTimers(1_000);
    const fired: string[] = [];
    timers.setTimeout(() => fired.push(`b@${String(timers.now())}`), 20);
    timers.setTimeout(() => fired.push(`a@${String(timers.now())}`), 10);
    timers.setTimeout(() => fired.push(`c@${String(timers.now())}`), 20);
    const cleared = timers.set(() => fired.push('never'), 5);
    timers.clear(cleared);
    timers.setTimeout(() => {
      fired.push(`d@${String(timers.now())}`);
      timers.setTimeout(() => fired.push(`e@${String(timers.now())}`), 0);
    }, 15);
    timers.advance(14);
    expect(fired).toEqual(['a@1010']);
    timers.advance(6);
    expect(fired).toEqual(['a@1010', 'd@1015', 'e@1015', 'b@1020', 'c@1020']);
    expect(timers.now()).toBe(1_020);
    expect(timers.pending).toBe(0);
  });

  it('runAll() runs chains of timers and refuses an endless one', () => {
    const timers = new FakeTimers();
    let count = 0;
    const tick = (): void => {
      count += 1;
      if (count < 5) timers.setTimeout(tick, 100);
    };
    timers.setTimeout(tick, 100);
    timers.runAll();
    expect(count).toBe(5);
    expect(timers.now()).toBe(500);
    const forever = (): void => {
      timers.setTimeout(forever, 1);
    };
    timers.setTimeout(forever, 1);
    expect(() => {
      timers.runAll(50);
    }).toThrow(/more than 50/);
    expect(() => {
      timers.advance(-1);
    }).toThrow(RangeError);
  });
});
