import { afterEach, describe, expect, it } from 'vitest';
import type { DtmfEvent, FrameSource } from '../frames.js';
import { CollectingSink, correlation, ToneSource, toneEnergy } from '../rtp/test-support/audio.js';
import { LoopbackHarness, waitFor } from '../rtp/test-support/loopback.js';
import { answerOffer, createOffer, parseAnswer, type AudioCodecName } from '../sdp/index.js';
import { bridge } from './bridge.js';
import { FrameQueue } from './frame-queue.js';

let harness: LoopbackHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A call leg: a phone (`phone`) talking to one of our sessions (`ours`) with `codec`. */
async function leg(h: LoopbackHarness, codec: AudioCodecName) {
  const phone = await h.session();
  const ours = await h.session();
  const offer = createOffer({ address: '127.0.0.1', port: phone.localPort, codecs: [codec] });
  const answer = answerOffer(offer.sdp, { address: '127.0.0.1', port: ours.localPort });
  ours.setRemote(answer.media);
  phone.setRemote(parseAnswer(answer.sdp, offer.sdp));
  return { phone, ours };
}

/** The best correlation of `heard` with `sent` over small delays (the jitter queue's). */
function bestCorrelation(heard: Int16Array, sent: Int16Array): number {
  let best = -1;
  for (let lag = 0; lag <= 160 * 8; lag += 160) {
    const length = Math.min(heard.length - lag, sent.length) - 160;
    if (length < 1600) break;
    best = Math.max(best, correlation(heard.subarray(lag, lag + length), sent.subarray(0, length)));
  }
  return best;
}

function samplesOf(source: ToneSource): Int16Array {
  const all = new Int16Array(source.produced.length * 160);
  source.produced.forEach((frame, i) => {
    all.set(frame, i * 160);
  });
  return all;
}

describe('bridge', () => {
  it('carries audio both ways between a PCMU leg and a PCMA leg, and DTMF across', async () => {
    harness = new LoopbackHarness();
    const caller = await leg(harness, 'PCMU');
    const callee = await leg(harness, 'PCMA');
    const callerVoice = new ToneSource(1000);
    const calleeVoice = new ToneSource(440);
    caller.phone.setSource(callerVoice);
    callee.phone.setSource(calleeVoice);
    const callerHears = new CollectingSink();
    const calleeHears = new CollectingSink();
    caller.phone.addSink(callerHears);
    callee.phone.addSink(calleeHears);
    const prompt: FrameSource = { nextFrame: () => undefined };
    caller.ours.setSource(prompt);

    const b = bridge(caller.ours, callee.ours);
    await harness.pump(100);
    await waitFor(
      () => calleeHears.frames.length >= 90 && callerHears.frames.length >= 90,
      'bridged audio',
    );

    const atCallee = calleeHears.samples();
    const atCaller = callerHears.samples();
    // Each side hears the other's tone (through PCMU -> PCM -> PCMA and back), not its own.
    expect(toneEnergy(atCallee, 1000)).toBeGreaterThan(1000 * toneEnergy(atCallee, 440));
    expect(toneEnergy(atCaller, 440)).toBeGreaterThan(1000 * toneEnergy(atCaller, 1000));
    expect(bestCorrelation(atCallee, samplesOf(callerVoice))).toBeGreaterThan(0.99);
    expect(bestCorrelation(atCaller, samplesOf(calleeVoice))).toBeGreaterThan(0.99);
    expect(callee.phone.stats().packetsLost).toBe(0);

    // DTMF pressed on the caller's phone reaches the callee's phone as RFC 4733, and back.
    const calleeDigits: DtmfEvent[] = [];
    const callerDigits: DtmfEvent[] = [];
    callee.phone.onDtmf((event) => calleeDigits.push(event));
    caller.phone.onDtmf((event) => callerDigits.push(event));
    const pressed = caller.phone.sendDtmf('5', 100);
    const pressedBack = callee.phone.sendDtmf('#', 160);
    // SIP INFO digits on one leg are relayed as RFC 4733 too.
    caller.ours.injectDtmf({ digit: '7' });
    for (let i = 0; i < 60 && (calleeDigits.length < 2 || callerDigits.length < 1); i += 1) {
      await harness.pump(1);
    }
    await Promise.all([pressed, pressedBack]);
    await waitFor(() => calleeDigits.length === 2 && callerDigits.length === 1, 'relayed digits');
    expect(calleeDigits).toEqual([
      { digit: '7', durationMs: 100, via: 'rfc4733' },
      { digit: '5', durationMs: 100, via: 'rfc4733' },
    ]);
    expect(callerDigits).toEqual([{ digit: '#', durationMs: 160, via: 'rfc4733' }]);
    await harness.pump(5); // the relayed presses finish their end retransmissions
    expect(b.stats().dtmfRelayed).toBe(3);

    // Unbridging restores the legs: the caller leg gets its prompt back, the other had nothing.
    b.unbridge();
    b.unbridge();
    expect(b.active).toBe(false);
    expect(caller.ours.source).toBe(prompt);
    expect(callee.ours.source).toBeUndefined();
    const before = calleeHears.frames.length;
    await harness.pump(10);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calleeHears.frames.length).toBe(before);
  });

  it('counts digits it cannot relay and leaves a replaced source alone', async () => {
    harness = new LoopbackHarness();
    const a = await harness.session();
    const b = await harness.session();
    const relayErrors: unknown[] = [];
    const joined = bridge(a, b, { onDtmfRelayError: (error) => relayErrors.push(error) });
    a.injectDtmf({ digit: '1' }); // b has no far end yet: no telephone-event negotiated
    await waitFor(() => relayErrors.length === 1, 'relay error');
    expect(String(relayErrors[0])).toMatch(/not negotiated/);
    expect(joined.stats().dtmfFailed).toBe(1);
    const player: FrameSource = { nextFrame: () => undefined };
    b.setSource(player); // a prompt took over leg b meanwhile
    joined.unbridge();
    expect(b.source).toBe(player);
    expect(() => bridge(a, a)).toThrow(/itself/);
  });
});

