import { describe, expect, it } from 'vitest';
import {
  serializeMessage,
  serializeUri,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
import { AckTimeoutError, InviteStateError } from './errors.js';
import {
  Harness,
  PEER,
  SDP_ANSWER,
  SDP_OFFER,
  peerRequest,
  request,
} from './test-support/harness.js';

/** The ACK the peer sends for our 2xx (§13.2.2.4): same CSeq number, our To tag, a new branch. */
function ackFor(ok: SipResponse, branch = 'z9hG4bKack1', body = ''): SipRequest {
  return request(
    [
      'ACK sip:switchboard@192.0.2.1:5060 SIP/2.0',
      `Via: SIP/2.0/UDP 192.0.2.9:5070;branch=${branch}`,
      'Max-Forwards: 70',
      `From: ${ok.header('From') ?? ''}`,
      `To: ${ok.header('To') ?? ''}`,
      `Call-ID: ${ok.callId}`,
      `CSeq: ${String(ok.cseq().seq)} ACK`,
      ...(body === '' ? [] : ['Content-Type: application/sdp']),
    ],
    body,
  );
}

describe('IncomingInvite: answering a call (RFC 3261 §13.3)', () => {
  it('leaves 100 Trying to the transaction, rings with our tag and Contact, and copies Record-Route', () => {
    const h = new Harness();
    h.receive(peerRequest({ extra: ['Record-Route: <sip:proxy.example;lr>'] }));
    expect(h.invites).toHaveLength(1);
    h.timers.advance(200); // §17.2.1: the transaction's own 100 after 200 ms of silence
    expect(h.statuses()).toEqual([100]);
    const invite = h.invites[0]!;
    expect(invite.offer).toBe(SDP_OFFER);
    expect(invite.progress()).toBe(true);
    const ringing = h.response(180);
    expect(ringing.to().tag).toBe(invite.localTag);
    expect(ringing.header('Contact')).toBe('<sip:switchboard@192.0.2.1:5060>');
    expect(ringing.headerValues('Record-Route')).toEqual(['<sip:proxy.example;lr>']);
    expect(ringing.header('Server')).toBe('Switchboard-test');
    expect(invite.dialog?.state).toBe('early');
    expect(h.ua.dialogs.size).toBe(1);
    // Early media: 183 with the SDP answer.
    invite.progress(183, { sdp: SDP_ANSWER });
    expect(h.response(183).body.toString()).toBe(SDP_ANSWER);
    expect(h.response(183).header('Content-Type')).toBe('application/sdp');
    expect(() => invite.progress(200)).toThrow(RangeError);
  });

  it('answers 200 and retransmits it at T1, 2T1... capped at T2 until the ACK, then resolves the dialog (§13.3.1.4)', async () => {
    const h = new Harness();
    h.receive(peerRequest());
    const invite = h.invites[0]!;
    const accepted = invite.accept({ sdp: SDP_ANSWER });
    const ok = h.response(200);
    expect(ok.to().tag).toBe(invite.localTag);
    expect(ok.header('Contact')).toBe('<sip:switchboard@192.0.2.1:5060>');
    expect(ok.header('Allow')).toContain('INVITE');
    expect(ok.body.toString()).toBe(SDP_ANSWER);
    expect(invite.state).toBe('accepted');
    h.timers.advance(7_600);
    const sentAt = h.transport.sent
      .filter((s) => s.message.kind === 'response' && s.message.status === 200)
      .map((s) => (s.at - 1_000_000) / 1000);
    expect(sentAt).toEqual([0, 0.5, 1.5, 3.5, 7.5]);
    h.receive(ackFor(ok));
    const dialog = await accepted;
    expect(dialog.state).toBe('confirmed');
    expect(invite.state).toBe('confirmed');
    expect(dialog.localSdp).toBe(SDP_ANSWER);
    expect(dialog.remoteSdp).toBe(SDP_OFFER);
    h.timers.advance(60_000);
    expect(h.statuses().filter((s) => s === 200)).toHaveLength(5); // no more after the ACK
  });

  it('retransmits the very bytes of its 200, and keeps a delegate set on the dialog before the ACK', async () => {
    const h = new Harness();
    h.receive(peerRequest());
    const invite = h.invites[0]!;
    const accepted = invite.accept({ sdp: SDP_ANSWER });
    const sent = () =>
      h.transport.sent
        .filter((s) => s.message.kind === 'response' && s.message.status === 200)
        .map((s) => serializeMessage(s.message).toString('latin1'));
    h.timers.advance(600);
    expect(sent()).toHaveLength(2);
    expect(sent()[1]).toBe(sent()[0]);
    const ended: string[] = [];
    const dialog = invite.dialog!;
    dialog.delegate = { onTerminated: (end) => ended.push(end.cause) };
    h.receive(ackFor(h.response(200)));
    expect(await accepted).toBe(dialog);
    expect(invite.state).toBe('confirmed');
    dialog.terminate({ by: 'remote', cause: 'bye' });
    expect(ended).toEqual(['bye']);
  });

  it('gives up after 64·T1 without an ACK: BYE, and accept() rejects with AckTimeoutError', async () => {
    const h = new Harness();
    h.receive(peerRequest());
    const invite = h.invites[0]!;
    const accepted = invite.accept({ sdp: SDP_ANSWER });
    const failed = expect(accepted).rejects.toBeInstanceOf(AckTimeoutError);
    h.timers.advance(31_999);
    expect(h.requestsSent('BYE')).toHaveLength(0);
    h.timers.advance(1);
    const sentAt = h.transport.sent
      .filter((s) => s.message.kind === 'response' && s.message.status === 200)
      .map((s) => (s.at - 1_000_000) / 1000);
    // T2 = 4 s caps the doubling: 0.5, 1.5, 3.5, 7.5, then every 4 s up to 31.5.
    expect(sentAt).toEqual([0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]);
    const bye = h.lastRequest('BYE');
    expect(serializeUri(bye.uri)).toBe('sip:alice@192.0.2.9:5070');
    expect(bye.to().tag).toBe('alice-tag');
    expect(bye.from().tag).toBe(invite.localTag);
    expect(h.transport.sent.at(-1)?.at).toBe(1_000_000 + 32_000);
    await failed;
    expect(invite.state).toBe('failed');
    expect(invite.dialog?.end).toEqual({ by: 'local', cause: 'ack-timeout' });
  });

  it('CANCEL: 200 with the same To tag, 487 to the INVITE, signal aborted (§9.2)', async () => {
    const h = new Harness();
    h.receive(peerRequest());
    const invite = h.invites[0]!;
    invite.progress(180);
    let aborted = false;
    invite.signal.addEventListener('abort', () => {
      aborted = true;
    });
    h.receive(
      request([
        'CANCEL sip:bob@192.0.2.1 SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bKpeer1',
        'Max-Forwards: 70',
        'From: "Alice" <sip:alice@192.0.2.9>;tag=alice-tag',
        'To: <sip:bob@192.0.2.1>',
        'Call-ID: call-1@192.0.2.9',
        'CSeq: 1 CANCEL',
      ]),
    );
    expect(h.response(200).cseq().method).toBe('CANCEL');
    expect(h.response(200).to().tag).toBe(invite.localTag);
    expect(h.response(487).to().tag).toBe(invite.localTag);
    expect(aborted).toBe(true);
    expect(invite.abortCause).toBe('cancel');
    expect(invite.state).toBe('cancelled');
    expect(invite.dialog?.state).toBe('terminated');
    expect(h.ua.dialogs.size).toBe(0);
    await expect(invite.accept({ sdp: SDP_ANSWER })).rejects.toBeInstanceOf(InviteStateError);
    expect(invite.reject(486)).toBe(false);
  });

  it('CANCEL for no INVITE gets 481', () => {
    const h = new Harness();
    h.receive(
      request([
        'CANCEL sip:bob@192.0.2.1 SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bKnothing',
        'From: <sip:alice@192.0.2.9>;tag=x',
        'To: <sip:bob@192.0.2.1>',
        'Call-ID: none@192.0.2.9',
        'CSeq: 1 CANCEL',
      ]),
    );
    expect(h.statuses()).toEqual([481]);
  });

  it('rejects and redirects with our tag; a bad contact is a UaOptionError', () => {
    const h = new Harness();
    h.receive(peerRequest());
    h.receive(peerRequest({ callId: 'call-2', branch: 'z9hG4bKpeer2' }));
    const [busy, moved] = h.invites;
    expect(busy!.reject(486)).toBe(true);
    expect(h.response(486).to().tag).toBe(busy!.localTag);
    expect(busy!.state).toBe('rejected');
    expect(() => moved!.redirect(['sip:bob@<bad'])).toThrow(/contacts\[0\]/);
    expect(moved!.redirect(['sip:bob@198.51.100.4', '"Desk" <sip:desk@198.51.100.5>'])).toBe(true);
    expect(h.response(302).headerValues('Contact')).toEqual([
      '<sip:bob@198.51.100.4>',
      '"Desk" <sip:desk@198.51.100.5>',
    ]);
    expect(() => moved!.reject(200)).toThrow(RangeError);
  });

  it('a BYE on the early dialog ends the call: 200 to the BYE, 487 to the INVITE (§15.1.2)', () => {
    const h = new Harness();
    h.receive(peerRequest());
    const invite = h.invites[0]!;
    invite.progress(180);
    h.receive(
      peerRequest({ method: 'BYE', toTag: invite.localTag, cseq: 2, branch: 'z9hG4bKbye' }),
    );
    expect(h.statuses()).toContain(487);
    expect(h.response(200).cseq().method).toBe('BYE');
    expect(invite.abortCause).toBe('bye');
    expect(invite.signal.aborted).toBe(true);
  });

  it('answers 500 when the onInvite delegate throws before answering', async () => {
    const h = new Harness({
      delegate: {
        onInvite: () => Promise.reject(new Error('media engine down')),
      },
    });
    h.receive(peerRequest());
    await h.settle();
    expect(h.statuses()).toEqual([500]);
    expect(h.errors).toHaveLength(1);
  });

  it('takes the SDP answer from the ACK when the INVITE had no offer (RFC 3264 §4)', async () => {
    const h = new Harness();
    h.receive(peerRequest({ body: '' }));
    const accepted = h.invites[0]!.accept({ sdp: SDP_ANSWER });
    h.receive(ackFor(h.response(200), 'z9hG4bKack2', SDP_OFFER));
    const dialog = await accepted;
    expect(dialog.remoteSdp).toBe(SDP_OFFER);
  });

  it('keeps the source of a TCP INVITE for the requests of its dialog', async () => {
    const h = new Harness();
    h.receive(peerRequest(), { ...PEER, transport: 'tcp', connectionId: 'c-1' });
    const accepted = h.invites[0]!.accept({ sdp: SDP_ANSWER });
    const ok = h.response(200);
    expect(ok.header('Contact')).toBe('<sip:switchboard@192.0.2.1:5060;transport=tcp>');
    h.receive(ackFor(ok), { ...PEER, transport: 'tcp', connectionId: 'c-1' });
    const dialog = await accepted;
    void dialog.bye();
    const sent = h.transport.sent.at(-1);
    expect(sent?.message.kind === 'request' && sent.message.method).toBe('BYE');
    expect(sent?.destination).toEqual({
      host: '192.0.2.9',
      port: 5070,
      transport: 'tcp',
      connectionId: 'c-1',
    });
  });

  it('a BYE that overtakes a lost ACK ends the call: accept() rejects, no more 200s', async () => {
    const h = new Harness();
    h.receive(peerRequest());
    const invite = h.invites[0]!;
    const accepted = invite.accept({ sdp: SDP_ANSWER });
    const failed = expect(accepted).rejects.toThrow(/hung up before the call was up/);
    h.receive(
      peerRequest({ method: 'BYE', toTag: invite.localTag, cseq: 2, branch: 'z9hG4bKbye' }),
    );
    await failed;
    expect(invite.state).toBe('cancelled');
    expect(invite.abortCause).toBe('bye');
    expect(h.ua.pendingAcks.size).toBe(0);
    h.timers.advance(10_000);
    expect(h.statuses().filter((status) => status === 200)).toHaveLength(2); // our 200, BYE's 200
  });

  it('closing the user agent while waiting for the ACK makes accept() reject', async () => {
    const h = new Harness();
    h.receive(peerRequest());
    const accepted = h.invites[0]!.accept({ sdp: SDP_ANSWER });
    h.ua.close();
    await expect(accepted).rejects.toThrow(/closed/);
    expect(h.invites[0]!.state).toBe('failed');
  });
});
