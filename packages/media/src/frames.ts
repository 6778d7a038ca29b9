/**
 * The unit of audio inside the media engine: 20 ms of 8 kHz, 16-bit signed linear PCM, mono
 * (160 samples). Every codec decodes to it and encodes from it, the player produces it, the
 * recorder and the bridge consume it, and the pacing clock moves one frame per session per tick.
 * These few types are the contract between the RTP side (sdp/, rtp/, clock/, bridge/) and the
 * audio side (codec/, wav/, player/, recorder/, speech/).
 */

/** Samples per second of the internal PCM (G.711's rate, RFC 3551 §4.5.14). */
export const SAMPLE_RATE = 8000;
/** Milliseconds per frame: the usual packetization time of G.711 (RFC 3551 §4.5, ptime 20). */
export const FRAME_MS = 20;
/** Samples per frame (8000 Hz × 20 ms). */
export const FRAME_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000;

/** One 20 ms frame: exactly `FRAME_SAMPLES` samples. Receivers must not keep a reference to it. */
export type PcmFrame = Int16Array;

/**
 * Produces what a session sends, one frame per pacing tick (a player, the other leg of a bridge).
 * `nextFrame()` is called on the hot path of the pacing loop: it must be cheap and must not throw.
 */
export interface FrameSource {
  /** The next frame to send, `undefined` for nothing this tick (silence is then not sent). */
  nextFrame(): PcmFrame | undefined;
  /**
   * Optional: lets the reader stop polling while the source has nothing (a held call costs no
   * CPU per tick). The reader passes a callback when it sets the source, and `undefined` when it
   * lets it go. After `nextFrame()` has returned `undefined`, the source calls the callback
   * (synchronously, from wherever frames arrive) as soon as `nextFrame()` would return a frame;
   * the reader then pulls from its next tick on. One reader per source. A source without this
   * method is simply polled every tick.
   */
  onFrameReady?(listener: (() => void) | undefined): void;
}

/** Consumes what a session receives, decoded, in arrival order (a recorder, a bridge). */
export interface FrameSink {
  writeFrame(frame: PcmFrame): void;
}

/** A DTMF digit as the engine reports it, whichever way it arrived. */
export interface DtmfEvent {
  /** `0`-`9`, `*`, `#`, `A`-`D` (RFC 4733 §3.2 events 0-15). */
  readonly digit: string;
  /** How long the key was held, in milliseconds (0 when the signalling did not say). */
  readonly durationMs: number;
  /** RFC 4733 telephone-event in the RTP stream, or SIP INFO relayed by the signalling layer. */
  readonly via: 'rfc4733' | 'sip-info';
}

/** Unsubscribes a listener or detaches a sink. */
export type Detach = () => void;

/**
 * What the audio side needs from a call leg's media, and what the RTP session implements:
 * something to send, somewhere to put what arrives, digits in and out.
 */
export interface MediaEndpoint {
  /** What to send from the next tick on (`undefined`: send nothing). Replaces the previous one. */
  setSource(source: FrameSource | undefined): void;
  /** Receives every decoded frame from now on until detached. */
  addSink(sink: FrameSink): Detach;
  /** Every digit received (RFC 4733, or SIP INFO passed in with `injectDtmf`). */
  onDtmf(listener: (event: DtmfEvent) => void): Detach;
  /** Sends digits as RFC 4733 events; resolves once the last end packet is sent. */
  sendDtmf(digits: string, durationMs?: number): Promise<void>;
}
