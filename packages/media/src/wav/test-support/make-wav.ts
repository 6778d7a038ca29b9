/**
 * Builds WAV files of every kind the reader accepts (and broken ones), byte by byte, so the tests
 * know exactly what they feed in. Independent of `wav/writer.ts` on purpose.
 */
import alawmulaw from 'alawmulaw';

export type TestEncoding =
  'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64' | 'alaw' | 'mulaw';

export interface MakeWavOptions {
  readonly encoding: TestEncoding;
  readonly sampleRate: number;
  /** One float array (values in [-1, 1]) per channel, all the same length. */
  readonly channels: readonly Float32Array[];
  /** Write WAVE_FORMAT_EXTENSIBLE instead of the plain tag. */
  readonly extensible?: boolean;
  /** Chunks to put before `fmt `, between `fmt ` and `data`, and after `data`. */
  readonly chunksBeforeFmt?: readonly Chunk[];
  readonly chunksBeforeData?: readonly Chunk[];
  readonly chunksAfterData?: readonly Chunk[];
  /** Override the declared data size (e.g. a streamed file's placeholder). */
  readonly declaredDataBytes?: number;
}

export interface Chunk {
  readonly id: string;
  readonly body: Uint8Array;
  /** Declared size when it should differ from the body's length. */
  readonly declaredSize?: number;
}

const TAGS: Record<TestEncoding, number> = {
  pcm8: 1,
  pcm16: 1,
  pcm24: 1,
  pcm32: 1,
  float32: 3,
  float64: 3,
  alaw: 6,
  mulaw: 7,
};
const BYTES: Record<TestEncoding, number> = {
  pcm8: 1,
  pcm16: 2,
  pcm24: 3,
  pcm32: 4,
  float32: 4,
  float64: 8,
  alaw: 1,
  mulaw: 1,
};

function clampInt(x: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.round(x)));
}

function encodeSample(encoding: TestEncoding, x: number, view: DataView, offset: number): void {
  switch (encoding) {
    case 'pcm8':
      view.setUint8(offset, clampInt(x * 128 + 128, 0, 255));
      return;
    case 'pcm16':
      view.setInt16(offset, clampInt(x * 32768, -32768, 32767), true);
      return;
    case 'pcm24': {
      const v = clampInt(x * 8388608, -8388608, 8388607);
      view.setUint8(offset, v & 0xff);
      view.setUint8(offset + 1, (v >> 8) & 0xff);
      view.setUint8(offset + 2, (v >> 16) & 0xff);
      return;
    }
    case 'pcm32':
      view.setInt32(offset, clampInt(x * 2147483648, -2147483648, 2147483647), true);
      return;
    case 'float32':
      view.setFloat32(offset, x, true);
      return;
    case 'float64':
      view.setFloat64(offset, x, true);
      return;
    case 'alaw':
      view.setUint8(offset, alawmulaw.alaw.encodeSample(clampInt(x * 32768, -32768, 32767)));
      return;
    case 'mulaw':
      view.setUint8(offset, alawmulaw.mulaw.encodeSample(clampInt(x * 32768, -32768, 32767)));
      return;
  }
}

function chunkBytes(chunk: Chunk): Uint8Array {
  const size = chunk.body.length;
  const out = new Uint8Array(8 + size + (size & 1));
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i += 1) out[i] = chunk.id.charCodeAt(i);
  view.setUint32(4, chunk.declaredSize ?? size, true);
  out.set(chunk.body, 8);
  return out;
}

/** The `fmt ` chunk body for an encoding. */
export function fmtBody(
  encoding: TestEncoding,
  channels: number,
  sampleRate: number,
  extensible = false,
): Uint8Array {
  const bytes = BYTES[encoding];
  const body = new Uint8Array(extensible ? 40 : 16);
  const view = new DataView(body.buffer);
  view.setUint16(0, extensible ? 0xfffe : TAGS[encoding], true);
  view.setUint16(2, channels, true);
  view.setUint32(4, sampleRate, true);
  view.setUint32(8, sampleRate * channels * bytes, true);
  view.setUint16(12, channels * bytes, true);
  view.setUint16(14, bytes * 8, true);
  if (extensible) {
    view.setUint16(16, 22, true); // cbSize
    view.setUint16(18, bytes * 8, true); // valid bits
    view.setUint32(20, channels === 1 ? 0x4 : 0x3, true); // channel mask
    view.setUint16(24, TAGS[encoding], true);
    body.set(
      [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71],
      26,
    );
  }
  return body;
}

/** Interleaved sample data for the given channels. */
export function dataBody(encoding: TestEncoding, channels: readonly Float32Array[]): Uint8Array {
  const bytes = BYTES[encoding];
  const frames = channels[0]?.length ?? 0;
  const body = new Uint8Array(frames * channels.length * bytes);
  const view = new DataView(body.buffer);
  let offset = 0;
  for (let f = 0; f < frames; f += 1) {
    for (const channel of channels) {
      encodeSample(encoding, channel[f] ?? 0, view, offset);
      offset += bytes;
    }
  }
  return body;
}

/** Assembles RIFF/WAVE from chunks (the RIFF size is computed unless given). */
export function riff(chunks: readonly Chunk[], riffSize?: number): Uint8Array {
  const parts = chunks.map(chunkBytes);
  const total = 12 + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set([0x52, 0x49, 0x46, 0x46], 0); // RIFF
  view.setUint32(4, riffSize ?? total - 8, true);
  out.set([0x57, 0x41, 0x56, 0x45], 8); // WAVE
  let offset = 12;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** A complete WAV file. */
export function makeWav(options: MakeWavOptions): Uint8Array {
  const fmt: Chunk = {
    id: 'fmt ',
    body: fmtBody(
      options.encoding,
      options.channels.length,
      options.sampleRate,
      options.extensible,
    ),
  };
  const data: Chunk = {
    id: 'data',
    body: dataBody(options.encoding, options.channels),
    ...(options.declaredDataBytes === undefined ? {} : { declaredSize: options.declaredDataBytes }),
  };
  return riff([
    ...(options.chunksBeforeFmt ?? []),
    fmt,
    ...(options.chunksBeforeData ?? []),
    data,
    ...(options.chunksAfterData ?? []),
  ]);
}

/** A LIST/INFO chunk with a title, as audio editors write. */
export function listInfoChunk(title: string): Chunk {
  const text = new TextEncoder().encode(`${title}\0`);
  const body = new Uint8Array(4 + 8 + text.length);
  const view = new DataView(body.buffer);
  body.set(new TextEncoder().encode('INFO'), 0);
  body.set(new TextEncoder().encode('INAM'), 4);
  view.setUint32(8, text.length, true);
  body.set(text, 12);
  return { id: 'LIST', body };
}
