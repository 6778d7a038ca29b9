import { afterEach, describe, expect, it } from 'vitest';
import { ToneSource } from '../rtp/test-support/audio.js';
import { LoopbackHarness, waitFor } from '../rtp/test-support/loopback.js';
import { answerOffer, createOffer, parseAnswer } from '../sdp/index.js';
import { bridge } from './bridge.js';

let harness: LoopbackHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('a held bridged call', () => {
  it('sleeps without audio and wakes the other leg as soon as RTP arrives', async () => {
    const h = new LoopbackHarness();
    harness = h;
    // The caller's phone talks to our caller leg; our callee leg sends to a plain socket.
    const phone = await h.session();
    const callerLeg = await h.session();
    const offer = createOffer({ address: '127.0.0.1', port: phone.localPort });
    const answer = answerOffer(offer.sdp, { address: '127.0.0.1', port: callerLeg.localPort });
    callerLeg.setRemote(answer.media);
    phone.setRemote(parseAnswer(answer.sdp, offer.sdp));
    const trunk = await h.peer();
    const calleeLeg = await h.session();
    calleeLeg.setRemote({
      codec: 'PCMU',
      payloadType: 0,
      telephoneEventPayloadType: 101,
      remoteAddress: '127.0.0.1',
      remotePort: trunk.port,
      direction: 'sendrecv',
      ptime: 20,
    });
    bridge(callerLeg, calleeLeg);
    // Setting up a call's media wakes no session that has nothing to send: a thousand calls set
    // up each second would otherwise keep the pacing loop in its precise wait all the time.
    expect(h.pacer.stats()).toMatchObject({ participants: 3, awake: 0 });

    await h.pump(3);
    expect(h.pacer.stats()).toMatchObject({ participants: 3, awake: 0 });

    // The caller talks for 10 frames: the callee leg is woken by the bridge and forwards them.
    phone.setSource(new ToneSource(1000));
    await h.pump(10);
    phone.setSource(undefined);
    await waitFor(() => trunk.packets.length >= 8, 'the first talk-spurt');
    await h.pump(50); // a second of silence: everybody sleeps again
    expect(h.pacer.stats().awake).toBe(0);
    const first = trunk.packets.slice();
    expect(first[0]?.header.marker).toBe(true);
    for (let i = 1; i < first.length; i += 1) {
      expect(first[i]?.header.marker).toBe(false);
      expect(
        ((first[i]?.header.timestamp ?? 0) - (first[i - 1]?.header.timestamp ?? 0)) >>> 0,
      ).toBe(160);
    }

    phone.setSource(new ToneSource(440));
    await h.pump(10);
    await waitFor(() => trunk.packets.length > first.length + 5, 'the second talk-spurt');
    const last = first[first.length - 1];
    const next = trunk.packets[first.length];
    // A new talk-spurt (marker), the sequence number goes on by one, and the timestamp has kept
    // real time across the second the leg slept (RFC 3550 §5.1).
    expect(next?.header.marker).toBe(true);
    expect(next?.header.sequence).toBe(((last?.header.sequence ?? 0) + 1) & 0xffff);
    const elapsed = ((next?.header.timestamp ?? 0) - (last?.header.timestamp ?? 0)) >>> 0;
    expect(elapsed % 160).toBe(0);
    expect(elapsed / 160).toBeGreaterThanOrEqual(50);
    expect(elapsed / 160).toBeLessThanOrEqual(56);
  });

  it('wakes a sleeping session for DTMF, and sends it at once', async () => {
    const h = new LoopbackHarness();
    harness = h;
    const trunk = await h.peer();
    const session = await h.session();
    session.setRemote({
      codec: 'PCMU',
      payloadType: 0,
      telephoneEventPayloadType: 101,
      remoteAddress: '127.0.0.1',
      remotePort: trunk.port,
      direction: 'sendrecv',
      ptime: 20,
    });
    await h.pump(3);
    expect(h.pacer.stats().awake).toBe(0);
    const sent = session.sendDtmf('5', 60);
    await h.pump(1);
    await waitFor(() => trunk.packets.length === 1, 'the first event packet');
    expect(trunk.packets[0]?.header).toMatchObject({ payloadType: 101, marker: true });
    await h.pump(6);
    await sent;
    await h.pump(2);
    expect(h.pacer.stats().awake).toBe(0);
  });
});
