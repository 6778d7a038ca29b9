import { describe, expect, it } from 'vitest';
import { db, dominantFrequency, goertzelPower, rms, toneFloat } from '../wav/test-support/audio.js';
import { floatToInt16, int16ToFloat, resample, resampleInt16 } from './resampler.js';

/** The steady middle of a converted signal (the filter's edges ramp in and out). */
function middle(samples: Float32Array): Float32Array {
  const edge = Math.floor(samples.length / 10);
  return samples.subarray(edge, samples.length - edge);
}

describe('resampler', () => {
  for (const from of [11025, 16000, 22050, 32000, 44100, 48000, 96000, 7999, 12345]) {
    it(`${from} Hz → 8 kHz: a 1 kHz tone keeps its frequency and level`, () => {
      const out = resample(toneFloat(1000, from, from, 0.5), from, 8000);
      expect(out.length).toBe(8000);
      const steady = middle(out);
      expect(dominantFrequency(steady, 8000, [900, 950, 1000, 1050, 1100])).toBe(1000);
      // Pass band: the level is unchanged to within 0.1 dB.
      expect(Math.abs(db(goertzelPower(steady, 1000, 8000) / (0.5 ** 2 / 2)))).toBeLessThan(0.1);
      // And nothing else: the tone's own power is the whole signal's.
      expect(goertzelPower(steady, 1000, 8000) / rms(steady) ** 2).toBeGreaterThan(0.99);
    });
  }

  it('suppresses aliasing: a 6 kHz tone in a 44.1 kHz file does not fold to 2 kHz', () => {
    const out = middle(resample(toneFloat(6000, 44100, 44100, 0.5), 44100, 8000));
    const input = 0.5 ** 2 / 2;
    // Without a low-pass, 6 kHz sampled at 8 kHz is indistinguishable from 2 kHz.
    expect(db(goertzelPower(out, 2000, 8000) / input)).toBeLessThan(-70);
    expect(db(rms(out) ** 2 / input)).toBeLessThan(-70);
  });

  it('attenuates everything between 4 kHz and the source Nyquist', () => {
    for (const f of [4100, 5000, 9000, 15000, 20000]) {
      const out = middle(resample(toneFloat(f, 48000, 48000, 0.5), 48000, 8000));
      expect(db(rms(out) ** 2 / (0.5 ** 2 / 2))).toBeLessThan(-60);
    }
  });

  it('keeps 3.4 kHz (the top of the telephone band)', () => {
    const out = middle(resample(toneFloat(3400, 22050, 22050, 0.5), 22050, 8000));
    expect(Math.abs(db(goertzelPower(out, 3400, 8000) / (0.5 ** 2 / 2)))).toBeLessThan(0.5);
  });

  it('converts 8 kHz up to other rates without imaging', () => {
    const out = middle(resample(toneFloat(1000, 8000, 8000, 0.5), 8000, 44100));
    expect(out.length).toBeGreaterThan(30000);
    expect(Math.abs(db(goertzelPower(out, 1000, 44100) / (0.5 ** 2 / 2)))).toBeLessThan(0.1);
    // The image of 1 kHz around the old sample rate (7 kHz) is gone.
    expect(db(goertzelPower(out, 7000, 44100) / (0.5 ** 2 / 2))).toBeLessThan(-70);
  });

  it('passes DC at unity gain and copies when the rates match', () => {
    const dc = new Float32Array(4410).fill(0.25);
    const out = resample(dc, 44100, 8000);
    expect(out[400]).toBeCloseTo(0.25, 5);
    const same = resample(dc, 8000, 8000);
    expect(same).not.toBe(dc);
    expect(Array.from(same)).toEqual(Array.from(dc));
  });

  it('rejects nonsense rates with a RangeError', () => {
    expect(() => resample(new Float32Array(10), 0, 8000)).toThrow(RangeError);
    expect(() => resample(new Float32Array(10), 44100.5, 8000)).toThrow(/source rate/);
    expect(() => resample(new Float32Array(10), 8000, -1)).toThrow(/target rate/);
  });

  it('converts 16-bit PCM, rounding and clipping', () => {
    expect(Array.from(floatToInt16(Float32Array.from([0, 0.5, -0.5, 1, -1, 1.5])))).toEqual([
      0, 16384, -16384, 32767, -32768, 32767,
    ]);
    expect(Array.from(int16ToFloat(Int16Array.from([16384, -32768])))).toEqual([0.5, -1]);
    const tone = floatToInt16(toneFloat(1000, 16000, 16000, 0.5));
    const out = resampleInt16(tone, 16000, 8000);
    expect(out).toHaveLength(8000);
    expect(dominantFrequency(out.subarray(800, 7200), 8000, [500, 1000, 2000])).toBe(1000);
  });
});
