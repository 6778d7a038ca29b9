/**
 * Issue 4's proof, part 4: a bridged call carries audio both ways. baresip A calls the test UAS,
 * which places a call to baresip B (it answers by itself), joins the two RTP sessions with
 * `bridge` (B2BUA media anchoring) and the two dialogs with `linkDialogs`. A talks PCMU, B PCMA,
 * so the bridge transcodes. Each side sends its own signal from a WAV, in separate frequency
 * bands (A: 300-1800 Hz, B: 1900-3400 Hz), and each side's sndfile recording must contain the
 * other's signal, and not its own (audio crosses the bridge rather than coming back). Then A
 * presses keys, which B must receive as RFC 4733 events relayed by the bridge, and A's hang-up
 * must end B's call.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridge, type Bridge } from '@switchboard/media';
import { linkDialogs, type B2buaPair } from '@switchboard/sip';
import { afterEach, describe, expect, it } from 'vitest';
import {
  align,
  chirp,
  concat,
  coverage,
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
import { baresipInstalled, needsBaresip, startBaresip, type Baresip } from './support/baresip.js';
import { startMediaUas } from './support/media-uas.js';
import { report } from './support/report.js';
import { delay, until } from './support/wait.js';

const TONES_A: readonly ToneStep[] = [
  { hz: 600, ms: 300 },
  { hz: 1000, ms: 300 },
];
const TONES_B: readonly ToneStep[] = [
  { hz: 2200, ms: 300 },
  { hz: 2900, ms: 300 },
];
const SIGNAL_A = concat([chirp(300, 1800, 800), toneSequence(TONES_A)]);
const SIGNAL_B = concat([chirp(3400, 1900, 800), toneSequence(TONES_B)]);
const silence = (seconds: number): Int16Array => new Int16Array(seconds * RATE);
/** A is silent for 1.5 s once its call is up (B is being called), talks, then stays on. */
const FILE_A = concat([silence(1.5), SIGNAL_A, silence(8)]);
/** B talks 1 s after answering; its file outlasts the call (A hangs up). */
const FILE_B = concat([silence(1), SIGNAL_B, silence(14)]);
const DIGITS = '47*';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * How well a recording holds `signal` (whole, and 50 ms segment by segment), and how strongly
 * its tones dominate there, over each other and over the other side's tones.
 */
function measure(
  recording: Int16Array,
  signal: Int16Array,
  tones: readonly ToneStep[],
  otherSide: readonly ToneStep[],
) {
  const whole = align(recording, signal);
  const found = segments(recording, signal, whole);
  const rivals = otherSide.map((tone) => tone.hz);
  // The tones follow the 0.8 s chirp.
  const dominance = toneDominance(recording, found, whole, 0.8 * RATE, tones, rivals);
  return { whole, found, dominance };
}

