/**
 * The audio side on real RTP sessions (127.0.0.1, G.711 over UDP, the pacing clock on fake time):
 * a prompt played on one leg is what a recorder on the other leg writes, and a digit sent as
 * RFC 4733 events interrupts a playback.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pcmu } from '../codec/g711.js';
import { startRecording } from '../recorder/recorder.js';
import { LoopbackHarness, waitFor } from '../rtp/test-support/loopback.js';
import { answerOffer, createOffer, parseAnswer } from '../sdp/index.js';
import { wavToPcm8k } from '../wav/reader.js';
import { dominantFrequency, toneFloat } from '../wav/test-support/audio.js';
import { makeWav } from '../wav/test-support/make-wav.js';
import { Player } from './player.js';
import { PromptLibrary } from './prompt-library.js';

let harness: LoopbackHarness;
let dir: string;

beforeEach(async () => {
  harness = new LoopbackHarness();
  dir = await mkdtemp(join(tmpdir(), 'rtp-audio-'));
});
afterEach(async () => {
  await harness.close();
  await rm(dir, { recursive: true, force: true });
});

async function connectedPair() {
  const a = await harness.session();
  const b = await harness.session();
  const address = harness.host;
  const offer = createOffer({ address, port: a.localPort, codecs: ['PCMU'] });
  const answer = answerOffer(offer.sdp, { address, port: b.localPort, codecs: ['PCMU'] });
  b.setRemote(answer.media);
  a.setRemote(parseAnswer(answer.sdp, offer.sdp));
  return { a, b };
}

describe('player and recorder over RTP', () => {
  it('the recording on one leg is the prompt played on the other, through G.711', async () => {
    const { a, b } = await connectedPair();
    // One second: 500 ms of 700 Hz then 500 ms of 1400 Hz, as a 44.1 kHz 16-bit file.
    const tone = new Float32Array(44100);
    tone.set(toneFloat(700, 44100, 22050, 0.4), 0);
    tone.set(toneFloat(1400, 44100, 22050, 0.4), 22050);
    const file = join(dir, 'prompt.wav');
    const bytes = makeWav({ encoding: 'pcm16', sampleRate: 44100, channels: [tone] });
    await writeFile(file, bytes);

    // The recorder runs on the pacing clock's (fake) scheduler, as the server would wire it.
    const recording = startRecording(b, {
      root: dir,
      path: 'heard.wav',
      maxMs: 10_000,
      scheduler: harness.scheduler,
    });
    await recording.ready;
    const playback = new Player({ prompts: new PromptLibrary() }).start(a, [{ file }]);
    await playback.ready;
    await harness.pump(55);
    expect(await playback.result).toMatchObject({ completed: true, playedMs: 1000 });
    await waitFor(() => recording.durationMs >= 1000, 'the whole prompt recorded');
    recording.stop();
    const result = await recording.result;
    expect(result).toMatchObject({ endedBy: 'stopped', durationMs: 1000, heardAudio: true });

    const heard = wavToPcm8k(await readFile(result.path));
    const sent = wavToPcm8k(bytes);
    // Exactly the prompt after one µ-law encode/decode: nothing lost, reordered or shifted.
    expect(Array.from(heard)).toEqual(Array.from(pcmu.decode(pcmu.encode(sent))));
    expect(dominantFrequency(heard.subarray(400, 3600), 8000, [700, 1400])).toBe(700);
    expect(dominantFrequency(heard.subarray(4400, 7600), 8000, [700, 1400])).toBe(1400);
  });

  it('a digit sent as RFC 4733 events barges in on the other leg’s playback', async () => {
    const { a, b } = await connectedPair();
    const long = Int16Array.from({ length: 8000 * 10 }, (_, i) => (i % 16 < 8 ? 3000 : -3000));
    const playback = new Player({ prompts: new PromptLibrary() }).start(b, [{ pcm: long }], {
      bargeIn: '#',
    });
    await harness.pump(5);
    const sent = a.sendDtmf('#', 100);
    await harness.pump(20);
    await sent;
    await harness.pump(5);
    const result = await playback.result;
    expect(result).toMatchObject({ interruptedBy: '#' });
    expect(b.source).toBeUndefined();
  });
});
