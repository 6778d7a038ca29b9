/**
 * Audio for the peers and the checks on what they heard: tones, G.711 (written here from the
 * ITU-T tables rather than taken from @switchboard/media, so a codec bug there cannot hide
 * itself), 16-bit WAV files, and a Goertzel detector that says how long a tone was heard.
 */
import { readFile, writeFile } from 'node:fs/promises';

export const RATE = 8000;
/** 20 ms at 8 kHz: one RTP packet of G.711. */
export const FRAME = 160;

/** `ms` of a sine at `hz`, amplitude as a fraction of full scale. */
export function tone(hz: number, ms: number, amplitude = 0.4): Int16Array {
  const samples = new Int16Array(Math.round((RATE * ms) / 1000));
  for (let i = 0; i < samples.length; i += 1) {
    samples[i] = Math.round(Math.sin((2 * Math.PI * hz * i) / RATE) * amplitude * 32767);
  }
  return samples;
}

// --- G.711 (ITU-T G.711 §A/§u, the classic Sun reference algorithm) --------------------------

const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

export function linearToUlaw(sample: number): number {
  let value = sample;
  const sign = value < 0 ? 0x80 : 0;
  if (sign !== 0) value = -value;
  if (value > ULAW_CLIP) value = ULAW_CLIP;
  value += ULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (value & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
  const mantissa = (value >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const sample = (((u & 0x0f) << 3) + ULAW_BIAS) << exponent;
  return (u & 0x80) !== 0 ? ULAW_BIAS - sample : sample - ULAW_BIAS;
}

export function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  let t = (a & 0x0f) << 4;
  const segment = (a & 0x70) >> 4;
  if (segment === 0) t += 8;
  else {
    t += 0x108;
    if (segment > 1) t <<= segment - 1;
  }
  return (a & 0x80) !== 0 ? t : -t;
}

/** G.711 payload to PCM: payload type 0 is µ-law, 8 is A-law (RFC 3551 table 4). */
export function decodeG711(payload: Uint8Array, payloadType: number): Int16Array {
  const out = new Int16Array(payload.length);
  const decode = payloadType === 8 ? alawToLinear : ulawToLinear;
  for (let i = 0; i < payload.length; i += 1) out[i] = decode(payload[i] ?? 0xff);
  return out;
}

export function encodeUlaw(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i += 1) out[i] = linearToUlaw(samples[i] ?? 0);
  return out;
}

// --- WAV ----------------------------------------------------------------------------------------

/** A 16-bit mono PCM WAV. */
export async function writeWav(path: string, samples: Int16Array, rate = RATE): Promise<void> {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  await writeFile(path, Buffer.concat([header, data]));
}

export interface WavAudio {
  readonly rate: number;
  readonly channels: number;
  /** The first channel. */
  readonly samples: Int16Array;
}

/**
 * Reads a 16-bit PCM WAV (any chunk order). A header whose sizes were never patched (a writer
 * that was killed) is read up to the end of the file.
 */
export async function readWav(path: string): Promise<WavAudio> {
  const bytes = await readFile(path);
  if (bytes.length < 12 || bytes.toString('ascii', 0, 4) !== 'RIFF') {
    throw new Error(`${path}: not a RIFF/WAVE file (${String(bytes.length)} bytes)`);
  }
  let offset = 12;
  let rate = 0;
  let channels = 0;
  let bits = 0;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      channels = bytes.readUInt16LE(body + 2);
      rate = bytes.readUInt32LE(body + 4);
      bits = bytes.readUInt16LE(body + 14);
    } else if (id === 'data') {
      if (bits !== 16) throw new Error(`${path}: ${String(bits)}-bit samples, expected 16`);
      const end = size === 0 || body + size > bytes.length ? bytes.length : body + size;
      const frames = Math.floor((end - body) / (2 * channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i += 1) samples[i] = bytes.readInt16LE(body + i * 2 * channels);
      return { rate, channels, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}

// --- analysis -----------------------------------------------------------------------------------

/** RMS level in dBFS (-Infinity for digital silence). */
export function rmsDbfs(samples: Int16Array): number {
  if (samples.length === 0) return Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const s of samples) sum += s * s;
  return 10 * Math.log10(sum / samples.length / (32768 * 32768));
}

/** The share (0..1) of a block's energy at `hz` (Goertzel; a pure tone there gives about 1). */
export function toneShare(block: Int16Array, hz: number, rate = RATE): number {
  const n = block.length;
  if (n === 0) return 0;
  const coefficient = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const sample of block) {
    const s0 = sample + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += sample * sample;
  }
  if (energy === 0) return 0;
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return power / ((n / 2) * energy);
}

export interface ToneReport {
  /** Milliseconds of 20 ms blocks louder than -40 dBFS that are mostly the tone. */
  readonly toneMs: number;
  /** Milliseconds of blocks louder than -40 dBFS. */
  readonly audibleMs: number;
  readonly totalMs: number;
}

/** How much of `samples` is the tone `hz`, block by block (20 ms blocks). */
export function toneReport(samples: Int16Array, hz: number, rate = RATE): ToneReport {
  const block = Math.round(rate / 50);
  let toneBlocks = 0;
  let audibleBlocks = 0;
  let blocks = 0;
  for (let start = 0; start + block <= samples.length; start += block) {
    blocks += 1;
    const slice = samples.subarray(start, start + block);
    if (rmsDbfs(slice) < -40) continue;
    audibleBlocks += 1;
    if (toneShare(slice, hz, rate) > 0.6) toneBlocks += 1;
  }
  return { toneMs: toneBlocks * 20, audibleMs: audibleBlocks * 20, totalMs: blocks * 20 };
}

/** Milliseconds of 20 ms blocks louder than -40 dBFS: how long something was heard. */
export function audibleMs(samples: Int16Array, rate = RATE): number {
  const block = Math.round(rate / 50);
  let audible = 0;
  for (let start = 0; start + block <= samples.length; start += block) {
    if (rmsDbfs(samples.subarray(start, start + block)) >= -40) audible += 1;
  }
  return audible * 20;
}
