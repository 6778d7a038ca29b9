import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseWav, wavToPcm8k } from './reader.js';
import { toneInt16 } from './test-support/audio.js';
import {
  buildWavHeader,
  DATA_SIZE_OFFSET,
  encodeWav,
  MAX_WAV_DATA_BYTES,
  patchWavSizes,
  RIFF_SIZE_OFFSET,
  WAV_HEADER_BYTES,
  wavSizeFields,
  writeWavFile,
} from './writer.js';

describe('WAV writer', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wav-writer-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the canonical 44-byte header for 8 kHz 16-bit mono', () => {
    const header = buildWavHeader(3200);
    expect(header).toHaveLength(WAV_HEADER_BYTES);
    expect(header.toString('ascii', 0, 4)).toBe('RIFF');
    expect(header.readUInt32LE(4)).toBe(36 + 3200);
    expect(header.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(header.readUInt32LE(16)).toBe(16);
    expect(header.readUInt16LE(20)).toBe(1); // PCM
    expect(header.readUInt16LE(22)).toBe(1); // mono
    expect(header.readUInt32LE(24)).toBe(8000);
    expect(header.readUInt32LE(28)).toBe(16000); // byte rate
    expect(header.readUInt16LE(32)).toBe(2); // block align
    expect(header.readUInt16LE(34)).toBe(16);
    expect(header.toString('ascii', 36, 40)).toBe('data');
    expect(header.readUInt32LE(40)).toBe(3200);
  });

  it('patches sizes in place and clamps to what RIFF can state', () => {
    const header = buildWavHeader(0);
    expect(header.readUInt32LE(DATA_SIZE_OFFSET)).toBe(0);
    patchWavSizes(header, 16000);
    expect(header.readUInt32LE(RIFF_SIZE_OFFSET)).toBe(16036);
    expect(header.readUInt32LE(DATA_SIZE_OFFSET)).toBe(16000);
    patchWavSizes(header, 2 ** 40);
    expect(header.readUInt32LE(DATA_SIZE_OFFSET)).toBe(MAX_WAV_DATA_BYTES);
    expect(header.readUInt32LE(RIFF_SIZE_OFFSET)).toBe(0xfffffffe);
    const fields = wavSizeFields(320);
    expect(fields.riff.readUInt32LE(0)).toBe(356);
    expect(fields.data.readUInt32LE(0)).toBe(320);
  });

  it('round-trips PCM through a file, other rates too', async () => {
    const tone = toneInt16(1000, 8000, 4000, 0.5);
    const path = join(dir, 'tone.wav');
    await writeWavFile(path, tone);
    const bytes = await readFile(path);
    expect(bytes).toHaveLength(44 + 8000);
    expect(parseWav(bytes)).toMatchObject({ encoding: 'pcm', sampleRate: 8000, frames: 4000 });
    expect(Array.from(wavToPcm8k(bytes))).toEqual(Array.from(tone));

    const wide = toneInt16(1000, 16000, 16000, 0.5);
    const info = parseWav(encodeWav(wide, 16000));
    expect(info).toMatchObject({ sampleRate: 16000, frames: 16000, truncated: false });
    expect(wavToPcm8k(encodeWav(wide, 16000))).toHaveLength(8000);
  });
});
