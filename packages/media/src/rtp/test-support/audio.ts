/** Test audio: tone sources, collecting sinks, and the measurements the tests make on them. */
import {
  FRAME_SAMPLES,
  SAMPLE_RATE,
  type FrameSink,
  type FrameSource,
  type PcmFrame,
} from '../../frames.js';

/** A continuous sine tone, one frame per call; keeps a copy of everything it produced. */
export class ToneSource implements FrameSource {
  readonly produced: Int16Array[] = [];
  private phase = 0;

  constructor(
    private readonly frequency: number,
    private readonly amplitude = 8000,
  ) {}

  nextFrame(): PcmFrame {
    const frame = new Int16Array(FRAME_SAMPLES);
    const step = (2 * Math.PI * this.frequency) / SAMPLE_RATE;
    for (let i = 0; i < FRAME_SAMPLES; i += 1) {
      frame[i] = Math.round(this.amplitude * Math.sin(this.phase));
      this.phase += step;
    }
    this.produced.push(frame);
    return frame;
  }
}

/** Copies every frame it is given (the session reuses its buffer). */
export class CollectingSink implements FrameSink {
  readonly frames: Int16Array[] = [];
  writeFrame(frame: PcmFrame): void {
    this.frames.push(frame.slice());
  }
  samples(): Int16Array {
    const all = new Int16Array(this.frames.length * FRAME_SAMPLES);
    this.frames.forEach((frame, i) => {
      all.set(frame, i * FRAME_SAMPLES);
    });
    return all;
  }
}

/** Power of `samples` at `frequency` (Goertzel), normalised by length. */
export function toneEnergy(samples: Int16Array, frequency: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / SAMPLE_RATE);
  let s1 = 0;
  let s2 = 0;
  for (const sample of samples) {
    const s0 = sample + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / samples.length;
}

/** Pearson correlation of two equally long signals. */
export function correlation(a: Int16Array, b: Int16Array): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i += 1) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i += 1) {
    const x = a[i]! - ma;
    const y = b[i]! - mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

export function concat(frames: readonly Int16Array[]): Int16Array {
  const all = new Int16Array(frames.reduce((n, frame) => n + frame.length, 0));
  let offset = 0;
  for (const frame of frames) {
    all.set(frame, offset);
    offset += frame.length;
  }
  return all;
}
