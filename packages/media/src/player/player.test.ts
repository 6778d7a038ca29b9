import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRAME_SAMPLES } from '../frames.js';
import { SpeechError, type Speech, type SpeechOptions } from '../speech/speech.js';
import { dominantFrequency, rms, toneFloat, toneInt16 } from '../wav/test-support/audio.js';
import { makeWav } from '../wav/test-support/make-wav.js';
import { Player, type PlayItem } from './player.js';
import { PromptLibrary, PromptLoadError } from './prompt-library.js';
import { FakeEndpoint, settle } from './test-support/fake-endpoint.js';

/** PCM counting up from `start`, so the order of samples in frames can be checked exactly. */
function ramp(start: number, length: number): Int16Array {
  return Int16Array.from({ length }, (_, i) => start + i);
}

function concat(frames: readonly (Int16Array | undefined)[]): number[] {
  return frames.flatMap((f) => (f === undefined ? [] : Array.from(f)));
}

/** A Speech whose results the test releases by hand, recording what it was asked. */
class ManualSpeech implements Speech {
  readonly requests: { text: string; options: SpeechOptions | undefined }[] = [];
  private readonly pending: { resolve: (pcm: Int16Array) => void; reject: (e: unknown) => void }[] =
    [];

  synthesize(text: string, options?: SpeechOptions): Promise<Int16Array> {
    this.requests.push({ text, options });
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  release(pcm: Int16Array): void {
    this.pending.shift()?.resolve(pcm);
  }

  fail(error: unknown): void {
    this.pending.shift()?.reject(error);
  }
}

describe('Player', () => {
  let dir: string;
  let endpoint: FakeEndpoint;
  let prompts: PromptLibrary;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'player-'));
    endpoint = new FakeEndpoint();
    prompts = new PromptLibrary();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('plays PCM and silence back to back, pads only the last frame, then detaches', async () => {
    const player = new Player({ prompts });
    const first = ramp(1, 250); // 1 frame + 90 samples
    const second = ramp(1000, 100);
    const playback = player.start(endpoint, [{ pcm: first }, { silenceMs: 5 }, { pcm: second }]);
    expect(endpoint.source).toBe(playback);
    await settle();
    const frames = endpoint.ticks(4);
    // 250 + 40 + 100 = 390 samples: three frames, the last padded; then nothing.
    expect(frames.slice(0, 3).every((f) => f?.length === FRAME_SAMPLES)).toBe(true);
    expect(frames[3]).toBeUndefined();
    const expected = [...first, ...new Array<number>(40).fill(0), ...second];
    expect(concat(frames)).toEqual([...expected, ...new Array<number>(480 - 390).fill(0)]);
    expect(await playback.result).toEqual({ completed: true, playedMs: 390 / 8 });
    expect(endpoint.sourceChanges).toEqual([playback, undefined]);
  });

  it('reuses one frame buffer (no allocation per frame)', async () => {
    const player = new Player({ prompts });
    const playback = player.start(endpoint, [{ pcm: ramp(0, 1600) }]);
    await settle();
    const a = playback.nextFrame();
    const b = playback.nextFrame();
    expect(a).toBeDefined();
    expect(a).toBe(b);
    expect(b?.[0]).toBe(160);
    playback.stop();
  });

  it('plays WAV files of other rates, decoded once and shared between calls', async () => {
    const path = join(dir, 'tone.wav');
    // 400 ms of 1 kHz at 44.1 kHz, stereo 24-bit.
    const tone = toneFloat(1000, 44100, 17640, 0.5);
    await writeFile(
      path,
      makeWav({ encoding: 'pcm24', sampleRate: 44100, channels: [tone, tone] }),
    );
    const player = new Player({ prompts });
    const other = new FakeEndpoint();
    const [a, b] = [
      player.start(endpoint, [{ file: path }]),
      player.start(other, [{ file: path }]),
    ];
    await Promise.all([a.ready, b.ready]);
    const heard = concat(endpoint.ticks(21));
    other.ticks(21);
    expect(await a.result).toMatchObject({ completed: true });
    expect(await b.result).toMatchObject({ completed: true });
    expect(heard).toHaveLength(20 * FRAME_SAMPLES);
    expect(dominantFrequency(heard.slice(400, 2800), 8000, [500, 1000, 2000])).toBe(1000);
    expect(rms(heard.slice(400, 2800)) / 32768).toBeCloseTo(0.5 / Math.SQRT2, 2);
    expect(prompts.stats.loads).toBe(1);
  });

  it('rejects with an error naming a file that cannot be loaded, and detaches', async () => {
    const player = new Player({ prompts });
    const missing = join(dir, 'nope.wav');
    const playback = player.start(endpoint, [{ pcm: ramp(0, 160) }, { file: missing }]);
    await expect(playback.result).rejects.toThrow(PromptLoadError);
    await expect(playback.result).rejects.toThrow(`cannot play ${missing}: file not found`);
    expect(endpoint.source).toBeUndefined();

    const junk = join(dir, 'junk.wav');
    await writeFile(junk, 'this is not audio');
    await expect(player.play(endpoint, [{ file: junk }])).rejects.toThrow(
      /cannot play .*junk\.wav: not a usable WAV file: not a WAV file: no RIFF header/,
    );
  });

