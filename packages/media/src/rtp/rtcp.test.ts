import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReceiveStats } from './receive-stats.js';
import { buildBye, buildReport, ntpFromUnixMs, ntpMiddle, parseRtcp } from './rtcp.js';
import { RtcpReporter } from './rtcp-reporter.js';

describe('RTCP packets (RFC 3550 §6.4)', () => {
  it('builds an SR + SDES compound whose fields read back', () => {
    const ntp = ntpFromUnixMs(Date.UTC(2026, 10, 21, 8, 0, 0, 500));
    const packet = buildReport({
      ssrc: 0x11223344,
      sender: {
        ntpSeconds: ntp.seconds,
        ntpFraction: ntp.fraction,
        rtpTimestamp: 123_456,
        packetCount: 250,
        octetCount: 40_000,
      },
      reports: [
        {
          ssrc: 0x55667788,
          fractionLost: 64,
          cumulativeLost: -2,
          highestSequence: 0x0001_0005,
          jitter: 37.4,
          lastSr: 0xabcd1234,
          delaySinceLastSr: 65_536,
        },
      ],
      cname: 'switchboard@example',
    });
    expect(packet.length % 4).toBe(0);
    expect(packet[0]).toBe(0x81); // V=2, RC=1
    expect(packet[1]).toBe(200);
    const parsed = parseRtcp(packet);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.packets).toEqual([
      {
        type: 'sr',
        ssrc: 0x11223344,
        sender: {
          ntpSeconds: ntp.seconds,
          ntpFraction: ntp.fraction,
          rtpTimestamp: 123_456,
          packetCount: 250,
          octetCount: 40_000,
        },
        reports: [
          {
            ssrc: 0x55667788,
            fractionLost: 64,
            cumulativeLost: -2,
            highestSequence: 0x0001_0005,
            jitter: 37,
            lastSr: 0xabcd1234,
            delaySinceLastSr: 65_536,
          },
        ],
      },
      { type: 'sdes', chunks: [{ ssrc: 0x11223344, cname: 'switchboard@example' }] },
    ]);
    // NTP: 2026-11-21T08:00:00.5Z is 0x.8000_0000 past the second.
    expect(ntp.fraction).toBe(0x8000_0000);
    expect(ntpMiddle(ntp.seconds, ntp.fraction)).toBe(
      (((ntp.seconds & 0xffff) << 16) | 0x8000) >>> 0,
    );
  });

  it('builds RR when there is no sender info, and BYE with a reason', () => {
    const rr = parseRtcp(buildReport({ ssrc: 7, reports: [], cname: 'x' }));
    expect(rr.ok && rr.packets[0]).toEqual({ type: 'rr', ssrc: 7, reports: [] });
    const bye = parseRtcp(buildBye(7, 'x', 'session closed'));
    expect(bye.ok && bye.packets.map((p) => p.type)).toEqual(['rr', 'sdes', 'bye']);
    expect(bye.ok && bye.packets[2]).toEqual({ type: 'bye', ssrcs: [7], reason: 'session closed' });
  });

  it('refuses malformed compounds without throwing', () => {
    const good = buildReport({ ssrc: 1, reports: [], cname: 'c' });
    expect(parseRtcp(good.subarray(0, 6)).ok).toBe(false);
    const v1 = good.slice();
    v1[0] = 0x41;
    expect(parseRtcp(v1)).toEqual({ ok: false, reason: 'version 1' });
    const long = good.slice();
    long[3] = 200;
    expect(parseRtcp(long).ok).toBe(false);
    const sdesFirst = good.slice(8); // starts with the SDES packet
    expect(parseRtcp(sdesFirst)).toMatchObject({ ok: false });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const result = parseRtcp(bytes);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('ReceiveStats (RFC 3550 A.1, A.3, A.8)', () => {
  it('counts loss across a sequence wrap and reports the fraction once per report', () => {
    const stats = new ReceiveStats();
    // 0xfff0 .. 0x000f is 32 packets; 4 of them never arrive.
    const lost = new Set([0xfff5, 0xfffe, 0x0002, 0x0003]);
    for (let i = 0; i < 32; i += 1) {
      const seq = (0xfff0 + i) & 0xffff;
      if (!lost.has(seq)) stats.updateSequence(seq);
    }
    expect(stats.packetsReceived).toBe(28);
    expect(stats.cumulativeLost).toBe(4);
    expect(stats.extendedHighest).toBe(0x1_000f);
    expect(stats.takeFractionLost()).toBe(Math.floor((4 * 256) / 32));
    // Nothing lost since: fraction 0 on the next report.
    for (let seq = 0x10; seq < 0x20; seq += 1) stats.updateSequence(seq);
    expect(stats.takeFractionLost()).toBe(0);
    expect(stats.cumulativeLost).toBe(4);
  });

  it('counts duplicates as received (loss can go negative) and resyncs on a restart', () => {
    const stats = new ReceiveStats();
    for (const seq of [10, 11, 11, 12]) stats.updateSequence(seq);
    expect(stats.cumulativeLost).toBe(-1);
    // A jump of 20,000 is a restart only once two packets follow in sequence.
    expect(stats.updateSequence(20_000)).toBe(false);
    expect(stats.updateSequence(20_001)).toBe(true);
    stats.updateSequence(20_002);
    expect(stats.cumulativeLost).toBe(0);
    expect(stats.extendedHighest).toBe(20_002);
  });

  it('estimates jitter as A.8 does, and ignores a timestamp wrap', () => {
    const regular = new ReceiveStats();
    let timestamp = 0xffff_ff00; // wraps after two packets
    for (let i = 0; i < 200; i += 1) {
      regular.updateJitter(i * 160, timestamp);
      timestamp = (timestamp + 160) >>> 0;
    }
    expect(regular.jitter).toBe(0);
    // Arrivals alternating 10 ms early/late around a 20 ms clock: |D| = 160 units each packet,
    // so the estimate converges to 160 (20 ms).
    const jittery = new ReceiveStats();
    for (let i = 0; i < 400; i += 1) {
      const arrival = i * 160 + (i % 2 === 0 ? 0 : 160);
      jittery.updateJitter(arrival, i * 160);
    }
    expect(jittery.jitter).toBeGreaterThan(150);
    expect(jittery.jitter).toBeLessThanOrEqual(160);
  });
});

describe('RtcpReporter', () => {
  it('sends the first report within 1.25-3.75 s and then every 2.5-7.5 s, SR only after RTP', () => {
    const reporter = new RtcpReporter('cname', { now: () => 0 });
    const sender = { ssrc: 1, packetsSent: 0, octetsSent: 0, rtpTimestamp: 0 };
    reporter.start(0);
    expect(reporter.isDue(1249)).toBe(false);
    let first: Uint8Array | undefined;
    let at = 1250;
    for (; at <= 3750 && first === undefined; at += 10) {
      if (reporter.isDue(at)) first = reporter.due(at, sender, undefined);
    }
    expect(first).toBeDefined();
    const parsedFirst = parseRtcp(first!);
    expect(parsedFirst.ok && parsedFirst.packets[0]?.type).toBe('rr');
    reporter.noteRtpSent();
    const sentAt = at;
    let second: Uint8Array | undefined;
    for (at = sentAt; at <= sentAt + 7500 && second === undefined; at += 10) {
      if (reporter.isDue(at)) {
        second = reporter.due(at, { ...sender, packetsSent: 10, octetsSent: 1600 }, undefined);
      }
    }
    expect(at - sentAt).toBeGreaterThanOrEqual(2500);
    const parsedSecond = parseRtcp(second!);
    expect(parsedSecond.ok && parsedSecond.packets[0]).toMatchObject({
      type: 'sr',
      sender: { packetCount: 10, octetCount: 1600 },
    });
  });

  it("reads the far end's report about us and computes the round trip from LSR/DLSR", () => {
    let wall = Date.UTC(2026, 0, 1);
    const reporter = new RtcpReporter('cname', { now: () => wall });
    const sentNtp = ntpFromUnixMs(wall);
    wall += 250; // the far end echoes our SR 250 ms later, having held it 100 ms
    const rr = buildReport({
      ssrc: 99,
      reports: [
        {
          ssrc: 5,
          fractionLost: 128,
          cumulativeLost: 12,
          highestSequence: 100,
          jitter: 80,
          lastSr: ntpMiddle(sentNtp.seconds, sentNtp.fraction),
          delaySinceLastSr: Math.round(0.1 * 65536),
        },
      ],
      cname: 'peer',
    });
    expect(reporter.receive(rr, 0, 5)).toBe(true);
    expect(reporter.remoteReport).toMatchObject({
      fractionLost: 0.5,
      cumulativeLost: 12,
      jitterMs: 10,
    });
    expect(reporter.remoteReport?.roundTripMs).toBeGreaterThan(149);
    expect(reporter.remoteReport?.roundTripMs).toBeLessThan(151);
    expect(reporter.receive(new Uint8Array([1, 2, 3]), 0, 5)).toBe(false);
    expect(reporter.malformed).toBe(1);
  });
});
