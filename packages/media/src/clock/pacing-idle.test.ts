import { describe, expect, it } from 'vitest';
import { FrameQueue } from '../bridge/frame-queue.js';
import { FakeScheduler } from './fake-scheduler.js';
import { PacingClock, type PacedParticipant } from './pacing-clock.js';

/** A participant that sleeps unless `busy`; records the ticks it was visited on. */
class Sleeper implements PacedParticipant {
  readonly ticks: number[] = [];
  busy = false;
  onTick(tick: number): boolean {
    this.ticks.push(tick);
    return this.busy;
  }
}

/** Counts the immediates the loop uses to spin before a tick. */
class CountingScheduler extends FakeScheduler {
  immediates = 0;
  override setImmediate(callback: () => void): object {
    this.immediates += 1;
    return super.setImmediate(callback);
  }
}

describe('PacingClock with sleeping participants', () => {
  it('visits a sleeper only on its sweep stripe until woken, then on every tick', () => {
    const scheduler = new FakeScheduler(0);
    const clock = new PacingClock({ scheduler, spinMs: 0, sweepTicks: 5 });
    const first = new Sleeper();
    const second = new Sleeper();
    clock.join(first);
    const membership = clock.join(second);
    scheduler.advance(200); // ticks 0..9
    // Tick 0 (new participants are awake), then every 5 ticks at their index's stripe.
    expect(first.ticks).toEqual([0, 5]);
    expect(second.ticks).toEqual([0, 1, 6]);
    expect(clock.stats().awake).toBe(0);

    second.busy = true;
    membership.wake();
    membership.wake(); // idempotent
    scheduler.advance(60); // ticks 10..12
    expect(second.ticks.slice(3)).toEqual([10, 11, 12]);
    expect(clock.stats()).toMatchObject({ participants: 2, awake: 1 });

    second.busy = false; // visited once more, then asleep again
    scheduler.advance(100); // ticks 13..17
    expect(second.ticks.slice(6)).toEqual([13, 16]);
    membership.remove();
    membership.wake(); // a removed participant stays out
    scheduler.advance(100);
    expect(second.ticks.slice(8)).toEqual([]);
    expect(first.ticks.slice(2)).toEqual([10, 15, 20]); // ticks 0..22 ran
    clock.stop();
  });

  it('does not spin while everyone sleeps, and a wake restores the precise next tick', () => {
    const scheduler = new CountingScheduler(0);
    scheduler.lateByMs = 4; // timers fire 4 ms late, as on a loaded event loop
    const clock = new PacingClock({ scheduler, spinMs: 5, sweepTicks: 10 });
    const sleeper = new Sleeper();
    const membership = clock.join(sleeper);
    scheduler.advance(100);
    clock.resetStats();
    const immediatesBefore = scheduler.immediates;
    scheduler.advance(1000);
    expect(scheduler.immediates).toBe(immediatesBefore); // plain timers only
    expect(clock.stats().lateness.count).toBe(0); // idle ticks are not on the record
    expect(sleeper.ticks.length).toBeLessThan(12); // ~5 sweeps in a second, not 50 ticks

    // Woken between ticks: the next tick runs on its target (the spin absorbs the late timer).
    scheduler.advance(7); // the idle tick due at 1100 ran at 1104; the next is due at 1120
    sleeper.busy = true;
    const wokenAt = scheduler.now();
    membership.wake();
    scheduler.advance(45);
    const nextTarget = Math.ceil(wokenAt / 20) * 20;
    const stats = clock.stats();
    expect(stats.lateness.count).toBeGreaterThanOrEqual(2);
    expect(stats.lateness.maxMs).toBeLessThan(1);
    expect(sleeper.ticks).toContain(nextTarget / 20);
    clock.stop();
  });

  it('swap-removes participants in O(1) and keeps sweeping the others', () => {
    const scheduler = new FakeScheduler(0);
    const clock = new PacingClock({ scheduler, spinMs: 0, sweepTicks: 2 });
    const sleepers = Array.from({ length: 6 }, () => new Sleeper());
    const memberships = sleepers.map((sleeper) => clock.join(sleeper));
    scheduler.advance(20); // tick 0: everyone, then they sleep
    memberships[1]?.remove();
    memberships[4]?.remove();
    expect(clock.size).toBe(4);
    scheduler.advance(80); // ticks 1..4: two sweeps of each stripe
    for (const [i, sleeper] of sleepers.entries()) {
      expect(sleeper.ticks.length).toBe(i === 1 || i === 4 ? 1 : 3);
    }
    for (const membership of memberships) membership.remove();
    expect(clock.isRunning).toBe(false);
  });
});

describe('FrameQueue.onFrameReady', () => {
  it('tells a waiting reader once when the prefill is there, and again after a dry spell', () => {
    const queue = new FrameQueue(5, 2);
    let wakes = 0;
    queue.onFrameReady(() => {
      wakes += 1;
    });
    const frame = new Int16Array(160).fill(7);
    expect(queue.nextFrame()).toBeUndefined();
    queue.writeFrame(frame);
    expect(wakes).toBe(0); // one frame: still prefilling, nextFrame would say undefined
    queue.writeFrame(frame);
    expect(wakes).toBe(1);
    queue.writeFrame(frame);
    expect(wakes).toBe(1); // the reader was told already
    for (let i = 0; i < 3; i += 1) expect(queue.nextFrame()?.[0]).toBe(7);
    expect(queue.nextFrame()).toBeUndefined(); // dry: the reader may sleep again
    queue.writeFrame(frame);
    queue.writeFrame(frame);
    expect(wakes).toBe(2);
    queue.onFrameReady(undefined);
    queue.clear();
    queue.writeFrame(frame);
    queue.writeFrame(frame);
    expect(wakes).toBe(2);
  });
});