describe('FrameQueue', () => {
  const frame = (value: number) => new Int16Array(160).fill(value);

  it('waits for the prefill, plays in order, and drops the oldest when full', () => {
    const queue = new FrameQueue(3, 2);
    queue.writeFrame(frame(1));
    expect(queue.nextFrame()).toBeUndefined(); // prefilling
    queue.writeFrame(frame(2));
    expect(queue.nextFrame()?.[0]).toBe(1);
    queue.writeFrame(frame(3));
    queue.writeFrame(frame(4));
    queue.writeFrame(frame(5)); // full (2, 3, 4): 2 is dropped
    expect([queue.nextFrame()?.[0], queue.nextFrame()?.[0], queue.nextFrame()?.[0]]).toEqual([
      3, 4, 5,
    ]);
    expect(queue.nextFrame()).toBeUndefined();
    expect(queue.stats()).toEqual({ depth: 0, dropped: 1, underruns: 1 });
    // After running dry it prefills again.
    queue.writeFrame(frame(6));
    expect(queue.nextFrame()).toBeUndefined();
    queue.writeFrame(frame(7));
    expect(queue.nextFrame()?.[0]).toBe(6);
  });

  it('pads short frames and never grows', () => {
    const queue = new FrameQueue(2, 0);
    queue.writeFrame(new Int16Array(10).fill(9));
    const out = queue.nextFrame();
    expect(out).toHaveLength(160);
    expect(out?.[9]).toBe(9);
    expect(out?.[10]).toBe(0);
    for (let i = 0; i < 1000; i += 1) queue.writeFrame(frame(i));
    expect(queue.stats().depth).toBe(2);
    expect(() => new FrameQueue(0)).toThrow(RangeError);
    expect(() => new FrameQueue(2, 3)).toThrow(RangeError);
  });
});
