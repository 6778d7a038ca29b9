/**
 * Issue 4's proof, part 3: a recording made by the engine contains the audio the caller sent.
 * The test UAS answers and records the call with `startRecording` (streamed to a WAV under a
 * root directory, ended by the caller's BYE through `hangupSignal`). Two real callers over UDP:
 *
 * - baresip's aufile sends a known WAV (8 kHz mono S16LE: a chirp and a tone sequence) over
 *   PCMU, and hangs up when the file ends;
 * - SIPp plays the G.711 A-law speech capture that comes with sip-tester (30 ms packets), and
 *   hangs up after it.
 *
 * The recorded WAV must correlate with what was sent: found by cross-correlation, 50 ms segment
 * by segment (see `segments`), and for SIPp sample for sample (the capture's A-law bytes decoded
 * are the reference, and nothing between SIPp and the file may change a sample).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pcma, startRecording, type RecordingResult } from '@switchboard/media';
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
  recordedAt,
  round5,
  segments,
  toneDominance,
  toneSequence,
  wavBytes,
  type ToneStep,
} from './support/audio.js';
import { baresipInstalled, needsBaresip, startBaresip } from './support/baresip.js';
import { startMediaUas, type MediaUas } from './support/media-uas.js';
import { readRtpCapture } from './support/pcap.js';
import { report } from './support/report.js';
import { needsSipp, runSippCall, scenario, SIPP_PCAPS, sippInstalled } from './support/sipp.js';

const TONES: readonly ToneStep[] = [
  { hz: 700, ms: 250 },
  { hz: 1900, ms: 250 },
  { hz: 1100, ms: 250 },
  { hz: 1500, ms: 250 },
];
/** What the caller says: a rising chirp, four tones, a falling chirp. */
const SIGNAL = concat([chirp(200, 3400, 800), toneSequence(TONES), chirp(3000, 400, 600)]);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'media-recording-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A UAS that records every call it answers under `root` until the caller hangs up. */
async function recordingUas(root: string): Promise<{
  uas: MediaUas;
  results: Promise<RecordingResult>[];
}> {
  const results: Promise<RecordingResult>[] = [];
  const uas = await startMediaUas({
    async onCall(call) {
      const recording = startRecording(call.session, {
        root,
        path: `recordings/call-${String(results.length + 1)}.wav`,
        maxMs: 30_000,
        hangupSignal: call.hangup,
      });
      results.push(recording.result);
      await recording.ready;
    },
  });
  cleanups.push(() => uas.close());
  return { uas, results };
}

describe('a recording contains what the caller sent (UDP)', () => {
  it.skipIf(!baresipInstalled)(
    needsBaresip('baresip sends a WAV with aufile (PCMU)'),
    async () => {
      const dir = await scratch();
      // Lead-in and tail of silence: the call is answered, and hung up, around the signal.
      const sent = concat([new Int16Array(0.5 * RATE), SIGNAL, new Int16Array(0.5 * RATE)]);
      await writeFile(join(dir, 'caller.wav'), wavBytes(sent));
      const { uas, results } = await recordingUas(dir);
      const caller = await startBaresip({
        user: 'talker',
        source: join(dir, 'caller.wav'),
        dial: `sip:record@127.0.0.1:${String(uas.port)}`,
        quitAfterSeconds: 20,
      });
      cleanups.push(() => caller.stop());
      await caller.waitFor(/Call established/, 5000);
      await caller.waitFor(/terminated/, 10_000); // aufile hung up at the end of its file
      await uas.calls[0]?.ended;
      expect(results).toHaveLength(1);
      const result = await results[0]!;
      expect(uas.errors).toEqual([]);

      const recorded = readPcm8k(await readFile(result.path), 'the recording');
      const whole = align(recorded, SIGNAL);
      const found = segments(recorded, SIGNAL, whole);
      const dominance = toneDominance(recorded, found, whole, 0.8 * RATE, TONES);
      // After the signal: the half second of silence in the file, then what baresip sends until
      // it hangs up (silence too).
      const after = dbfs(recorded.subarray(recordedAt(found, SIGNAL.length, whole) + 80));
      report('recording of baresip aufile', {
        file: result.path.slice(dir.length),
        endedBy: result.endedBy,
        durationMs: result.durationMs,
        heardAudio: result.heardAudio,
        signal: describeMatch(whole, found),
        toneDominanceDb: decibels(dominance),
        dbfsAfterSignal: round5(after),
      });
      expect(result.path).toBe(join(dir, 'recordings', 'call-1.wav'));
      expect(result.endedBy).toBe('hangup');
      expect(result.heardAudio).toBe(true);
      // The file is 3.4 s; baresip sends silence after its end until it has hung up.
      expect(result.durationMs).toBeGreaterThan(2400);
      expect(result.durationMs).toBeLessThan(6000);
      expect(after).toBeLessThan(-50);
      // At least 90% of the signal's 50 ms segments intact, in order (see segments()).
      expect(coverage(found)).toBeGreaterThanOrEqual(0.9);
      for (const ratio of dominance) expect(ratio).toBeGreaterThan(100); // 20 dB
    },
    30_000,
  );

  it.skipIf(!sippInstalled)(
    needsSipp('SIPp plays g711a.pcap (PCMA, 30 ms packets)'),
    async () => {
      const dir = await scratch();
      const { uas, results } = await recordingUas(dir);
      const capture = await readRtpCapture(join(SIPP_PCAPS, 'g711a.pcap'));
      const reference = pcma.decode(Buffer.concat(capture.map((packet) => packet.payload)));

      const outcome = await runSippCall({
        scenario: scenario('g711a-caller.xml'),
        remote: `127.0.0.1:${String(uas.port)}`,
        service: 'record',
        timeoutSeconds: 20,
      });
      expect(outcome.exitCode, `${outcome.errors}\n${outcome.output}`).toBe(0);
      await uas.calls[0]?.ended;
      expect(results).toHaveLength(1);
      const result = await results[0]!;
      expect(uas.errors).toEqual([]);

      const recorded = readPcm8k(await readFile(result.path), 'the recording');
      // The speech of the capture (1.0-6.5 s); its first half second is near silence.
      const speech = reference.subarray(1 * RATE, 6.5 * RATE);
      const whole = align(recorded, speech);
      const found = segments(recorded, speech, whole);
      let identical = 0;
      for (let i = 0; i < speech.length; i += 1) {
        if (recorded[whole.lag + i] === speech[i]) identical += 1;
      }
      const stats = uas.calls[0]?.session.stats();
      report('recording of SIPp g711a.pcap', {
        packetsInCapture: capture.length,
        packetsReceived: stats?.packetsReceived,
        endedBy: result.endedBy,
        durationMs: result.durationMs,
        speech: describeMatch(whole, found),
        identicalSamples: `${String(identical)}/${String(speech.length)}`,
      });
      expect(capture).toHaveLength(236);
      expect(capture.every((packet) => packet.payloadType === 8)).toBe(true);
      expect(result.endedBy).toBe('hangup');
      expect(result.heardAudio).toBe(true);
      expect(result.durationMs).toBeGreaterThan(6500);
      expect(whole.correlation).toBeGreaterThan(0.99);
      expect(coverage(found)).toBe(1);
      // Decoding the same A-law bytes with the same table: the samples are the capture's own.
      expect(identical).toBe(speech.length);
    },
    40_000,
  );
});
