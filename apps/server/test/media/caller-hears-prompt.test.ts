/**
 * Issue 4's proof, part 1: a caller hears the prompt. baresip (a real softphone) calls the test
 * UAS over UDP; the UAS answers with the media engine and plays a prompt file through the
 * Player; baresip's sndfile module writes what it decoded. The recording must contain the
 * prompt: found by cross-correlation against the original signal, 50 ms segment by segment (at
 * least 90% of them intact, in order), each tone of its tail at its frequency and in its place
 * (Goertzel energy over time), with silence before it. The prompt file is written at 22,050 Hz
 * (espeak-ng's rate), so the Player's resampling to 8 kHz is on the path too.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Player, PromptLibrary } from '@switchboard/media';
import { afterEach, describe, expect, it } from 'vitest';
import {
  align,
  chirp,
  concat,
  coverage,
  dbfs,
  decibels,
  describeMatch,
  RATE,
  readPcm8k,
  round5,
  segments,
  toneDominance,
  toneSequence,
  wavBytes,
  type ToneStep,
} from './support/audio.js';
import { baresipInstalled, needsBaresip, startBaresip } from './support/baresip.js';
import { startMediaUas } from './support/media-uas.js';
import { report } from './support/report.js';

const FILE_RATE = 22050;
const CHIRP = { from: 300, to: 3000, ms: 1000 } as const;
const TONES: readonly ToneStep[] = [
  { hz: 500, ms: 200 },
  { hz: 1300, ms: 200 },
  { hz: 900, ms: 200 },
  { hz: 1700, ms: 200 },
];

function prompt(rate: number): Int16Array {
  return concat([chirp(CHIRP.from, CHIRP.to, CHIRP.ms, { rate }), toneSequence(TONES, { rate })]);
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(!baresipInstalled)(needsBaresip('a caller hears the prompt (baresip, UDP)'), () => {
  it('baresip records the prompt the UAS plays', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'media-prompt-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'prompt.wav'), wavBytes(prompt(FILE_RATE), FILE_RATE));
    // What baresip sends: 12 s of silence (it hangs up when its file ends; the UAS hangs up first).
    await writeFile(join(dir, 'silence.wav'), wavBytes(new Int16Array(12 * RATE)));

    const player = new Player({ prompts: new PromptLibrary({ root: dir }) });
    const played: unknown[] = [];
    const uas = await startMediaUas({
      async onCall(call) {
        // A little silence first, so the recording shows the prompt starting, then hang up.
        const result = await player.play(
          call.session,
          [{ silenceMs: 400 }, { file: 'prompt.wav' }, { silenceMs: 400 }],
          { signal: call.hangup },
        );
        played.push(result);
        await call.dialog.bye();
      },
    });
    cleanups.push(() => uas.close());
    const caller = await startBaresip({
      user: 'caller',
      source: join(dir, 'silence.wav'),
      dial: `sip:prompt@127.0.0.1:${String(uas.port)}`,
      quitAfterSeconds: 20,
    });
    cleanups.push(() => caller.stop());

    await caller.waitFor(/Call established/, 5000);
    await caller.waitFor(/terminated/, 10_000);
    await caller.end(); // sndfile finishes its WAV header as baresip shuts down
    expect(uas.errors).toEqual([]);
    expect(played).toEqual([{ completed: true, playedMs: expect.any(Number) as number }]);

    const heard = readPcm8k(await caller.dump('dec'), 'baresip dec dump');
    const reference = prompt(RATE);
    const whole = align(heard, reference);
    const found = segments(heard, reference, whole);
    const dominance = toneDominance(heard, found, whole, (CHIRP.ms * RATE) / 1000, TONES);
    const before = dbfs(heard.subarray(Math.max(0, whole.lag - 2400), whole.lag - 400));
    const during = dbfs(heard.subarray(whole.lag, whole.lag + reference.length));
    report('caller hears the prompt', {
      recordingMs: (heard.length * 1000) / RATE,
      prompt: describeMatch(whole, found),
      toneDominanceDb: decibels(dominance),
      dbfsBefore: round5(before),
      dbfsDuring: round5(during),
    });

    // At least 90% of the prompt's 50 ms segments are in the recording intact (correlation
    // ≥ 0.9), in order; a pacing stall on a loaded machine may cost a frame or two, no more.
    expect(coverage(found)).toBeGreaterThanOrEqual(0.9);
    for (const ratio of dominance) expect(ratio).toBeGreaterThan(100); // 20 dB
    // Silence before the prompt (the 400 ms played first: the dump starts with our first
    // packet), and the prompt loud.
    expect(whole.lag).toBeGreaterThanOrEqual(0.35 * RATE);
    expect(before).toBeLessThan(-50);
    expect(during).toBeGreaterThan(-20);
  }, 30_000);
});
