/**
 * Signal helpers for tests: tones, energy and Goertzel's single-bin DFT, so tests check what audio
 * sounds like (which frequency, how loud) instead of counting bytes.
 */

/** A sine tone as floats in [-1, 1]. */
export function toneFloat(
  frequency: number,
  sampleRate: number,
  samples: number,
  amplitude = 0.5,
): Float32Array {
  const out = new Float32Array(samples);
  for (let i = 0; i < samples; i += 1) {
    out[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate);
  }
  return out;
}

/** A sine tone as 16-bit PCM. */
export function toneInt16(
  frequency: number,
  sampleRate: number,
  samples: number,
  amplitude = 0.5,
): Int16Array {
  const f = toneFloat(frequency, sampleRate, samples, amplitude);
  return Int16Array.from(f, (x) => Math.round(x * 32767));
}

/**
 * Power of one frequency in a signal (Goertzel's single DFT bin), as the mean square of that
 * component: a sine of amplitude A filling the window gives A²/2, comparable with `rms(x)²`.
 */
export function goertzelPower(
  samples: ArrayLike<number>,
  frequency: number,
  sampleRate: number,
): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i += 1) {
    const s0 = (samples[i] ?? 0) + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return (2 * power) / (n * n);
}

/** Root mean square. */
export function rms(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i += 1) sum += (samples[i] ?? 0) ** 2;
  return Math.sqrt(sum / samples.length);
}

/** The frequency, among `candidates`, that holds the most power. */
export function dominantFrequency(
  samples: ArrayLike<number>,
  sampleRate: number,
  candidates: readonly number[],
): number {
  let best = candidates[0] ?? 0;
  let bestPower = -1;
  for (const f of candidates) {
    const p = goertzelPower(samples, f, sampleRate);
    if (p > bestPower) {
      bestPower = p;
      best = f;
    }
  }
  return best;
}

/** Decibels of a power ratio. */
export function db(ratio: number): number {
  return 10 * Math.log10(ratio);
}
