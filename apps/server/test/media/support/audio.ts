/**
 * Test signals and the measurements the media tests make on recordings: tone sequences that say
 * unambiguously which side produced them, tone energy (Goertzel), and normalised
 * cross-correlation with a lag search (a recording starts at an arbitrary moment, so the prompt
 * is found in it, not assumed at offset 0). Everything is 8 kHz 16-bit mono PCM.
 */
import { decodeWav, encodeWav } from '@switchboard/media';

export const RATE = 8000;

/** One tone of a sequence. */
export interface ToneStep {
  readonly hz: number;
  readonly ms: number;
}

/**
 * Tones back to back, each with 5 ms raised-cosine edges (no clicks that would spread energy to
 * every frequency). `hz: 0` is silence.
 */
export function toneSequence(
  steps: readonly ToneStep[],
  { amplitude = 9000, rate = RATE }: { amplitude?: number; rate?: number } = {},
): Int16Array {
  const lengths = steps.map((step) => Math.round((step.ms * rate) / 1000));
  const pcm = new Int16Array(lengths.reduce((n, length) => n + length, 0));
  const ramp = (5 * rate) / 1000;
  let offset = 0;
  steps.forEach((step, index) => {
    const length = lengths[index] ?? 0;
    for (let i = 0; i < length && step.hz > 0; i += 1) {
      const edge = Math.min(i, length - 1 - i);
      const gain = edge >= ramp ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * edge) / ramp);
      pcm[offset + i] = Math.round(amplitude * gain * Math.sin((2 * Math.PI * step.hz * i) / rate));
    }
    offset += length;
  });
  return pcm;
}

/** A linear chirp from `fromHz` to `toHz`: broadband, so its correlation peak is sharp. */
export function chirp(
  fromHz: number,
  toHz: number,
  ms: number,
  { amplitude = 9000, rate = RATE }: { amplitude?: number; rate?: number } = {},
): Int16Array {
  const length = Math.round((ms * rate) / 1000);
  const pcm = new Int16Array(length);
  const sweep = (toHz - fromHz) / (ms / 1000);
  for (let i = 0; i < length; i += 1) {
    const t = i / rate;
    pcm[i] = Math.round(amplitude * Math.sin(2 * Math.PI * (fromHz * t + (sweep * t * t) / 2)));
  }
  return pcm;
}