describe.skipIf(!baresipInstalled)(
  needsBaresip('a bridged call carries audio both ways (baresip x2, UDP)'),
  () => {
    it('A hears B, B hears A, A’s digits reach B, A’s hang-up ends B', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'media-bridge-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      await writeFile(join(dir, 'a.wav'), wavBytes(FILE_A));
      await writeFile(join(dir, 'b.wav'), wavBytes(FILE_B));

      const callee: Baresip = await startBaresip({
        user: 'bob',
        source: join(dir, 'b.wav'),
        autoAnswer: true,
        codecs: ['PCMA'],
        quitAfterSeconds: 30,
      });
      cleanups.push(() => callee.stop());
      const joined: { media?: Bridge; pair?: B2buaPair } = {};
      const uas = await startMediaUas({
        async onCall(caller, self) {
          const out = await self.call(callee.uri);
          joined.media = bridge(caller.session, out.session);
          joined.pair = linkDialogs(caller.dialog, out.dialog, {
            // Neither baresip re-offers in this test; a B2BUA would answer from its engine.
            onOffer: () => ({ status: 488 }),
          });
        },
      });
      cleanups.push(() => uas.close());
      const caller = await startBaresip({
        user: 'alice',
        source: join(dir, 'a.wav'),
        codecs: ['PCMU'],
        dial: `sip:bridge@127.0.0.1:${String(uas.port)}`,
        quitAfterSeconds: 30,
      });
      cleanups.push(() => caller.stop());

      await caller.waitFor(/Call established/, 5000);
      await until(() => joined.media !== undefined, 5000, 'the UAS bridging A to B');
      // A's signal ends 2.9 s after A's audio starts, B's 2.4 s after B answered.
      await delay(3500);

      const pressed = await caller.command('sndcode', DIGITS);
      expect(pressed.ok, pressed.data).toBe(true);
      // baresip reports a press as CALL_DTMF_START (with the key) and CALL_DTMF_END (without).
      const started = () => callee.events().filter((event) => event.type === 'CALL_DTMF_START');
      const ended = () => callee.events().filter((event) => event.type === 'CALL_DTMF_END');
      await until(() => ended().length >= DIGITS.length, 5000, `${DIGITS} relayed to B`);
      const bridgeStats = joined.media?.stats();

      await caller.command('hangup');
      await callee.waitFor(/terminated/, 5000); // the B2BUA pair sent B a BYE
      const pairEnd = await joined.pair?.ended;
      await Promise.all([caller.end(), callee.end()]);
      expect(uas.errors).toEqual([]);

      const heardByA = readPcm8k(await caller.dump('dec'), "A's dec dump");
      const heardByB = readPcm8k(await callee.dump('dec'), "B's dec dump");
      const aHearsB = measure(heardByA, SIGNAL_B, TONES_B, TONES_A);
      const bHearsA = measure(heardByB, SIGNAL_A, TONES_A, TONES_B);
      // Its own signal must not come back to a side: the bridge crosses, it does not loop.
      const aHearsA = align(heardByA, SIGNAL_A).correlation;
      const bHearsB = align(heardByB, SIGNAL_B).correlation;
      const legs = uas.calls.map((call) => {
        // The SDP answer of each leg (ours to A, B's to us) names the codec it settled on.
        const answer = call.direction === 'incoming' ? call.dialog.localSdp : call.dialog.remoteSdp;
        return {
          direction: call.direction,
          payloadType: Number(/^m=audio \d+ RTP\/AVP (\d+)/m.exec(answer ?? '')?.[1]),
          packetsSent: call.session.stats().packetsSent,
          packetsReceived: call.session.stats().packetsReceived,
        };
      });
      report('bridged call', {
        aHearsB: {
          ...describeMatch(aHearsB.whole, aHearsB.found),
          toneDominanceDb: decibels(aHearsB.dominance),
        },
        bHearsA: {
          ...describeMatch(bHearsA.whole, bHearsA.found),
          toneDominanceDb: decibels(bHearsA.dominance),
        },
        ownSignalCorrelation: { a: round5(aHearsA), b: round5(bHearsB) },
        digitsAtB: started().map((event) => event.param),
        bridge: bridgeStats,
        legs,
        pairEndedBy: pairEnd?.by,
      });

      // At least 80% of each signal's 50 ms segments intact on the other side, in order. On an
      // idle machine all of them are; on an overloaded one the event loop stalls, and the
      // bridge's bounded queue then drops the oldest frames to keep latency down (each drop
      // costs one segment; `bridge` in the report counts them). See segments().
      expect(coverage(aHearsB.found)).toBeGreaterThanOrEqual(0.8);
      expect(coverage(bHearsA.found)).toBeGreaterThanOrEqual(0.8);
      // Each tone stands 20 dB over the other tones of both sides where it was heard.
      for (const ratio of [...aHearsB.dominance, ...bHearsA.dominance])
        expect(ratio).toBeGreaterThan(100);
      // A's leg is PCMU (0), B's PCMA (8): the audio was transcoded on the way.
      expect(legs.map((leg) => [leg.direction, leg.payloadType])).toEqual([
        ['incoming', 0],
        ['outgoing', 8],
      ]);
      expect(Math.abs(aHearsA)).toBeLessThan(0.3);
      expect(Math.abs(bHearsB)).toBeLessThan(0.3);
      expect(started().map((event) => event.param)).toEqual(DIGITS.split(''));
      expect(ended()).toHaveLength(DIGITS.length);
      expect(bridgeStats?.dtmfRelayed).toBe(DIGITS.length);
      expect(pairEnd?.by).toBe('a');
    }, 40_000);
  },
);
