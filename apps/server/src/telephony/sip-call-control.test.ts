import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isCallerHungUp, type RingRequest } from '@switchboard/flow';
import { wavToPcm8k } from '@switchboard/media';
import { InviteError } from '@switchboard/sip';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toneEnergy } from './test-support/audio.js';
import {
  BOB_CALLING,
  startControlHarness,
  type ControlCall,
  type ControlHarness,
} from './test-support/control-harness.js';
import {
  BOB,
  CELL,
  DESK,
  DID,
  numberAt,
  seedScene,
  SOFT,
  startPeers,
  type Peers,
} from './test-support/scene.js';
import { SipPeer, type PeerCall } from './test-support/sip-peer.js';
import { delay, waitFor } from './test-support/wait.js';

const desk = { kind: 'device', userId: 'alice', deviceId: 'desk' } as const;
const soft = { kind: 'device', userId: 'alice', deviceId: 'soft' } as const;
const cell = { kind: 'device', userId: 'alice', deviceId: 'cell' } as const;

function ringRequest(
  targets: RingRequest['targets'],
  mode: RingRequest['mode'] = 'simultaneous',
  timeoutSeconds = 10,
): RingRequest {
  return { targets, mode, timeoutSeconds };
}

describe('SipCallControl with real SIP and RTP on loopback', () => {
  let harness: ControlHarness | undefined;
  let peers: Peers | undefined;

  beforeEach(async () => {
    peers = await startPeers();
    harness = await startControlHarness();
    await seedScene(harness.store, peers.far);
  });

  afterEach(async () => {
    await harness?.close();
    await peers?.close();
    harness = undefined;
    peers = undefined;
  });

  function scene(): { h: ControlHarness; p: Peers } {
    if (harness === undefined || peers === undefined) throw new Error('no scene');
    return { h: harness, p: peers };
  }

  async function register(peer: SipPeer, account: { username: string; password: string }) {
    const { h } = scene();
    const response = await peer.register(
      { host: '127.0.0.1', port: h.sip.port },
      account.username,
      account.password,
    );
    expect(response.status).toBe(200);
  }

  /** Bob's carrier calls Alice's number; the server side hands over its SipCallControl. */
  async function callIn(
    signal?: AbortSignal,
  ): Promise<{ caller: Promise<PeerCall>; call: ControlCall }> {
    const { h, p } = scene();
    const caller = p.carrier.call(numberAt(DID, h.sip), {
      from: `"Bob" <sip:${BOB}@127.0.0.1>`,
      ...(signal === undefined ? {} : { signal }),
    });
    caller.catch(() => undefined); // awaited by each test
    return { caller, call: await h.nextCall() };
  }

  it('rings a registered phone, bridges audio both ways, and ends both legs on the caller’s BYE', async () => {
    const { p } = scene();
    await register(p.desk, DESK);
    p.desk.mode = { kind: 'answer', afterMs: 100 };
    const { caller: answered, call } = await callIn();
    const { control, reporter } = call;
    const order: string[] = [];
    control.hangUpSignal.addEventListener('abort', () => order.push('hang-up reported'));
    const ring = control.ring(ringRequest([desk]), new AbortController().signal);
    void ring.then(() => order.push('ring settled'));

    const caller = await answered;
    const [received] = await p.desk.invitesReceived(1);
    await waitFor(() => received?.call !== undefined, 'the desk phone to answer');
    const phone = received!.call!;
    // The phone shows who really calls: Bob's number and his name from Alice's contacts.
    const from = received!.request.from();
    expect(from.displayName).toBe('Bob Boss');
    expect(from.uri.kind === 'sip' && from.uri.user).toBe(BOB);
    expect(control.answered).toBe(true);

    SipPeer.sendTone(caller, 500);
    SipPeer.sendTone(phone, 1200);
    await waitFor(
      () => caller.sink.frameCount > 50 && phone.sink.frameCount > 50,
      'audio both ways',
    );
    await delay(200);
    const callerHeard = caller.sink.samples(25);
    const phoneHeard = phone.sink.samples(25);
    // Each side hears the other's tone through the bridge, not its own.
    expect(toneEnergy(callerHeard, 1200)).toBeGreaterThan(1e9);
    expect(toneEnergy(callerHeard, 1200)).toBeGreaterThan(100 * toneEnergy(callerHeard, 500));
    expect(toneEnergy(phoneHeard, 500)).toBeGreaterThan(1e9);
    expect(toneEnergy(phoneHeard, 500)).toBeGreaterThan(100 * toneEnergy(phoneHeard, 1200));

    await caller.dialog.bye();
    expect((await phone.ended).by).toBe('remote');
    expect(await ring).toEqual({ outcome: 'answered', by: desk });
    await waitFor(() => control.hangUpSignal.aborted, 'the hang-up report');
    // The conversation's result first, then the hang-up (CallControl's rule).
    expect(order).toEqual(['ring settled', 'hang-up reported']);
    expect(control.summary()).toMatchObject({
      answeredBy: desk,
      connected: true,
      conversationEndedBy: 'caller',
      callerGone: 'bye',
    });
    expect(reporter.events).toEqual(['ringing device:desk simultaneous', 'answered device:desk']);
  });

  it('rings two phones at once: the first to answer wins and the other is cancelled', async () => {
    const { p, h } = scene();
    await register(p.desk, DESK);
    await register(p.soft, SOFT);
    p.desk.mode = { kind: 'ring' };
    p.soft.mode = { kind: 'answer', afterMs: 300 };
    const { caller: answered, call } = await callIn();
    const ring = call.control.ring(ringRequest([desk, soft]), new AbortController().signal);
    const caller = await answered;
    const [deskInvite] = await p.desk.invitesReceived(1);
    await waitFor(() => deskInvite?.invite.state === 'cancelled', 'the desk phone to be cancelled');
    expect(deskInvite?.invite.abortCause).toBe('cancel');
    await caller.dialog.bye();
    expect(await ring).toEqual({ outcome: 'answered', by: soft });
    await call.control.close();
    await waitFor(() => h.engine.sessionCount === 0, 'every RTP session to close');
  });

  it('rings one after the other: a phone that does not answer in time is cancelled, the cell gets the call with the caller’s number and a Diversion', async () => {
    const { p } = scene();
    await register(p.desk, DESK);
    p.desk.mode = { kind: 'ring' };
    p.far.mode = { kind: 'answer', afterMs: 100 };
    const { caller: answered, call } = await callIn();
    const started = Date.now();
    const ring = call.control.ring(
      ringRequest([desk, cell], 'sequential', 1),
      new AbortController().signal,
    );
    const caller = await answered;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const [deskInvite] = await p.desk.invitesReceived(1);
    expect(deskInvite?.invite.abortCause).toBe('cancel');

    const [toCell] = await p.far.invitesReceived(1);
    const request = toCell!.request;
    expect(request.uri).toMatchObject({
      kind: 'sip',
      user: CELL,
      host: '127.0.0.5',
      port: p.far.port,
    });
    expect(request.from().uri).toMatchObject({ user: BOB });
    expect(request.header('P-Asserted-Identity')).toContain(`sip:${BOB}@127.0.0.1`);
    const diversion = request.header('Diversion') ?? '';
    expect(diversion).toContain(`<sip:${DID}@127.0.0.1>`);
    expect(diversion).toContain('reason=no-answer');
    expect(diversion).toContain('counter=1');

    // The cell hangs up: the caller gets a BYE, the ring ends answered by the cell.
    await waitFor(() => toCell?.call !== undefined, 'the cell to answer');
    await toCell!.call!.dialog.bye();
    expect((await caller.ended).by).toBe('remote');
    expect(await ring).toEqual({ outcome: 'answered', by: cell });
    expect(call.control.summary().conversationEndedBy).toBe('callee');
    expect(call.control.hangUpSignal.aborted).toBe(false);
    expect(call.reporter.events).toContain('answered device:cell');
  });

  it('tells busy, no answer and failure apart, and the caller keeps waiting meanwhile', async () => {
    const { p } = scene();
    await register(p.desk, DESK);
    const { caller, call } = await callIn();
    const signal = new AbortController().signal;

    p.desk.mode = { kind: 'reject', status: 486 };
    expect(await call.control.ring(ringRequest([desk]), signal)).toEqual({ outcome: 'busy' });

    p.desk.mode = { kind: 'ring' };
    expect(await call.control.ring(ringRequest([desk], 'simultaneous', 1), signal)).toEqual({
      outcome: 'no-answer',
    });

    // The softphone never registered.
    const failed = await call.control.ring(ringRequest([soft]), signal);
    expect(failed).toMatchObject({ outcome: 'failed' });
    expect(failed.outcome === 'failed' && failed.detail).toContain(
      'soft (alice-soft) is not registered',
    );

    await call.control.reject(480, undefined);
    await expect(caller).rejects.toMatchObject({ status: 480 });
  });

  it('cancels every ringing leg when the caller hangs up, and reports the hang-up', async () => {
    const { p, h } = scene();
    await register(p.desk, DESK);
    await register(p.soft, SOFT);
    p.desk.mode = { kind: 'ring' };
    p.soft.mode = { kind: 'ring' };
    const hangUp = new AbortController();
    const { caller, call } = await callIn(hangUp.signal);
    const ring = call.control.ring(ringRequest([desk, soft]), new AbortController().signal);
    await p.desk.invitesReceived(1);
    await p.soft.invitesReceived(1);
    await delay(100); // let the 180s reach the carrier: a CANCEL waits for one (RFC 3261 §9.1)
    hangUp.abort();

    const error: unknown = await ring.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isCallerHungUp(error)).toBe(true);
    await expect(caller).rejects.toMatchObject({ status: 487 });
    for (const phone of [p.desk, p.soft])
      expect(phone.received[0]?.invite.abortCause).toBe('cancel');
    expect(call.control.hangUpSignal.aborted).toBe(true);
    expect(call.control.summary()).toMatchObject({ callerGone: 'cancel', connected: false });
    expect(call.control.summary().cancelledLegs).toHaveLength(2);
    await call.control.close();
    await waitFor(() => h.engine.sessionCount === 0, 'every RTP session to close');
  });

  it('stops ringing when the flow aborts the element (an override) and frees the ports', async () => {
    const { p, h } = scene();
    await register(p.desk, DESK);
    p.desk.mode = { kind: 'ring' };
    const { call } = await callIn();
    const element = new AbortController();
    const ring = call.control.ring(ringRequest([desk]), element.signal);
    await p.desk.invitesReceived(1);
    await delay(100);
    const reason = new Error('override');
    element.abort(reason);
    await expect(ring).rejects.toBe(reason);
    expect(p.desk.received[0]?.invite.abortCause).toBe('cancel');
    expect(h.engine.sessionCount).toBe(0);
    // The call itself goes on: the caller is still there.
    expect(call.control.hangUpSignal.aborted).toBe(false);
    expect(call.invite.state).toBe('ringing');
  });

  it('refuses the call with the code the flow asks for', async () => {
    const { caller, call } = await callIn();
    await call.control.progress(new AbortController().signal);
    await call.control.reject(486, 'Busy Here');
    const error: unknown = await caller.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InviteError);
    expect((error as InviteError).status).toBe(486);
    expect(call.control.summary().rejectedWith).toBe(486);
  });

  it('answers, plays prompts with barge-in, and collects RFC 4733 and SIP INFO digits', async () => {
    const { h } = scene();
    const { caller: answered, call } = await callIn();
    const signal = new AbortController().signal;
    const played = call.control.play(
      {
        prompts: [
          { kind: 'tts', text: 'Hello Bob' },
          { kind: 'silence', ms: 5000 },
        ],
        bargeIn: true,
      },
      signal,
    );
    const caller = await answered;
    await waitFor(() => call.reporter.events.includes('answered system'), 'the answer report');
    await delay(300);
    await caller.session.sendDtmf('5');
    expect(await played).toEqual({ digit: '5' });
    expect(h.speech.texts).toEqual(['Hello Bob']);

    const collected = call.control.collectDigits(
      {
        maxDigits: 4,
        terminator: '#',
        firstDigitTimeoutSeconds: 5,
        interDigitTimeoutSeconds: 3,
        initial: '5',
      },
      signal,
    );
    await caller.session.sendDtmf('12#');
    expect(await collected).toEqual({ digits: '512', ended: 'terminator' });

    const byInfo = call.control.collectDigits(
      { maxDigits: 1, firstDigitTimeoutSeconds: 5, interDigitTimeoutSeconds: 3 },
      signal,
    );
    const info = await caller.dialog.info({
      body: 'Signal=7\r\nDuration=160\r\n',
      contentType: 'application/dtmf-relay',
    });
    expect(info.status).toBe(200);
    expect(await byInfo).toEqual({ digits: '7', ended: 'max-digits' });

    expect(
      await call.control.collectDigits(
        { maxDigits: 3, firstDigitTimeoutSeconds: 1, interDigitTimeoutSeconds: 1 },
        signal,
      ),
    ).toEqual({ digits: '', ended: 'timeout' });
    await call.control.hangUp();
    expect((await caller.ended).by).toBe('remote');
  });

  it('records a message after a beep and hands it to the voicemail box before the hang-up', async () => {
    const { h } = scene();
    const { caller: answered, call } = await callIn();
    await call.control.answer(new AbortController().signal);
    const caller = await answered;
    SipPeer.sendTone(caller, 700);
    const order: string[] = [];
    call.control.hangUpSignal.addEventListener('abort', () => order.push('hang-up reported'));
    const recorded = call.control.record(
      {
        maxSeconds: 30,
        silenceSeconds: 0,
        beep: true,
        finishKey: '#',
        voicemail: { mailToUser: false },
      },
      new AbortController().signal,
    );
    void recorded.then(() => order.push('recorded'));
    await delay(2000);
    await caller.dialog.bye();
    const result = await recorded;
    expect(result).toMatchObject({ outcome: 'recorded', recordingId: 'vm-1', ended: 'hang-up' });
    expect(result.outcome === 'recorded' && result.durationMs).toBeGreaterThan(1200);
    await waitFor(() => order.length === 2, 'the hang-up report');
    expect(order).toEqual(['recorded', 'hang-up reported']);

    expect(h.voicemail.deposits).toEqual([
      {
        voicemailId: 'vm-1',
        userId: 'alice',
        callId: BOB_CALLING.callId,
        callerNumber: BOB,
        callerName: 'Bob Boss',
        contactId: 'bob',
        handlingCode: 'VIP',
        durationMs: result.outcome === 'recorded' ? result.durationMs : 0,
      },
    ]);
    // The message on disk is what the caller sent; the caller heard the beep first.
    const pcm = wavToPcm8k(await readFile(join(h.dataDir, 'voicemail/alice/vm-1.wav')));
    expect(toneEnergy(pcm, 700)).toBeGreaterThan(1e9);
    expect(toneEnergy(caller.sink.samples(), 1000)).toBeGreaterThan(1e8);
    expect(call.reporter.events).toEqual([
      'answered system',
      'voicemail started vm-1',
      'voicemail recorded vm-1',
    ]);
  });

  it('throws away a message shorter than the minimum', async () => {
    const { h } = scene();
    const { caller: answered, call } = await callIn();
    await call.control.answer(new AbortController().signal);
    const caller = await answered;
    const recorded = call.control.record(
      { maxSeconds: 30, silenceSeconds: 0, beep: false, voicemail: { mailToUser: true } },
      new AbortController().signal,
    );
    await delay(300);
    await caller.dialog.bye();
    expect(await recorded).toEqual({ outcome: 'too-short' });
    expect(h.voicemail.discarded).toEqual([
      { voicemailId: 'vm-1', relativePath: 'voicemail/alice/vm-1.wav' },
    ]);
    expect(h.voicemail.deposits).toEqual([]);
  });
});