  it('stops on a barge-in digit from the set, ignoring the others', async () => {
    const player = new Player({ prompts });
    const playback = player.start(endpoint, [{ pcm: ramp(0, 8000) }], { bargeIn: '#*' });
    await settle();
    endpoint.ticks(3);
    endpoint.press('5');
    expect(endpoint.tick()).toBeDefined();
    endpoint.press('#');
    expect(await playback.result).toEqual({ interruptedBy: '#', playedMs: 80 });
    expect(endpoint.source).toBeUndefined();
    expect(endpoint.dtmfListeners.size).toBe(0);
    expect(playback.nextFrame()).toBeUndefined();
  });

  it('bargeIn: true takes any digit (SIP INFO too); without it digits are not listened to', async () => {
    const player = new Player({ prompts });
    const any = player.start(endpoint, [{ pcm: ramp(0, 8000) }], { bargeIn: true });
    endpoint.press('7', 0, 'sip-info');
    expect(await any.result).toEqual({ interruptedBy: '7', playedMs: 0 });

    const deaf = player.start(endpoint, [{ pcm: ramp(0, 320) }]);
    expect(endpoint.dtmfListeners.size).toBe(0);
    await settle();
    endpoint.press('1');
    endpoint.ticks(2);
    expect(await deaf.result).toMatchObject({ completed: true });
  });

  it('stop() and an AbortSignal stop playback', async () => {
    const player = new Player({ prompts });
    const playback = player.start(endpoint, [{ pcm: ramp(0, 8000) }]);
    await settle();
    endpoint.tick();
    playback.stop();
    playback.stop(); // harmless twice
    expect(await playback.result).toEqual({ stopped: true, playedMs: 20 });
    expect(endpoint.source).toBeUndefined();

    const controller = new AbortController();
    const aborted = player.play(endpoint, [{ pcm: ramp(0, 8000) }], { signal: controller.signal });
    controller.abort();
    expect(await aborted).toEqual({ stopped: true, playedMs: 0 });

    const before = endpoint.sourceChanges.length;
    expect(
      await player.play(endpoint, [{ pcm: ramp(0, 8000) }], { signal: controller.signal }),
    ).toEqual({
      stopped: true,
      playedMs: 0,
    });
    expect(endpoint.sourceChanges.length).toBe(before); // never attached
  });

  it('a new playback on the same endpoint stops the old one without detaching the new', async () => {
    const player = new Player({ prompts });
    const old = player.start(endpoint, [{ pcm: ramp(0, 8000) }]);
    const next = player.start(endpoint, [{ pcm: ramp(5000, 160) }]);
    expect(await old.result).toMatchObject({ stopped: true });
    expect(endpoint.source).toBe(next);
    await settle();
    expect(endpoint.tick()?.[0]).toBe(5000);
  });

  it('a following play() attaches before the next tick, so sequences are gapless', async () => {
    const player = new Player({ prompts });
    const first = player.play(endpoint, [{ pcm: ramp(0, 160) }]);
    await settle();
    expect(endpoint.tick()?.[0]).toBe(0);
    await first;
    const second = player.start(endpoint, [{ pcm: ramp(100, 160) }]);
    await settle();
    expect(endpoint.tick()?.[0]).toBe(100);
    expect(await second.result).toMatchObject({ completed: true });
  });

  it('speaks through the Speech interface, sending nothing while it synthesizes', async () => {
    const speech = new ManualSpeech();
    const player = new Player({ prompts, speech });
    const playback = player.start(endpoint, [
      { pcm: ramp(1, 100) },
      { speech: 'Hello Alice', voice: 'en-us', rate: 150 },
      { pcm: ramp(500, 10) },
    ]);
    await settle();
    const first = endpoint.tick();
    expect(Array.from(first!.subarray(0, 100))).toEqual(Array.from(ramp(1, 100)));
    expect(Array.from(first!.subarray(100))).toEqual(new Array<number>(60).fill(0));
    expect(endpoint.tick()).toBeUndefined(); // waiting for speech
    expect(speech.requests).toEqual([
      { text: 'Hello Alice', options: { voice: 'en-us', rate: 150 } },
    ]);
    speech.release(toneInt16(1000, 8000, 200));
    await settle();
    const rest = concat(endpoint.ticks(3));
    expect(rest.slice(0, 200)).toEqual(Array.from(toneInt16(1000, 8000, 200)));
    expect(rest.slice(200, 210)).toEqual(Array.from(ramp(500, 10)));
    expect(await playback.result).toMatchObject({ completed: true });
  });

  it('a speech failure rejects the playback with that error', async () => {
    const speech = new ManualSpeech();
    const player = new Player({ prompts, speech });
    const result = player.play(endpoint, [{ speech: 'Hello' }]);
    await settle();
    speech.fail(new SpeechError('timeout', 'espeak-ng took too long'));
    await expect(result).rejects.toThrow('espeak-ng took too long');
    expect(endpoint.source).toBeUndefined();
  });

  it('refuses malformed items and barge-in digits up front', () => {
    const player = new Player({ prompts });
    const bad: unknown[] = [
      [{ silenceMs: -1 }],
      [{ silenceMs: Number.NaN }],
      [{ file: '' }],
      [{ pcm: [1, 2, 3] }],
      [{ sound: 'x' }],
      [null],
    ];
    for (const items of bad) {
      expect(() => player.start(endpoint, items as PlayItem[])).toThrow(/play item 1/);
    }
    expect(() => player.start(endpoint, [], { bargeIn: '#x' })).toThrow(/bargeIn digits/);
    expect(endpoint.sourceChanges).toHaveLength(0);
  });

  it('an empty sequence completes at once without attaching', async () => {
    const player = new Player({ prompts });
    expect(await player.play(endpoint, [])).toEqual({ completed: true, playedMs: 0 });
    expect(endpoint.sourceChanges).toHaveLength(0);
  });
});
