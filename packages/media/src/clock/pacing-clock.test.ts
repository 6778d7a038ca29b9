import { describe, expect, it } from 'vitest';
import { FakeScheduler } from './fake-scheduler.js';
import { LatencyHistogram } from './latency-histogram.js';
import { PacingClock, type PacedParticipant } from './pacing-clock.js';

/** Records every tick it gets and the scheduler time it ran at. */
class Recorder implements PacedParticipant {
  readonly ticks: number[] = [];
  readonly times: number[] = [];
  onTick(tick: number, nowMs: number): void {
    this.ticks.push(tick);
    this.times.push(nowMs);
  }
}

describe('PacingClock', () => {
  it('ticks every 20 ms on absolute targets: no drift over 10 minutes of late timers', () => {
    const scheduler = new FakeScheduler(1000);
    // Every timer fires 0.7 ms late, the way a busy event loop would: a loop that scheduled
    // "now + 20" would drift by 0.7 ms per tick (21 s over 30,000 ticks).
    scheduler.lateByMs = 0.7;
    const clock = new PacingClock({ scheduler, spinMs: 0 });
    const participant = new Recorder();
    clock.add(participant);
    scheduler.advance(10 * 60 * 1000);
    expect(participant.ticks.length).toBe(30_000); // ticks 0..29999 (tick 30000 is due at the end)
    expect(participant.ticks[29_999]).toBe(29_999);
    // Every tick ran at its target: the spin (immediates) finishes the wait.
    for (let n = 0; n < participant.times.length; n += 1000) {
      const lateness = participant.times[n]! - (1000 + n * 20);
      expect(lateness).toBeGreaterThanOrEqual(0);
      expect(lateness).toBeLessThan(0.75);
    }
    const stats = clock.stats();
    expect(stats.ticks).toBe(30_000);
    expect(stats.skippedTicks).toBe(0);
    expect(stats.lateness.p99Ms).toBeLessThan(1);
    clock.stop();
  });

  it('catches up at most two ticks after a stall and skips the rest', () => {
    const scheduler = new FakeScheduler(0);
    const clock = new PacingClock({ scheduler, maxCatchUpTicks: 2 });
    const participant = new Recorder();
    clock.add(participant);
    scheduler.advance(100); // ticks 0..4 (tick 5 is due at 100 and runs on the next wake)
    expect(participant.ticks).toEqual([0, 1, 2, 3, 4]);
    scheduler.stall(205); // the event loop was blocked: ticks 5..15 are overdue
    // One wake runs three ticks back to back (the due one plus two catch-up), skipping 5..12.
    expect(participant.ticks.slice(5)).toEqual([13, 14, 15]);
    const afterStall = participant.times.slice(5);
    expect(new Set(afterStall).size).toBe(1);
    scheduler.advance(40);
    expect(participant.ticks.slice(8)).toEqual([16, 17]);
    const stats = clock.stats();
    expect(stats.skippedTicks).toBe(8);
    expect(stats.catchUpTicks).toBe(2);
    expect(stats.lateness.maxMs).toBeGreaterThan(40);
    clock.stop();
  });

  it('starts with the first participant, stops with the last, and survives a throwing one', () => {
    const scheduler = new FakeScheduler(0);
    const errors: unknown[] = [];
    const clock = new PacingClock({ scheduler, onError: (error) => errors.push(error) });
    expect(clock.isRunning).toBe(false);
    const good = new Recorder();
    const removeBad = clock.add({
      onTick() {
        throw new Error('boom');
      },
    });
    const removeGood = clock.add(good);
    expect(clock.isRunning).toBe(true);
    scheduler.advance(60);
    expect(good.ticks).toEqual([0, 1, 2]);
    expect(errors).toHaveLength(3);
    expect(clock.stats().errors).toBe(3);
    removeBad();
    removeBad(); // idempotent
    expect(clock.size).toBe(1);
    removeGood();
    expect(clock.isRunning).toBe(false);
    expect(scheduler.pending).toBe(0);
  });

  it('lets participants leave and join during a tick without skipping anyone', () => {
    const scheduler = new FakeScheduler(0);
    const clock = new PacingClock({ scheduler });
    const late = new Recorder();
    const second = new Recorder();
    let removeSelf: () => void = () => undefined;
    removeSelf = clock.add({
      onTick(tick) {
        if (tick === 1) {
          removeSelf();
          clock.add(late);
        }
      },
    });
    clock.add(second);
    scheduler.advance(60);
    expect(second.ticks).toEqual([0, 1, 2]);
    expect(late.ticks).toEqual([2]);
    expect(clock.size).toBe(2);
    clock.stop();
  });

  it('resets its statistics', () => {
    const scheduler = new FakeScheduler(0);
    const clock = new PacingClock({ scheduler });
    clock.add(new Recorder());
    scheduler.advance(200);
    expect(clock.stats().ticks).toBe(10);
    clock.resetStats();
    expect(clock.stats()).toMatchObject({ ticks: 0, lateness: { count: 0 } });
    clock.stop();
  });
});

describe('LatencyHistogram', () => {
  it('reports percentiles to the bin edge and keeps the exact maximum', () => {
    const histogram = new LatencyHistogram(0.1, 10);
    for (let i = 1; i <= 100; i += 1) histogram.record(i / 100); // 0.01 .. 1.00 ms
    histogram.record(50); // overflow
    const summary = histogram.summary();
    expect(summary.count).toBe(101);
    expect(summary.p50Ms).toBeCloseTo(0.6, 5); // the 51st value (0.51) is in the 0.5-0.6 bin
    expect(summary.p99Ms).toBeCloseTo(1.1, 5);
    expect(summary.maxMs).toBe(50);
    expect(histogram.percentile(1)).toBe(50);
    histogram.record(-3); // early: counted as on time
    expect(histogram.summary().count).toBe(102);
  });
});
