/**
 * Issue 4's proof, part 2: the UAS hears the digits pressed. Two real callers over UDP:
 *
 * - SIPp plays the RFC 4733 captures that come with sip-tester (1 5 9 * # 0, 280 ms each, end
 *   packet sent three times as RFC 4733 §2.5.1.4 says) into a call the test UAS answered;
 * - baresip sends digits through its control interface (`sndcode` over ctrl_tcp), which its
 *   telev code turns into RFC 4733 events.
 *
 * The UAS's RtpSession reports each press once (`onDtmf`), with its duration; the digits it
 * collects must equal what was sent, in order.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DtmfEvent } from '@switchboard/media';
import { afterEach, describe, expect, it } from 'vitest';
import { RATE, wavBytes } from './support/audio.js';
import { baresipInstalled, needsBaresip, startBaresip } from './support/baresip.js';
import { startMediaUas, type MediaUas } from './support/media-uas.js';
import { report } from './support/report.js';
import { needsSipp, runSippCall, scenario, sippInstalled } from './support/sipp.js';
import { until } from './support/wait.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A UAS that answers, collects every digit of the call, and lets the caller hang up. */
async function digitCollector(): Promise<{ uas: MediaUas; digits: DtmfEvent[] }> {
  const digits: DtmfEvent[] = [];
  const uas = await startMediaUas({
    onCall(call) {
      call.session.onDtmf((event) => {
        digits.push(event);
      });
    },
  });
  cleanups.push(() => uas.close());
  return { uas, digits };
}

describe('the UAS hears the digits pressed (UDP)', () => {
  it.skipIf(!sippInstalled)(
    needsSipp('SIPp plays RFC 4733 captures: 1 5 9 * # 0'),
    async () => {
      const { uas, digits } = await digitCollector();
      const outcome = await runSippCall({
        scenario: scenario('dtmf-caller.xml'),
        remote: `127.0.0.1:${String(uas.port)}`,
        service: 'ivr',
        timeoutSeconds: 15,
      });
      expect(outcome.exitCode, `${outcome.errors}\n${outcome.output}`).toBe(0);
      expect(outcome.successfulCalls).toBe(1);
      expect(uas.errors).toEqual([]);
      const [call] = uas.calls;
      await call?.ended;
      const stats = call?.session.stats();
      report('UAS hears SIPp digits', {
        digits: digits.map((event) => `${event.digit}/${String(event.durationMs)}ms/${event.via}`),
        dtmfPacketsReceived: stats?.packetsReceived,
        dtmfReported: stats?.dtmfReceived,
      });
      expect(digits.map((event) => event.digit).join('')).toBe('159*#0');
      // Each capture holds the key for 2240 timestamp units (280 ms at 8 kHz).
      for (const event of digits) {
        expect(event).toEqual({ digit: event.digit, durationMs: 280, via: 'rfc4733' });
      }
      // 10 packets per capture (7 updates, the end three times): all arrived, each press once.
      expect(stats?.packetsReceived).toBe(60);
    },
    30_000,
  );

  it.skipIf(!baresipInstalled)(
    needsBaresip('baresip sends 2 3 4 6 7 * 8 8 # through ctrl_tcp sndcode'),
    async () => {
      const { uas, digits } = await digitCollector();
      const dir = await mkdtemp(join(tmpdir(), 'media-digits-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      await writeFile(join(dir, 'silence.wav'), wavBytes(new Int16Array(15 * RATE)));
      const caller = await startBaresip({
        user: 'presser',
        source: join(dir, 'silence.wav'),
        dial: `sip:ivr@127.0.0.1:${String(uas.port)}`,
        quitAfterSeconds: 20,
      });
      cleanups.push(() => caller.stop());
      await caller.waitFor(/Call established/, 5000);

      // The keys the SIPp captures do not have, and one key pressed twice (two presses, not one).
      const sent = '23467*88#';
      const response = await caller.command('sndcode', sent);
      expect(response.ok, response.data).toBe(true);
      await until(() => digits.length >= sent.length, 5000, `${sent} at the UAS`);
      await caller.command('hangup');
      await uas.calls[0]?.ended;
      report('UAS hears baresip digits', {
        sent,
        digits: digits.map((event) => `${event.digit}/${String(event.durationMs)}ms/${event.via}`),
      });
      expect(uas.errors).toEqual([]);
      expect(digits.map((event) => event.digit).join('')).toBe(sent);
      for (const event of digits) expect(event.via).toBe('rfc4733');
    },
    30_000,
  );
});
