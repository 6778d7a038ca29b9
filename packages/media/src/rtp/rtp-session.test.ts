import { afterEach, describe, expect, it } from 'vitest';
import type { DtmfEvent } from '../frames.js';
import { answerOffer, createOffer, parseAnswer } from '../sdp/index.js';
import { g711Tables } from './g711-tables.js';
import { parseRtcp } from './rtcp.js';
import { buildRtpPacket } from './rtp-packet.js';
import type { RemoteMedia } from './session-types.js';
import {
  CollectingSink,
  concat,
  correlation,
  ToneSource,
  toneEnergy,
} from './test-support/audio.js';
import { LoopbackHarness, waitFor } from './test-support/loopback.js';

let harness: LoopbackHarness;

afterEach(async () => {
  await harness.close();
});

/** Negotiates A (offerer) with B (answerer) on loopback, as the call layer would. */
async function connectedPair(
  offerCodecs: ('PCMU' | 'PCMA')[] = ['PCMU', 'PCMA'],
  answerCodecs: ('PCMU' | 'PCMA')[] = ['PCMU', 'PCMA'],
) {
  const a = await harness.session();
  const b = await harness.session();
  const address = harness.host;
  const offer = createOffer({ address, port: a.localPort, codecs: offerCodecs });
  const answer = answerOffer(offer.sdp, { address, port: b.localPort, codecs: answerCodecs });
  b.setRemote(answer.media);
  a.setRemote(parseAnswer(answer.sdp, offer.sdp));
  return { a, b };
}

/** A far end that is a plain socket: what our session needs to know about it. */
function remoteAt(port: number, overrides: Partial<RemoteMedia> = {}): RemoteMedia {
  return {
    codec: 'PCMU',
    payloadType: 0,
    telephoneEventPayloadType: 101,
    remoteAddress: '127.0.0.1',
    remotePort: port,
    direction: 'sendrecv',
    ptime: 20,
    ...overrides,
  };
}

/** What a G.711 round trip does to PCM. */
function g711RoundTrip(codec: 'PCMU' | 'PCMA', samples: Int16Array): Int16Array {
  const tables = g711Tables(codec);
  return samples.map((sample) => tables.decode[tables.encode[sample + 32768]!]!);
}

