/**
 * An in-memory `MediaEndpoint` for tests of the audio side: the test plays the pacing clock
 * (`tick()` pulls one frame from the source) and the network (`receive()` hands a frame to the
 * sinks, `press()` reports a digit).
 */
import type {
  Detach,
  DtmfEvent,
  FrameSink,
  FrameSource,
  MediaEndpoint,
  PcmFrame,
} from '../../frames.js';

export class FakeEndpoint implements MediaEndpoint {
  source: FrameSource | undefined;
  /** Every value passed to `setSource`, in order. */
  readonly sourceChanges: (FrameSource | undefined)[] = [];
  readonly sinks = new Set<FrameSink>();
  readonly dtmfListeners = new Set<(event: DtmfEvent) => void>();
  readonly sentDtmf: { digits: string; durationMs: number | undefined }[] = [];

  setSource(source: FrameSource | undefined): void {
    this.source = source;
    this.sourceChanges.push(source);
  }

  addSink(sink: FrameSink): Detach {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  onDtmf(listener: (event: DtmfEvent) => void): Detach {
    this.dtmfListeners.add(listener);
    return () => this.dtmfListeners.delete(listener);
  }

  sendDtmf(digits: string, durationMs?: number): Promise<void> {
    this.sentDtmf.push({ digits, durationMs });
    return Promise.resolve();
  }

  /** One pacing tick: the frame the source gives, copied (the source may reuse its buffer). */
  tick(): Int16Array | undefined {
    const frame = this.source?.nextFrame();
    return frame === undefined ? undefined : frame.slice();
  }

  /** `n` ticks; `undefined` entries are ticks where nothing was sent. */
  ticks(n: number): (Int16Array | undefined)[] {
    return Array.from({ length: n }, () => this.tick());
  }

  /** Audio arriving from the network. */
  receive(frame: PcmFrame): void {
    for (const sink of this.sinks) sink.writeFrame(frame);
  }

  /** A digit arriving (RFC 4733 unless told otherwise). */
  press(digit: string, durationMs = 120, via: DtmfEvent['via'] = 'rfc4733'): void {
    for (const listener of this.dtmfListeners) listener({ digit, durationMs, via });
  }
}

/** Lets pending promise callbacks and microtasks run (loads from memory, microtask endings). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1)
    await new Promise<void>((resolveTick) => setImmediate(resolveTick));
}

/** Waits (polling) until `predicate` holds, for work that involves real file I/O. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise<void>((resolveLater) => setTimeout(resolveLater, 2));
  }
}
