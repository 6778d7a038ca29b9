/** Test audio for calls: a tone to send, a sink that keeps what arrives, and its measure. */
import {
  FRAME_SAMPLES,
  SAMPLE_RATE,
  type FrameSink,
  type FrameSource,
  type PcmFrame,
} from '@switchboard/media';

/** A continuous sine tone, one 20 ms frame per call. */
export class ToneSource implements FrameSource {
  private phase = 0;
  private readonly frame = new Int16Array(FRAME_SAMPLES);

  constructor(
    private readonly frequency: number,
    private readonly amplitude = 8000,
  ) {}

  nextFrame(): PcmFrame {
    const step = (2 * Math.PI * this.frequency) / SAMPLE_RATE;
    for (let i = 0; i < FRAME_SAMPLES; i += 1) {
      this.frame[i] = Math.round(this.amplitude * Math.sin(this.phase));
      this.phase += step;
    }
    return this.frame;
  }
}

/** Keeps a copy of every frame it receives (sessions reuse their buffer). */
export class CollectingSink implements FrameSink {
  private readonly frames: Int16Array[] = [];

  writeFrame(frame: PcmFrame): void {
    this.frames.push(frame.slice());
  }

  get frameCount(): number {
    return this.frames.length;
  }

  /** The last `count` frames (all by default) as one signal. */
  samples(count = this.frames.length): Int16Array {
    const chosen = this.frames.slice(Math.max(0, this.frames.length - count));
    const all = new Int16Array(chosen.length * FRAME_SAMPLES);
    chosen.forEach((frame, i) => {
      all.set(frame, i * FRAME_SAMPLES);
    });
    return all;
  }
}

/** Power of `samples` at `frequency` (Goertzel), normalised by length; 0 for no samples. */
export function toneEnergy(samples: Int16Array, frequency: number): number {
  if (samples.length === 0) return 0;
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
