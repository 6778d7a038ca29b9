import { describe, expect, it } from 'vitest';
import { VirtualTime } from './virtual-time.js';

const START = Date.UTC(2026, 10, 23, 14, 0, 0);
const never = () => new AbortController().signal;

describe('VirtualTime', () => {
  it('starts at the given time and refuses a start that is not a finite number', () => {
    expect(new VirtualTime(START).now()).toBe(START);
    expect(() => new VirtualTime(Number.NaN)).toThrow(/finite start time/);
    expect(() => new VirtualTime(Infinity)).toThrow(/finite start time/);
  });

  it('jumps the clock to the wake-up time of a sleep (a year passes without waiting a year)', async () => {
    const time = new VirtualTime(START);
    const year = 365 * 24 * 3600 * 1000;
    await time.sleep(year, never());
    expect(time.now()).toBe(START + year);
    await time.sleep(30_000, never());
    expect(time.now()).toBe(START + year + 30_000);
  });

  it('wakes concurrent sleepers in order of wake-up, each seeing its own time', async () => {
    const time = new VirtualTime(START);
    const woke: [string, number][] = [];
    const sleeper = async (name: string, ms: number) => {
      await time.sleep(ms, never());
      woke.push([name, time.now() - START]);
    };
    await Promise.all([sleeper('c', 300), sleeper('a', 100), sleeper('b', 200)]);
    expect(woke).toEqual([
      ['a', 100],
      ['b', 200],
      ['c', 300],
    ]);
  });

  it('wakes sleepers due at the same time in the order they went to sleep', async () => {
    const time = new VirtualTime(START);
    const woke: string[] = [];
    await Promise.all(
      ['first', 'second', 'third'].map(async (name) => {
        await time.sleep(50, never());
        woke.push(name);
      }),
    );
    expect(woke).toEqual(['first', 'second', 'third']);
    expect(time.now()).toBe(START + 50);
  });

  it('interleaves chains of sleeps with other sleepers', async () => {
    const time = new VirtualTime(START);
    const woke: string[] = [];
    const a = async () => {
      await time.sleep(100, never());
      woke.push(`a1@${String(time.now() - START)}`);
      await time.sleep(100, never());
      woke.push(`a2@${String(time.now() - START)}`);
    };
    const b = async () => {
      await time.sleep(150, never());
      woke.push(`b@${String(time.now() - START)}`);
    };
    await Promise.all([a(), b()]);
    expect(woke).toEqual(['a1@100', 'b@150', 'a2@200']);
  });

  it('waits for promise chains to settle before moving time', async () => {
    const time = new VirtualTime(START);
    const woke: string[] = [];
    const late = async () => {
      // Many microtask hops before going to sleep: time must not have moved meanwhile.
      for (let i = 0; i < 200; i++) await Promise.resolve();
      await time.sleep(100, never());
      woke.push(`late@${String(time.now() - START)}`);
    };
    const early = async () => {
      await time.sleep(200, never());
      woke.push(`early@${String(time.now() - START)}`);
    };
    await Promise.all([early(), late()]);
    expect(woke).toEqual(['late@100', 'early@200']);
  });

  it('rejects an aborted sleep with the reason, without moving time to its wake-up', async () => {
    const time = new VirtualTime(START);
    const controller = new AbortController();
    const reason = new Error('hung up');
    const slept = time.sleep(60_000, controller.signal);
    controller.abort(reason);
    await expect(slept).rejects.toBe(reason);
    await time.idle();
    expect(time.now()).toBe(START);
    expect(time.pending).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const time = new VirtualTime(START);
    const reason = new Error('already');
    await expect(time.sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(time.now()).toBe(START);
  });

  it('lets one sleeper abort another at the moment it wakes', async () => {
    const time = new VirtualTime(START);
    const ring = new AbortController();
    const ringing = time.sleep(30_000, ring.signal);
    const timeout = time.sleep(20_000, never()).then(() => {
      ring.abort(new Error('element timeout'));
      return time.now();
    });
    await expect(ringing).rejects.toThrow('element timeout');
    expect(await timeout).toBe(START + 20_000);
    await time.idle();
    // The cancelled 30 s sleep is gone: nothing moved time past the timeout.
    expect(time.now()).toBe(START + 20_000);
  });

  it('keeps other sleepers on schedule when one of them is aborted', async () => {
    const time = new VirtualTime(START);
    const controller = new AbortController();
    const woke: number[] = [];
    const cancelled = time.sleep(100, controller.signal).catch(() => 'cancelled');
    const others = Promise.all(
      [50, 150].map(async (ms) => {
        await time.sleep(ms, never());
        woke.push(time.now() - START);
        if (ms === 50) controller.abort();
      }),
    );
    await others;
    expect(await cancelled).toBe('cancelled');
    expect(woke).toEqual([50, 150]);
  });

  it('never wakes an infinite sleep by itself; idle() does not wait for it', async () => {
    const time = new VirtualTime(START);
    const controller = new AbortController();
    const forever = time.sleep(Infinity, controller.signal);
    await time.sleep(1_000, never());
    await time.idle();
    expect(time.pending).toBe(0);
    expect(time.now()).toBe(START + 1_000);
    controller.abort(new Error('stop'));
    await expect(forever).rejects.toThrow('stop');
  });

  it('treats a negative duration as zero and refuses NaN', async () => {
    const time = new VirtualTime(START);
    await time.sleep(-500, never());
    expect(time.now()).toBe(START);
    await expect(time.sleep(Number.NaN, never())).rejects.toThrow(RangeError);
  });

  it('idle() resolves once every sleeper has woken and counts pending sleepers', async () => {
    const time = new VirtualTime(START);
    let done = 0;
    for (const ms of [10, 20, 30]) void time.sleep(ms, never()).then(() => done++);
    expect(time.pending).toBe(3);
    await time.idle();
    expect(done).toBe(3);
    expect(time.pending).toBe(0);
    expect(time.now()).toBe(START + 30);
    await expect(time.idle()).resolves.toBeUndefined();
  });

  it('uses an injected event-loop yield when given one', async () => {
    let turns = 0;
    const time = new VirtualTime(START, {
      yieldToEventLoop: () => {
        turns++;
        return new Promise((resolve) => setTimeout(resolve, 0));
      },
    });
    await Promise.all([time.sleep(5, never()), time.sleep(10, never())]);
    expect(time.now()).toBe(START + 10);
    // One turn before each wake-up, and one more to find the queue empty.
    expect(turns).toBe(3);
  });
});
