import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../player/test-support/fake-endpoint.js';
import { parseWav, wavToPcm8k } from '../wav/reader.js';
import { toneInt16 } from '../wav/test-support/audio.js';
import { WavFileWriter } from './wav-file-writer.js';

describe('WavFileWriter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wav-file-writer-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes whole seconds as they fill, header patched after each, the rest on finish', async () => {
    const path = join(dir, 'stream.wav');
    const errors: Error[] = [];
    const writer = await WavFileWriter.create(path, (e) => errors.push(e));
    expect(parseWav(await readFile(path))).toMatchObject({ frames: 0, truncated: false });
    const tone = toneInt16(440, 8000, 20_400);
    for (let i = 0; i < tone.length; i += 160) writer.append(tone.subarray(i, i + 160));
    expect(writer.samples).toBe(20_400);
    // Two full one-second buffers go to disk without being asked.
    await waitFor(() => writer.samplesOnDisk === 16_000);
    const partial = await readFile(path);
    expect(partial.readUInt32LE(40)).toBe(32_000);
    expect(Array.from(wavToPcm8k(partial))).toEqual(Array.from(tone.subarray(0, 16_000)));
    await writer.finish();
    const whole = await readFile(path);
    expect(whole.readUInt32LE(4)).toBe(36 + 40_800);
    expect(Array.from(wavToPcm8k(whole))).toEqual(Array.from(tone));
    expect(errors).toEqual([]);
  });

  it('cuts the end on finish when asked, and refuses to replace a file unless told', async () => {
    const path = join(dir, 'cut.wav');
    const writer = await WavFileWriter.create(path, () => undefined);
    writer.append(toneInt16(440, 8000, 12_000));
    await writer.finish(4000);
    expect((await stat(path)).size).toBe(44 + 8000);
    expect(parseWav(await readFile(path)).frames).toBe(4000);

    await expect(WavFileWriter.create(path, () => undefined)).rejects.toThrow(/EEXIST/);
    await writeFile(path, 'old');
    const again = await WavFileWriter.create(path, () => undefined, { overwrite: true });
    again.append(new Int16Array(10));
    await again.finish();
    expect(parseWav(await readFile(path)).frames).toBe(10);
  });
});
