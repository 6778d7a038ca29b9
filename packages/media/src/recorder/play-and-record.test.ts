import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Player } from '../player/player.js';
import { PromptLibrary } from '../player/prompt-library.js';
import { FakeEndpoint } from '../player/test-support/fake-endpoint.js';
import { wavToPcm8k } from '../wav/reader.js';
import { dominantFrequency, rms, toneFloat } from '../wav/test-support/audio.js';
import { makeWav } from '../wav/test-support/make-wav.js';
import { startRecording } from './recorder.js';

/** Normalised cross-correlation of two equal-length signals at lag 0. */
function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('a prompt played on one leg and recorded on the other', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'play-record-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('records exactly what was played: a 48 kHz two-tone prompt arrives as its 8 kHz version', async () => {
    // 600 ms of 800 Hz then 600 ms of 1600 Hz, 48 kHz float stereo.
    const low = toneFloat(800, 48000, 28800, 0.4);
    const high = toneFloat(1600, 48000, 28800, 0.4);
    const prompt = new Float32Array(57600);
    prompt.set(low, 0);
    prompt.set(high, 28800);
    const file = join(dir, 'prompt.wav');
    const bytes = makeWav({ encoding: 'float32', sampleRate: 48000, channels: [prompt, prompt] });
    await writeFile(file, bytes);

    const caller = new FakeEndpoint();
    const callee = new FakeEndpoint();
    const recording = startRecording(callee, { root: dir, path: 'heard.wav', maxMs: 10_000 });
    await recording.ready;
    const playback = new Player({ prompts: new PromptLibrary() }).start(caller, [{ file }]);
    await playback.ready;
    // The pacing clock: each tick, what one leg sends the other receives.
    for (let frame = caller.tick(); frame !== undefined; frame = caller.tick())
      callee.receive(frame);
    expect(await playback.result).toMatchObject({ completed: true, playedMs: 1200 });
    recording.stop();
    const result = await recording.result;
    expect(result).toMatchObject({ endedBy: 'stopped', durationMs: 1200, heardAudio: true });

    const heard = wavToPcm8k(await readFile(result.path));
    const expected = wavToPcm8k(bytes);
    expect(Array.from(heard)).toEqual(Array.from(expected));
    // And it sounds like the prompt: the right tone in each half, at the right level.
    expect(dominantFrequency(heard.subarray(400, 4400), 8000, [800, 1600])).toBe(800);
    expect(dominantFrequency(heard.subarray(5200, 9200), 8000, [800, 1600])).toBe(1600);
    expect(rms(heard.subarray(400, 9200)) / 32768).toBeCloseTo(0.4 / Math.SQRT2, 2);
    const reference = Int16Array.from(
      prompt.filter((_, i) => i % 6 === 0),
      (x) => x * 32767,
    );
    expect(correlation(heard.subarray(400, 9200), reference.subarray(400, 9200))).toBeGreaterThan(
      0.95,
    );
  });
});