describe('RtpSession on loopback', () => {
  it('exchanges tones both ways: each side hears exactly the other side’s audio', async () => {
    harness = new LoopbackHarness();
    const { a, b } = await connectedPair();
    const toneA = new ToneSource(1000);
    const toneB = new ToneSource(440);
    const heardByA = new CollectingSink();
    const heardByB = new CollectingSink();
    a.setSource(toneA);
    b.setSource(toneB);
    a.addSink(heardByA);
    b.addSink(heardByB);
    await harness.pump(50);
    await waitFor(() => heardByA.frames.length >= 50 && heardByB.frames.length >= 50, 'audio');

    const sentByA = g711RoundTrip('PCMU', concat(toneA.produced));
    const receivedByB = heardByB.samples();
    expect(Array.from(receivedByB)).toEqual(Array.from(sentByA));
    expect(correlation(receivedByB, concat(toneA.produced))).toBeGreaterThan(0.999);
    // B hears 1 kHz, not its own 440 Hz; A the reverse.
    expect(toneEnergy(receivedByB, 1000)).toBeGreaterThan(1000 * toneEnergy(receivedByB, 440));
    const receivedByA = heardByA.samples();
    expect(toneEnergy(receivedByA, 440)).toBeGreaterThan(1000 * toneEnergy(receivedByA, 1000));

    const stats = b.stats();
    expect(stats).toMatchObject({
      packetsSent: 50,
      packetsReceived: 50,
      bytesReceived: 50 * 160,
      packetsLost: 0,
      malformed: 0,
      unknownPayloadType: 0,
      destination: { address: '127.0.0.1', port: a.localPort },
    });
  });

  it('keeps sequence and timestamp continuous across source changes, marker on each talk-spurt', async () => {
    harness = new LoopbackHarness();
    const session = await harness.session();
    const peer = await harness.peer();
    session.setRemote(remoteAt(peer.port));
    session.setSource(new ToneSource(500));
    await harness.pump(5);
    session.setSource(undefined); // a pause of three ticks
    await harness.pump(3);
    session.setSource(new ToneSource(700)); // another prompt
    await harness.pump(4);
    await waitFor(() => peer.packets.length >= 9, 'packets');
    const headers = peer.packets.map((packet) => packet.header);
    expect(headers).toHaveLength(9);
    expect(headers.map((h) => h.marker)).toEqual([
      true,
      false,
      false,
      false,
      false,
      true,
      false,
      false,
      false,
    ]);
    for (let i = 1; i < headers.length; i += 1) {
      expect(headers[i]!.sequence).toBe((headers[i - 1]!.sequence + 1) & 0xffff);
      expect(headers[i]!.ssrc).toBe(session.ssrc);
      // 160 per tick, including the three silent ticks (4 × 160 across the pause).
      const expected = i === 5 ? 4 * 160 : 160;
      expect((headers[i]!.timestamp - headers[i - 1]!.timestamp) >>> 0).toBe(expected);
    }
    expect(headers.every((h) => h.payloadType === 0 && h.csrcCount === 0)).toBe(true);
  });

  it('latches to the real source, ignores others while it talks, and moves after it goes quiet', async () => {
    harness = new LoopbackHarness();
    const session = await harness.session({ relatchAfterMs: 1000 });
    const signalled = await harness.peer(); // the address in the SDP, never sending (behind NAT)
    const nat = await harness.peer(); // where the packets really come from
    const intruder = await harness.peer();
    session.setRemote(remoteAt(signalled.port));
    session.setSource(new ToneSource(300));
    await harness.pump(1);
    await waitFor(() => signalled.packets.length === 1, 'first packet to the SDP address');

    const packet = (seq: number) =>
      buildRtpPacket({
        payloadType: 0,
        sequence: seq,
        timestamp: seq * 160,
        ssrc: 42,
        payload: new Uint8Array(160).fill(0xff),
      });
    nat.send(packet(1), session.localPort);
    await waitFor(() => session.stats().packetsReceived === 1, 'latching packet');
    await harness.pump(1);
    await waitFor(() => nat.packets.length === 1, 'packet to the latched source');
    expect(session.stats().destination).toEqual({ address: '127.0.0.1', port: nat.port });

    // Another source while the latched one is active: dropped, and we keep sending to nat.
    intruder.send(packet(2), session.localPort);
    await waitFor(() => session.stats().foreignSource === 1, 'intruder counted');
    await harness.pump(1);
    await waitFor(() => nat.packets.length === 2, 'still sending to the latched source');
    expect(intruder.packets).toHaveLength(0);

    // The latched source stays quiet for longer than relatchAfterMs: the new one is accepted.
    await harness.pump(55);
    intruder.send(packet(3), session.localPort);
    await waitFor(() => session.stats().relatches === 1, 'relatch');
    await harness.pump(1);
    await waitFor(() => intruder.packets.length === 1, 'sending to the new source');
    expect(session.stats().destination).toEqual({ address: '127.0.0.1', port: intruder.port });
  });

  it('reports a media timeout once when packets stop, but not while the far end holds', async () => {
    harness = new LoopbackHarness();
    const session = await harness.session({ mediaTimeoutMs: 2000 });
    const peer = await harness.peer();
    session.setRemote(remoteAt(peer.port));
    const timeouts: unknown[] = [];
    session.onMediaTimeout((timeout) => timeouts.push(timeout));
    const promise = session.mediaTimeout;
    for (let seq = 0; seq < 10; seq += 1) {
      peer.send(
        buildRtpPacket({
          payloadType: 0,
          sequence: seq,
          timestamp: seq * 160,
          ssrc: 9,
          payload: new Uint8Array(160),
        }),
        session.localPort,
      );
      await harness.pump(1);
    }
    await waitFor(() => session.stats().packetsReceived === 10, 'packets');
    await harness.pump(95); // 1.9 s of silence
    expect(timeouts).toHaveLength(0);
    await harness.pump(10);
    expect(timeouts).toHaveLength(1);
    await expect(promise).resolves.toMatchObject({ onHold: false });
    expect((timeouts[0] as { silentForMs: number }).silentForMs).toBeGreaterThan(2000);
    await harness.pump(200);
    expect(timeouts).toHaveLength(1);

    // On hold (the far end sends nothing by design) the default hold timeout is off.
    const held = await harness.session({ mediaTimeoutMs: 2000 });
    held.setRemote(remoteAt(peer.port, { direction: 'sendonly' }));
    const heldTimeouts: unknown[] = [];
    held.onMediaTimeout((timeout) => heldTimeouts.push(timeout));
    await harness.pump(150);
    expect(heldTimeouts).toHaveLength(0);
  });

  it('counts malformed packets and unnegotiated payload types, and survives them', async () => {
    harness = new LoopbackHarness();
    const session = await harness.session();
    const peer = await harness.peer();
    session.setRemote(remoteAt(peer.port, { telephoneEventPayloadType: undefined }));
    const sink = new CollectingSink();
    session.addSink(sink);
    session.addSink({
      writeFrame() {
        throw new Error('a broken sink');
      },
    });
    peer.send(Buffer.from('hello, not RTP'), session.localPort);
    peer.send(new Uint8Array(4), session.localPort);
    peer.send(
      buildRtpPacket({
        payloadType: 18,
        sequence: 1,
        timestamp: 0,
        ssrc: 1,
        payload: new Uint8Array(20),
      }),
      session.localPort,
    );
    peer.send(
      buildRtpPacket({
        payloadType: 101,
        sequence: 2,
        timestamp: 0,
        ssrc: 1,
        payload: new Uint8Array(4),
      }),
      session.localPort,
    );
    peer.send(
      buildRtpPacket({
        payloadType: 13,
        sequence: 3,
        timestamp: 0,
        ssrc: 1,
        payload: new Uint8Array(1),
      }),
      session.localPort,
    );
    peer.send(
      buildRtpPacket({
        payloadType: 0,
        sequence: 4,
        timestamp: 160,
        ssrc: 1,
        payload: new Uint8Array(160).fill(0x80),
      }),
      session.localPort,
    );
    await waitFor(() => session.stats().packetsReceived === 2, 'the valid packets');
    expect(session.stats()).toMatchObject({
      malformed: 2,
      unknownPayloadType: 2,
      comfortNoise: 1,
      callbackErrors: 1,
    });
    expect(sink.frames).toHaveLength(1);
    expect(sink.frames[0]![0]).toBe(g711Tables('PCMU').decode[0x80]);
  });

  it('carries DTMF end to end as RFC 4733, and SIP INFO digits through the same listener', async () => {
    harness = new LoopbackHarness();
    const { a, b } = await connectedPair();
    a.setSource(new ToneSource(800));
    const digits: DtmfEvent[] = [];
    const starts: string[] = [];
    b.onDtmf((event) => digits.push(event));
    b.onDtmfStart((digit) => starts.push(digit));
    const heard = new CollectingSink();
    b.addSink(heard);
    const sent = a.sendDtmf('4*#', 120);
    const progress = { done: false };
    void sent.then(() => {
      progress.done = true;
    });
    for (let i = 0; i < 60 && !progress.done; i += 1) await harness.pump(1);
    await sent;
    await waitFor(() => digits.length === 3, 'three digits');
    expect(digits).toEqual([
      { digit: '4', durationMs: 120, via: 'rfc4733' },
      { digit: '*', durationMs: 120, via: 'rfc4733' },
      { digit: '#', durationMs: 120, via: 'rfc4733' },
    ]);
    expect(starts).toEqual(['4', '*', '#']);
    // Audio was muted while each press was on the wire (6 + 2 end retransmissions = 8 ticks).
    expect(a.stats().packetsSent).toBeGreaterThan(heard.frames.length);

    b.injectDtmf({ digit: '9', durationMs: 200 });
    expect(digits.at(-1)).toEqual({ digit: '9', durationMs: 200, via: 'sip-info' });
    expect(() => {
      b.injectDtmf({ digit: 'x' });
    }).toThrow(/not a DTMF digit/);
  });

  it('decodes events a gateway sends with an SSRC of their own between audio packets', async () => {
    harness = new LoopbackHarness();
    const session = await harness.session();
    const peer = await harness.peer();
    session.setRemote(remoteAt(peer.port));
    const digits: DtmfEvent[] = [];
    session.onDtmf((event) => digits.push(event));
    const audio = (seq: number) =>
      buildRtpPacket({
        payloadType: 0,
        sequence: seq,
        timestamp: seq * 160,
        ssrc: 1111,
        payload: new Uint8Array(160),
      });
    const event = (seq: number, end: boolean, duration: number) =>
      buildRtpPacket({
        payloadType: 101,
        sequence: seq,
        timestamp: 8000,
        ssrc: 2222,
        marker: seq === 0,
        payload: Uint8Array.from([3, end ? 0x8a : 0x0a, duration >> 8, duration & 0xff]),
      });
    const packets = [audio(1), event(0, false, 160), audio(2), event(1, false, 320), audio(3)];
    packets.push(event(2, true, 480), audio(4), event(3, true, 480), event(4, true, 480), audio(5));
    for (const packet of packets) {
      peer.send(packet, session.localPort);
      await new Promise((resolve) => setTimeout(resolve, 1)); // keep the order
    }
    await waitFor(() => session.stats().packetsReceived === packets.length, 'all packets');
    expect(digits).toEqual([{ digit: '3', durationMs: 60, via: 'rfc4733' }]);
    expect(session.stats()).toMatchObject({ ssrcChanges: 0, packetsLost: 0 });
  });

  it('refuses DTMF when telephone-event was not negotiated or the stream is on hold', async () => {
    harness = new LoopbackHarness();
    const session = await harness.session();
    const peer = await harness.peer();
    await expect(session.sendDtmf('1')).rejects.toThrow(/not negotiated/);
    session.setRemote(remoteAt(peer.port, { direction: 'recvonly' }));
    await expect(session.sendDtmf('1')).rejects.toThrow(/recvonly/);
    session.setDirection('sendrecv');
    const outcome = session.sendDtmf('123').then(
      () => 'sent',
      (error: unknown) => error,
    );
    await harness.pump(2);
    session.setDirection('inactive'); // put on hold mid-way
    await harness.pump(1);
    expect(await outcome).toBeInstanceOf(Error);
    expect(String(await outcome)).toMatch(/stopped sending/);
  });

  it('sends nothing while on hold and resumes with a marker', async () => {
    harness = new LoopbackHarness();
    const session = await harness.session();
    const peer = await harness.peer();
    session.setRemote(remoteAt(peer.port));
    session.setSource(new ToneSource(400));
    await harness.pump(3);
    session.setDirection('recvonly'); // we hold the far end
    await harness.pump(3);
    session.setDirection('sendrecv');
    await harness.pump(2);
    await waitFor(() => peer.packets.length === 5, 'packets');
    expect(peer.packets.map((p) => p.header.marker)).toEqual([true, false, false, true, false]);
    // An RFC 2543 hold (c=0.0.0.0) leaves nowhere to send.
    session.setRemote(remoteAt(peer.port, { remoteAddress: '0.0.0.0' }));
    await harness.pump(3);
    expect(session.stats().destination).toBeUndefined();
    // A rejected stream (port 0) gets neither RTP nor RTCP.
    session.setRemote(remoteAt(0));
    await harness.pump(300);
    expect(peer.packets).toHaveLength(5);
    expect(session.stats().rtcpSent).toBe(0);
    expect(() => {
      session.setRemote(remoteAt(70_000));
    }).toThrow(/remotePort must be an integer 0-65535, got 70000/);
    expect(() => {
      session.setRemote(remoteAt(peer.port, { payloadType: 200 }));
    }).toThrow(/payload types are 0-127/);
  });

  it('repacketizes to the far end’s ptime and reframes its packets into 20 ms frames', async () => {
    harness = new LoopbackHarness();
    const session = await harness.session();
    const peer = await harness.peer();
    session.setRemote(remoteAt(peer.port, { codec: 'PCMA', payloadType: 8, ptime: 30 }));
    const tone = new ToneSource(1000);
    session.setSource(tone);
    await harness.pump(6); // 120 ms = four 30 ms packets
    await waitFor(() => peer.packets.length === 4, 'packets');
    const headers = peer.packets.map((p) => p.header);
    expect(headers.map((h) => h.payloadLength)).toEqual([240, 240, 240, 240]);
    expect(headers.map((h) => (h.timestamp - headers[0]!.timestamp) >>> 0)).toEqual([
      0, 240, 480, 720,
    ]);
    const payloads = concat(
      peer.packets.map((p) => {
        const decode = g711Tables('PCMA').decode;
        return Int16Array.from(p.bytes.subarray(12), (code) => decode[code]!);
      }),
    );
    expect(Array.from(payloads)).toEqual(Array.from(g711RoundTrip('PCMA', concat(tone.produced))));

    // Receiving 30 ms packets: 4 packets = 960 samples = 6 frames.
    const sink = new CollectingSink();
    session.addSink(sink);
    const encode = g711Tables('PCMA').encode;
    for (let i = 0; i < 4; i += 1) {
      peer.send(
        buildRtpPacket({
          payloadType: 8,
          sequence: i,
          timestamp: i * 240,
          ssrc: 5,
          payload: new Uint8Array(240).fill(encode[32768 + 1000]!),
        }),
        session.localPort,
      );
    }
    await waitFor(() => sink.frames.length === 6, 'six frames');
  });

  it('fills a pause the sender skipped (VAD) with silence, but not a late packet or a jump', async () => {
    harness = new LoopbackHarness();
    const session = await harness.session();
    const peer = await harness.peer();
    session.setRemote(remoteAt(peer.port));
    const sink = new CollectingSink();
    session.addSink(sink);
    const loud = g711Tables('PCMU').encode[32768 + 8000]!;
    let sequence = 0;
    const send = (timestamp: number) => {
      peer.send(
        buildRtpPacket({
          payloadType: 0,
          sequence: sequence++,
          timestamp: timestamp >>> 0,
          ssrc: 77,
          payload: new Uint8Array(160).fill(loud),
        }),
        session.localPort,
      );
    };
    const base = 2 ** 32 - 320; // the pause straddles the timestamp wrap
    send(base);
    send(base + 160);
    await waitFor(() => sink.frames.length === 2, 'two frames');
    send(base + 320 + 800); // the caller paused 100 ms: five frames were never sent
    await waitFor(() => sink.frames.length === 8, 'pause filled');
    send(base + 320 + 640); // late: older than what was already played out
    send(base + 320 + 960 + 80_000 * 2); // a 20 s jump is a discontinuity, not a pause
    await waitFor(() => sink.frames.length === 10, 'late and jumped packets');
    const energy = sink.frames.map((frame) => frame.reduce((sum, x) => sum + Math.abs(x), 0));
    expect(energy.map((e) => (e === 0 ? 'silence' : 'audio'))).toEqual([
      'audio',
      'audio',
      'silence',
      'silence',
      'silence',
      'silence',
      'silence',
      'audio',
      'audio',
      'audio',
    ]);
  });

  it('sends no BYE when it never sent RTP or RTCP (RFC 3550 §6.3.7)', async () => {
    harness = new LoopbackHarness();
    const session = await harness.session();
    const rtp = await harness.peer();
    const rtcp = await harness.peer();
    session.setRemote(remoteAt(rtp.port, { remoteRtcpPort: rtcp.port }));
    await harness.pump(10); // 200 ms: before the first report, nothing to send
    await session.close();
    const probe = await harness.peer();
    probe.send(Buffer.from([0]), rtcp.port); // a marker: anything sent before it has arrived
    await waitFor(() => rtcp.packets.length === 1, 'the marker');
    expect(rtcp.packets[0]?.from.port).toBe(probe.port);
    expect(session.stats()).toMatchObject({ packetsSent: 0, rtcpSent: 0 });
  });

  it('sends RTCP reports to port + 1 and BYE on close, then frees its ports', async () => {
    harness = new LoopbackHarness();
    const session = await harness.session();
    const rtp = await harness.peer();
    const rtcp = await harness.peer();
    session.setRemote(remoteAt(rtp.port, { remoteRtcpPort: rtcp.port }));
    session.setSource(new ToneSource(600));
    await harness.pump(200); // 4 s: the first report comes within 1.25-3.75 s
    await waitFor(() => rtcp.packets.length >= 1, 'an RTCP report');
    const report = parseRtcp(rtcp.packets[0]!.bytes);
    expect(report.ok).toBe(true);
    if (!report.ok) return;
    expect(report.packets[0]).toMatchObject({ type: 'sr', ssrc: session.ssrc });
    expect(report.packets[1]).toMatchObject({ type: 'sdes' });
    const sr = report.packets[0]!;
    if (sr.type === 'sr') {
      expect(sr.sender.packetCount).toBeGreaterThan(60);
      expect(sr.sender.octetCount).toBe(sr.sender.packetCount * 160);
    }
    const used = harness.pool.used;
    await session.close();
    await session.close(); // idempotent
    expect(harness.pool.used).toBe(used - 1);
    await waitFor(
      () =>
        rtcp.packets.some((p) => {
          const parsed = parseRtcp(p.bytes);
          return parsed.ok && parsed.packets.some((packet) => packet.type === 'bye');
        }),
      'BYE',
    );
    await expect(session.sendDtmf('1')).rejects.toThrow(/closed/);
    expect(() => {
      session.setRemote(remoteAt(rtp.port));
    }).toThrow(/closed/);
  });

  it('works over IPv6 loopback', async () => {
    harness = new LoopbackHarness('::1');
    const { a, b } = await connectedPair(['PCMA'], ['PCMA']);
    a.setSource(new ToneSource(1000));
    const heard = new CollectingSink();
    b.addSink(heard);
    await harness.pump(10);
    await waitFor(() => heard.frames.length === 10, 'IPv6 audio');
    expect(toneEnergy(heard.samples(), 1000)).toBeGreaterThan(1e5);
    expect(b.stats().destination).toEqual({ address: '::1', port: a.localPort });
    expect(() => {
      a.setRemote(remoteAt(4000, { remoteAddress: '127.0.0.1' }));
    }).toThrow(/cannot be reached/);
  });

  it('reaches an IPv4 far end from a dual-stack session bound to ::', async () => {
    harness = new LoopbackHarness('::');
    const session = await harness.session();
    const peer = await harness.peer('127.0.0.1');
    session.setRemote(remoteAt(peer.port));
    session.setSource(new ToneSource(1000));
    await harness.pump(3);
    await waitFor(() => peer.packets.length === 3, 'packets over IPv4');
    peer.send(
      buildRtpPacket({
        payloadType: 0,
        sequence: 1,
        timestamp: 0,
        ssrc: 3,
        payload: new Uint8Array(160),
      }),
      session.localPort,
    );
    await waitFor(() => session.stats().packetsReceived === 1, 'a packet back');
    expect(session.stats().destination).toEqual({ address: '::ffff:127.0.0.1', port: peer.port });
  });

  it('ends a call on hold after the hold timeout when neither RTP nor RTCP arrives', async () => {
    harness = new LoopbackHarness();
    const session = await harness.session({ mediaTimeoutMs: 1000, holdTimeoutMs: 3000 });
    const peer = await harness.peer();
    const timeouts: unknown[] = [];
    session.onMediaTimeout((timeout) => timeouts.push(timeout));
    session.setRemote(remoteAt(peer.port, { direction: 'inactive' }));
    await harness.pump(140); // 2.8 s: more than the media timeout, less than the hold timeout
    session.setDirection('sendonly'); // still on hold; the silence is measured from the change
    await harness.pump(140);
    expect(timeouts).toHaveLength(0);
    await harness.pump(20);
    expect(timeouts).toEqual([{ onHold: true, silentForMs: expect.any(Number) as number }]);
    await expect(session.mediaTimeout).resolves.toMatchObject({ onHold: true });
  });
});
