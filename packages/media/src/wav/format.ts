/**
 * WAVE format tags and the description of a parsed file. Tags are the registered values of
 * Microsoft's RIFF specification (mmreg.h); WAVE_FORMAT_EXTENSIBLE carries the real tag in the
 * first two bytes of its sub-format GUID.
 */

export const WAVE_FORMAT_PCM = 0x0001;
export const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
export const WAVE_FORMAT_ALAW = 0x0006;
export const WAVE_FORMAT_MULAW = 0x0007;
export const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** The encodings the reader decodes. */
export type WavEncoding = 'pcm' | 'float' | 'alaw' | 'mulaw';

/** Limits that no genuine prompt or recording comes near; past them a header is garbage. */
export const MIN_SAMPLE_RATE = 1000;
export const MAX_SAMPLE_RATE = 768_000;
export const MAX_CHANNELS = 64;

/** What the `fmt ` and `data` chunks of a file say, after validation. */
export interface WavInfo {
  readonly encoding: WavEncoding;
  /** The format tag as written (0xFFFE for WAVE_FORMAT_EXTENSIBLE). */
  readonly formatTag: number;
  readonly channels: number;
  /** Samples per second per channel. */
  readonly sampleRate: number;
  /** Significant bits per sample (`wValidBitsPerSample` for EXTENSIBLE). */
  readonly bitsPerSample: number;
  /** Bytes one sample of one channel occupies in the data chunk (the container size). */
  readonly bytesPerSample: number;
  /** Bytes of one sample frame (all channels): `nBlockAlign`. */
  readonly blockAlign: number;
  /** Offset of the first audio byte in the file. */
  readonly dataOffset: number;
  /** Audio bytes actually present (whole sample frames only). */
  readonly dataBytes: number;
  /** Sample frames present (per channel). */
  readonly frames: number;
  /**
   * True when the data chunk declares more bytes than the file holds: a streamed file (espeak-ng
   * writes 0x7FFFF000 to a pipe), a recording cut short by a crash, a partial copy. What is there
   * is used.
   */
  readonly truncated: boolean;
}
