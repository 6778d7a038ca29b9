/**
 * A small jitter queue between two sessions: frames written as they arrive from one leg, read
 * one per pacing tick by the other. Bounded (drop the oldest when full, so delay never grows),
 * preallocated (frames are copied into fixed slots: no allocation per frame), and with a prefill:
 * after running dry it waits for `prefillFrames` before playing again, which absorbs the phase
 * difference between the far end's packet clock and our pacing clock.
 */
import { FRAME_SAMPLES, type FrameSink, type FrameSource, type PcmFrame } from '../frames.js';

export interface FrameQueueStats {
  readonly depth: number;
  /** Frames dropped because the queue was full (the writer runs faster than the reader). */
  readonly dropped: number;
  /** Ticks that found the queue empty while playing (the writer paused or is slower). */
  readonly underruns: number;
}

export class FrameQueue implements FrameSink, FrameSource {
  /** Allocated on the first frame: a call that stays silent (held) never needs them. */
  private slots: PcmFrame[] | undefined;
  private head = 0;
  private count = 0;
  private buffering = true;
  private dropped = 0;
  private underruns = 0;
  /** Frames needed before `nextFrame` gives one after returning undefined. */
  private readonly readyCount: number;
  private readyListener: (() => void) | undefined;
  /** The reader got `undefined` and has not been told about frames since. */
  private readerWaiting = true;

  constructor(
    readonly capacity = 5,
    private readonly prefillFrames = 2,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `frame queue capacity must be a positive integer, got ${String(capacity)}`,
      );
    }
    if (!Number.isInteger(prefillFrames) || prefillFrames < 0 || prefillFrames > capacity) {
      throw new RangeError(
        `prefill must be 0-${String(capacity)} frames, got ${String(prefillFrames)}`,
      );
    }
    this.readyCount = Math.max(1, prefillFrames);
  }

  private allocate(): PcmFrame[] {
    const storage = new Int16Array(this.capacity * FRAME_SAMPLES);
    const slots: PcmFrame[] = [];
    for (let i = 0; i < this.capacity; i += 1) {
      slots.push(storage.subarray(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES));
    }
    this.slots = slots;
    return slots;
  }

  writeFrame(frame: PcmFrame): void {
    if (this.count === this.capacity) {
      this.head = (this.head + 1) % this.capacity;
      this.count -= 1;
      this.dropped += 1;
    }
    const slots = this.slots ?? this.allocate();
    const slot = slots[(this.head + this.count) % this.capacity] as PcmFrame;
    if (frame.length >= FRAME_SAMPLES) {
      slot.set(frame.length === FRAME_SAMPLES ? frame : frame.subarray(0, FRAME_SAMPLES));
    } else {
      slot.set(frame);
      slot.fill(0, frame.length);
    }
    this.count += 1;
    if (this.readerWaiting && this.count >= this.readyCount) {
      this.readerWaiting = false;
      this.readyListener?.();
    }
  }

  /** FrameSource.onFrameReady: wakes the reading session when frames come after a dry spell. */
  onFrameReady(listener: (() => void) | undefined): void {
    this.readyListener = listener;
    // Frames already waiting are said at once: the reader sleeps until it hears of frames.
    if (listener !== undefined && this.count >= (this.buffering ? this.readyCount : 1)) {
      this.readerWaiting = false;
      listener();
    } else {
      this.readerWaiting = true;
    }
  }

  /** The oldest frame (valid until the next write), or undefined while empty or prefilling. */
  nextFrame(): PcmFrame | undefined {
    if (this.buffering) {
      if (this.count < this.prefillFrames || this.count === 0) {
        this.readerWaiting = true;
        return undefined;
      }
      this.buffering = false;
    }
    if (this.count === 0) {
      this.buffering = true;
      this.underruns += 1;
      this.readerWaiting = true;
      return undefined;
    }
    const slot = this.slots?.[this.head];
    this.head = (this.head + 1) % this.capacity;
    this.count -= 1;
    return slot;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
    this.buffering = true;
  }

  stats(): FrameQueueStats {
    return { depth: this.count, dropped: this.dropped, underruns: this.underruns };
  }
}