export function concat(parts: readonly Int16Array[]): Int16Array {
  const all = new Int16Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

/** A 16-bit mono WAV, 8 kHz unless told (8 kHz is what baresip's aufile wants). */
export function wavBytes(pcm: Int16Array, rate = RATE): Buffer {
  return encodeWav(pcm, rate);
}

/**
 * A WAV as 8 kHz 16-bit mono PCM. baresip's sndfile writes at the codec's rate (8 kHz for
 * G.711); anything else is refused rather than silently resampled, since the tests compare
 * sample by sample.
 */
export function readPcm8k(bytes: Uint8Array, what: string): Int16Array {
  const decoded = decodeWav(bytes);
  if (decoded.sampleRate !== RATE) {
    throw new Error(`${what} is ${String(decoded.sampleRate)} Hz, expected ${String(RATE)}`);
  }
  const pcm = new Int16Array(decoded.samples.length);
  for (let i = 0; i < pcm.length; i += 1) {
    pcm[i] = Math.max(-32768, Math.min(32767, Math.round((decoded.samples[i] ?? 0) * 32768)));
  }
  return pcm;
}

/** Mean power of `samples` at `hz` (Goertzel), normalised by length. */
export function toneEnergy(samples: Int16Array, hz: number): number {
  if (samples.length === 0) return 0;
  const coefficient = 2 * Math.cos((2 * Math.PI * hz) / RATE);
  let s1 = 0;
  let s2 = 0;
  for (const sample of samples) {
    const s0 = sample + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / samples.length;
}

/** Root mean square of a stretch of samples. */
export function rms(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / samples.length);
}

/** RMS in dB relative to full scale (32768). */
export function dbfs(samples: Int16Array): number {
  const value = rms(samples);
  return value === 0 ? -Infinity : 20 * Math.log10(value / 32768);
}

export interface Alignment {
  /** Where `reference` starts in the recording, in samples. */
  readonly lag: number;
  /** Normalised cross-correlation there (1: identical up to gain). */
  readonly correlation: number;
}

/** Correlations this close to the best count as equally good for `near` (see `align`). */
const TIE = 0.01;

/**
 * Finds `reference` in `recording`: the lag with the highest normalised cross-correlation
 * (Pearson over the overlapping window, energies from prefix sums). Brute force over every lag
 * from `minLag` to `maxLag` (default: every lag at which the reference fits), which is fast
 * enough for a few seconds of 8 kHz audio. With `near`, of the lags within 0.01 of the best
 * correlation the one closest to `near` wins: a stretch of a steady tone matches itself one
 * period (or several) away almost as well, and must not be placed there.
 */
export function align(
  recording: Int16Array,
  reference: Int16Array,
  range: { readonly minLag?: number; readonly maxLag?: number; readonly near?: number } = {},
): Alignment {
  const n = reference.length;
  const last = recording.length - n;
  if (last < 0) return { lag: 0, correlation: 0 };
  const minLag = Math.max(0, range.minLag ?? 0);
  const maxLag = Math.min(last, range.maxLag ?? last);
  let refSum = 0;
  let refSquares = 0;
  for (const sample of reference) {
    refSum += sample;
    refSquares += sample * sample;
  }
  const refVariance = refSquares - (refSum * refSum) / n;
  const sums = new Float64Array(recording.length + 1);
  const squares = new Float64Array(recording.length + 1);
  // Typed arrays read in range: `?? 0` only satisfies the type checker.
  for (let i = 0; i < recording.length; i += 1) {
    const sample = recording[i] ?? 0;
    sums[i + 1] = (sums[i] ?? 0) + sample;
    squares[i + 1] = (squares[i] ?? 0) + sample * sample;
  }
  const correlations = new Float64Array(Math.max(0, maxLag - minLag + 1)).fill(-Infinity);
  let best: Alignment = { lag: minLag, correlation: -Infinity };
  for (let lag = minLag; lag <= maxLag; lag += 1) {
    let dot = 0;
    for (let i = 0; i < n; i += 1) dot += (reference[i] ?? 0) * (recording[lag + i] ?? 0);
    const sum = (sums[lag + n] ?? 0) - (sums[lag] ?? 0);
    const variance = (squares[lag + n] ?? 0) - (squares[lag] ?? 0) - (sum * sum) / n;
    if (variance <= 0) continue;
    const correlation = (dot - (sum * refSum) / n) / Math.sqrt(variance * refVariance);
    correlations[lag - minLag] = correlation;
    if (correlation > best.correlation) best = { lag, correlation };
  }
  const near = range.near;
  if (near === undefined) return best;
  let chosen = best;
  for (let lag = minLag; lag <= maxLag; lag += 1) {
    const correlation = correlations[lag - minLag] ?? -Infinity;
    if (
      correlation >= best.correlation - TIE &&
      Math.abs(lag - near) < Math.abs(chosen.lag - near)
    ) {
      chosen = { lag, correlation };
    }
  }
  return chosen;
}

/** Where one stretch of the reference was found in the recording. */
export interface Segment {
  /** Its start in the reference, in samples. */
  readonly offset: number;
  /** Its start in the recording, in samples. */
  readonly lag: number;
  readonly correlation: number;
}

/** Correlation at or above which a segment counts as intact. */
export const INTACT = 0.9;

/**
 * The reference cut into segments of `segmentMs`, each looked for on its own within `slackMs`
 * of where it should be: after the whole's alignment at first, then right after the previous
 * segment found intact. A real path may drop or insert a frame or two (a jitter buffer, a
 * pacing stall on a loaded machine): that shifts the rest of the signal a little, which this
 * follows, while a segment that did not come through shows as one with a low correlation. Each
 * such discontinuity costs at most the one segment it falls in, so short segments (50 ms by
 * default: 400 samples, far too many for a chance match) keep `coverage` a measure of how much
 * of the signal is missing rather than of how often something was.
 */
export function segments(
  recording: Int16Array,
  reference: Int16Array,
  whole: Alignment,
  { segmentMs = 50, slackMs = 150 }: { segmentMs?: number; slackMs?: number } = {},
): Segment[] {
  const size = (segmentMs * RATE) / 1000;
  const slack = (slackMs * RATE) / 1000;
  const found: Segment[] = [];
  let expected = whole.lag;
  for (let offset = 0; offset + size <= reference.length; offset += size) {
    const piece = reference.subarray(offset, offset + size);
    const at = align(recording, piece, {
      minLag: expected - slack,
      maxLag: expected + slack,
      near: expected,
    });
    found.push({ offset, lag: at.lag, correlation: at.correlation });
    expected = (at.correlation >= INTACT ? at.lag : expected) + size;
  }
  return found;
}

/** The share of segments that came through intact (correlation ≥ `INTACT`). */
export function coverage(found: readonly Segment[]): number {
  if (found.length === 0) return 0;
  return found.filter((segment) => segment.correlation >= INTACT).length / found.length;
}

/** Where the reference sample `offset` ended up in the recording, from the nearest segment. */
export function recordedAt(found: readonly Segment[], offset: number, whole: Alignment): number {
  let nearest: Segment | undefined;
  for (const segment of found) {
    if (segment.offset <= offset && segment.correlation >= INTACT) nearest = segment;
  }
  return nearest === undefined ? whole.lag + offset : nearest.lag + (offset - nearest.offset);
}

/**
 * For a tone sequence at `offset` in the reference: how strongly each tone's own frequency
 * dominates the other tones' frequencies and the `rivals` (power ratio, Goertzel) in the middle
 * of where it was recorded (20 ms off each edge).
 */
export function toneDominance(
  recording: Int16Array,
  found: readonly Segment[],
  whole: Alignment,
  offset: number,
  tones: readonly ToneStep[],
  rivals: readonly number[] = [],
): number[] {
  const edge = (20 * RATE) / 1000;
  let toneOffset = offset;
  return tones.map((tone) => {
    const length = (tone.ms * RATE) / 1000;
    const start = recordedAt(found, toneOffset, whole) + edge;
    toneOffset += length;
    const window = recording.subarray(start, start + length - 2 * edge);
    const others = [...tones.map((other) => other.hz), ...rivals]
      .filter((hz) => hz !== tone.hz)
      .map((hz) => toneEnergy(window, hz));
    // Floor of 1 (sample² units): a window with no other tone at all gives the tone's power.
    return toneEnergy(window, tone.hz) / Math.max(...others, 1);
  });
}

/** What a report says about a signal found in a recording. */
export function describeMatch(whole: Alignment, found: readonly Segment[]) {
  return {
    atMs: (whole.lag * 1000) / RATE,
    correlation: round5(whole.correlation),
    coverage: round5(coverage(found)),
    segments: found.length,
    worstSegment: round5(Math.min(...found.map((segment) => segment.correlation))),
  };
}

/** Ratios as decibels, rounded, for reports. */
export function decibels(ratios: readonly number[]): number[] {
  return ratios.map((ratio) => Math.round(10 * Math.log10(ratio)));
}

/** Round to 5 decimals, for readable reports (a correlation of 0.99998 is not 1). */
export function round5(value: number): number {
  return Math.round(value * 100_000) / 100_000;
}
