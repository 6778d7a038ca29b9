import { describe, expect, it } from 'vitest';
import type { Dialog, SessionOffer } from '../dialog/index.js';
import type { SipRequest } from '../message/index.js';
import { linkDialogs, type B2buaSide } from './b2bua-pair.js';
import {
  Harness,
  SDP_ANSWER,
  SDP_OFFER,
  peerRequest,
  peerResponse,
  request,
} from './test-support/harness.js';

/** A caller's leg (we are the UAS) and a callee's leg (we are the UAC) on one harness. */
async function twoLegs(): Promise<{ h: Harness; a: Dialog; b: Dialog; aTag: string }> {
  const h = new Harness();
  h.receive(peerRequest());
  const incoming = h.invites[0]!;
  const outgoing = h.ua.invite({ uri: 'sip:callee@192.0.2.20', sdp: SDP_OFFER });
  h.receive(peerResponse(h.lastRequest('INVITE'), 200, { body: SDP_ANSWER, toTag: 'callee-tag' }));
  const b = await outgoing;
  const accepted = incoming.accept({ sdp: SDP_ANSWER });
  const ok = h.response(200);
  h.receive(
    request([
      'ACK sip:switchboard@192.0.2.1:5060 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bKack',
      `From: ${ok.header('From') ?? ''}`,
      `To: ${ok.header('To') ?? ''}`,
      'Call-ID: call-1@192.0.2.9',
      'CSeq: 1 ACK',
    ]),
  );
  const a = await accepted;
  h.transport.clear();
  return { h, a, b, aTag: incoming.localTag };
}

function byesOn(h: Harness, dialog: Dialog): SipRequest[] {
  return h.requestsSent('BYE').filter((bye) => bye.callId === dialog.id.callId);
}

describe('B2buaPair', () => {
  it('a BYE from the caller ends the callee leg with the same Reason', async () => {
    const { h, a, b, aTag } = await twoLegs();
    const pair = linkDialogs(a, b, { onOffer: () => ({ status: 488 }) });
    h.receive(
      peerRequest({
        method: 'BYE',
        toTag: aTag,
        cseq: 2,
        branch: 'z9hG4bKbye',
        extra: ['Reason: Q.850;cause=16;text="Normal call clearing"'],
      }),
    );
    expect(h.response(200).cseq().method).toBe('BYE');
    const bye = byesOn(h, b)[0];
    expect(bye?.header('Reason')).toBe('Q.850;cause=16;text="Normal call clearing"');
    expect(bye?.to().tag).toBe('callee-tag');
    expect(pair.state).toBe('ended');
    h.receive(peerResponse(bye!, 200));
    const end = await pair.ended;
    expect(end).toMatchObject({ by: 'a', reason: 'Q.850;cause=16;text="Normal call clearing"' });
    expect(end.end?.cause).toBe('bye');
    expect(a.state).toBe('terminated');
    expect(b.state).toBe('terminated');
    expect(byesOn(h, a)).toHaveLength(0); // the caller's leg ended by its own BYE
  });

  it('a BYE from the callee ends the caller leg', async () => {
    const { h, a, b } = await twoLegs();
    const pair = linkDialogs(a, b, { onOffer: () => ({ status: 488 }) });
    h.receive(
      request([
        'BYE sip:switchboard@192.0.2.1:5060 SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKcalleebye',
        `From: <sip:callee@192.0.2.20>;tag=callee-tag`,
        `To: <sip:switchboard@192.0.2.1>;tag=${b.id.localTag}`,
        `Call-ID: ${b.id.callId}`,
        'CSeq: 1 BYE',
      ]),
    );
    expect(byesOn(h, a)).toHaveLength(1);
    expect(pair.state).toBe('ended');
    h.receive(peerResponse(byesOn(h, a)[0]!, 200));
    expect((await pair.ended).by).toBe('b');
  });

  it('a re-INVITE on one side is answered with SDP from the delegate, the other side untouched', async () => {
    const { h, a, b, aTag } = await twoLegs();
    const offers: [B2buaSide, SessionOffer][] = [];
    linkDialogs(a, b, {
      onOffer: (side, offer) => {
        offers.push([side, offer]);
        return { sdp: 'anchored answer' };
      },
    });
    h.receive(peerRequest({ toTag: aTag, cseq: 2, branch: 'z9hG4bKre' }));
    await h.settle();
    expect(offers.map(([side, offer]) => [side, offer.sdp])).toEqual([['a', SDP_OFFER]]);
    expect(h.response(200).body.toString()).toBe('anchored answer');
    expect(h.requestsSent('INVITE')).toHaveLength(0); // nothing relayed to the callee
  });

  it('relays INFO when asked, answering with the other side’s status', async () => {
    const { h, a, b, aTag } = await twoLegs();
    linkDialogs(a, b, { onOffer: () => ({ status: 488 }), relayInfo: true });
    h.receive(
      peerRequest({
        method: 'INFO',
        toTag: aTag,
        cseq: 2,
        branch: 'z9hG4bKinfo',
        body: 'Signal=1\r\nDuration=160\r\n',
        contentType: 'application/dtmf-relay',
      }),
    );
    const relayed = h.lastRequest('INFO');
    expect(relayed.callId).toBe(b.id.callId);
    expect(relayed.body.toString()).toBe('Signal=1\r\nDuration=160\r\n');
    expect(relayed.header('Content-Type')).toBe('application/dtmf-relay');
    h.receive(peerResponse(relayed, 200));
    await h.settle();
    expect(h.response(200).callId).toBe(a.id.callId);
  });

  it('hangup() ends both legs', async () => {
    const { h, a, b } = await twoLegs();
    const ended: string[] = [];
    const pair = linkDialogs(a, b, {
      onOffer: () => ({ status: 488 }),
      onEnded: (end) => ended.push(end.by),
    });
    const hangup = pair.hangup('SIP;cause=480');
    expect(byesOn(h, a)[0]?.header('Reason')).toBe('SIP;cause=480');
    expect(byesOn(h, b)).toHaveLength(1);
    h.receive(peerResponse(byesOn(h, a)[0]!, 200));
    h.receive(peerResponse(byesOn(h, b)[0]!, 200));
    await hangup;
    expect(ended).toEqual(['local']);
    await pair.hangup();
    expect(h.requestsSent('BYE')).toHaveLength(2);
  });

  it('linking a leg that already ended ends the other at once', async () => {
    const { h, a, b } = await twoLegs();
    a.terminate({ by: 'remote', cause: 'failed' });
    const pair = linkDialogs(a, b, { onOffer: () => ({ status: 488 }) });
    expect(pair.state).toBe('ended');
    expect(byesOn(h, b)).toHaveLength(1);
  });

  it('a user agent shutting down ends the pair without a BYE', async () => {
    const { h, a, b } = await twoLegs();
    const pair = linkDialogs(a, b, { onOffer: () => ({ status: 488 }) });
    h.ua.close();
    expect(pair.state).toBe('ended');
    expect((await pair.ended).end?.cause).toBe('closed');
    expect(h.requestsSent('BYE')).toHaveLength(0);
  });
});
