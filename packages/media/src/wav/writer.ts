/**
 * Writing the engine's own WAV files: 16-bit PCM, mono, 8 kHz by default, the canonical 44-byte
 * header (RIFF, a 16-byte `fmt ` chunk, `data`). The recorder writes the header first with
 * placeholder sizes and patches the two size fields as audio lands (`patchWavSizes`).
 */
import { writeFile } from 'node:fs/promises';
import { SAMPLE_RATE } from '../frames.js';
import { WAVE_FORMAT_PCM } from './format.js';

/** Size of the header `buildWavHeader` writes; audio starts at this offset. */
export const WAV_HEADER_BYTES = 44;
/** Offset of the RIFF chunk size field (file size − 8). */
export const RIFF_SIZE_OFFSET = 4;
/** Offset of the data chunk size field. */
export const DATA_SIZE_OFFSET = 40;
/** The largest data size a RIFF header can state (its size fields are 32-bit). */
export const MAX_WAV_DATA_BYTES = 0xffffffff - (WAV_HEADER_BYTES - 8) - 1;

export interface WavHeaderOptions {
  /** Default 8000. */
  readonly sampleRate?: number;
  /** Default 1. */
  readonly channels?: number;
}

/**
 * The 44-byte header of a 16-bit PCM file holding `dataBytes` of audio (0 as the placeholder of
 * a file still being written).
 */
export function buildWavHeader(dataBytes: number, options: WavHeaderOptions = {}): Buffer {
  const sampleRate = options.sampleRate ?? SAMPLE_RATE;
  const channels = options.channels ?? 1;
  const blockAlign = channels * 2;
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28); // byte rate
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  patchWavSizes(header, dataBytes);
  return header;
}

/**
 * Sets the RIFF and data size fields of a header built by `buildWavHeader` (or its first 44 bytes)
 * for `dataBytes` of audio. An odd data size would need a pad byte; 16-bit audio never has one.
 */
export function patchWavSizes(header: Buffer, dataBytes: number): void {
  const size = Math.min(Math.max(0, Math.floor(dataBytes)), MAX_WAV_DATA_BYTES);
  header.writeUInt32LE(WAV_HEADER_BYTES - 8 + size, RIFF_SIZE_OFFSET);
  header.writeUInt32LE(size, DATA_SIZE_OFFSET);
}

/** The two size fields alone, as the 4-byte values to write at their offsets in a file. */
export function wavSizeFields(dataBytes: number): { riff: Buffer; data: Buffer } {
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  patchWavSizes(header, dataBytes);
  return {
    riff: header.subarray(RIFF_SIZE_OFFSET, RIFF_SIZE_OFFSET + 4),
    data: header.subarray(DATA_SIZE_OFFSET, DATA_SIZE_OFFSET + 4),
  };
}

/** Copies samples as little-endian 16-bit into `target` at `byteOffset` (portable to any host). */
export function writePcmLE(pcm: Int16Array, target: Buffer, byteOffset: number): void {
  for (let i = 0; i < pcm.length; i += 1) target.writeInt16LE(pcm[i] ?? 0, byteOffset + i * 2);
}

/** A complete WAV file for mono 16-bit PCM (8 kHz unless told otherwise). */
export function encodeWav(pcm: Int16Array, sampleRate: number = SAMPLE_RATE): Buffer {
  const dataBytes = pcm.length * 2;
  const file = Buffer.alloc(WAV_HEADER_BYTES + dataBytes);
  buildWavHeader(dataBytes, { sampleRate }).copy(file, 0);
  writePcmLE(pcm, file, WAV_HEADER_BYTES);
  return file;
}

/** Writes mono 16-bit PCM to a WAV file (replacing it), for tests and converted greetings. */
export async function writeWavFile(
  path: string,
  pcm: Int16Array,
  sampleRate: number = SAMPLE_RATE,
): Promise<void> {
  await writeFile(path, encodeWav(pcm, sampleRate));
}
