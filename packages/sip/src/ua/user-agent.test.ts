import { describe, expect, it } from 'vitest';
import type { Dialog, SessionOffer } from '../dialog/index.js';
import {
  createResponse,
  serializeUri,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
import { Harness, SDP_ANSWER, SDP_OFFER, peerRequest, request } from './test-support/harness.js';

function ackFor(ok: SipResponse, branch: string): SipRequest {
  return request([
    'ACK sip:switchboard@192.0.2.1:5060 SIP/2.0',
    `Via: SIP/2.0/UDP 192.0.2.9:5070;branch=${branch}`,
    `From: ${ok.header('From') ?? ''}`,
    `To: ${ok.header('To') ?? ''}`,
    `Call-ID: ${ok.callId}`,
    `CSeq: ${String(ok.cseq().seq)} ACK`,
  ]);
}

/** A harness with one call up (INVITE from the peer, accepted, ACKed). */
async function withCall(h = new Harness()): Promise<{ h: Harness; dialog: Dialog; tag: string }> {
  h.receive(peerRequest());
  const invite = h.invites[0]!;
  const accepted = invite.accept({ sdp: SDP_ANSWER });
  h.receive(ackFor(h.response(200), 'z9hG4bKack1'));
  const dialog = await accepted;
  h.transport.clear();
  return { h, dialog, tag: invite.localTag };
}

describe('UserAgent: checks before anything (RFC 3261 §8.2)', () => {
  it('answers 416 for a Request-URI scheme it does not serve (§8.2.2.1)', () => {
    const h = new Harness();
    h.receive(peerRequest({ uri: 'urn:service:sos' }));
    expect(h.statuses()).toEqual([416]);
    expect(h.invites).toHaveLength(0);
  });

  it('answers 483 when Max-Forwards is 0, except to OPTIONS (§16.3)', () => {
    const h = new Harness();
    h.receive(peerRequest({ maxForwards: 0 }));
    h.receive(peerRequest({ method: 'OPTIONS', maxForwards: 0, branch: 'z9hG4bKopt' }));
    expect(h.statuses()).toEqual([483, 200]);
  });

  it('answers 482 to a merged request: same From tag, Call-ID and CSeq on another branch (§8.2.2.2)', () => {
    const h = new Harness();
    h.receive(peerRequest({ branch: 'z9hG4bKfork1' }));
    h.receive(peerRequest({ branch: 'z9hG4bKfork2' }));
    expect(h.statuses()).toEqual([482]);
    expect(h.invites).toHaveLength(1);
    // A retransmission of the first is the transaction's business, not a merge.
    h.receive(peerRequest({ branch: 'z9hG4bKfork1' }));
    expect(h.statuses()).toEqual([482]);
  });

  it('forgets a request for the merge check when its transaction ends', () => {
    const h = new Harness();
    h.receive(
      peerRequest({
        method: 'MESSAGE',
        branch: 'z9hG4bKm1',
        body: 'hi',
        contentType: 'text/plain',
      }),
    );
    h.requests[0]!.respond(200);
    h.timers.advance(32_000); // Timer J
    h.receive(
      peerRequest({
        method: 'MESSAGE',
        branch: 'z9hG4bKm2',
        body: 'hi',
        contentType: 'text/plain',
      }),
    );
    expect(h.statuses()).toEqual([200]);
    expect(h.requests).toHaveLength(2);
  });

  it('answers 420 with Unsupported for Require option-tags it does not know (§8.2.2.3)', () => {
    const h = new Harness({ supported: ['timer'] });
    h.receive(peerRequest({ extra: ['Require: timer, 100rel, foo'] }));
    expect(h.statuses()).toEqual([420]);
    expect(h.response(420).header('Unsupported')).toBe('100rel, foo');
  });

  it('answers 415 with Accept to an INVITE whose body is no SDP (§8.2.3)', () => {
    const h = new Harness();
    h.receive(peerRequest({ body: '<xml/>', contentType: 'application/xml' }));
    expect(h.statuses()).toEqual([415]);
    expect(h.response(415).header('Accept')).toBe('application/sdp');
  });
});

describe('UserAgent: requests outside a dialog', () => {
  it('answers OPTIONS with Allow, Accept and Supported (§11.2), or hands it to onOptions', async () => {
    const h = new Harness({ supported: ['replaces'] });
    h.receive(peerRequest({ method: 'OPTIONS' }));
    const ok = h.response(200);
    expect(ok.header('Allow')).toBe('INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO');
    expect(ok.header('Accept')).toBe('application/sdp');
    expect(ok.header('Supported')).toBe('replaces');
    expect(ok.to().tag).toBeDefined();
    const custom = new Harness({
      delegate: {
        onOptions: (incoming) => {
          incoming.respond(503, { reason: 'Maintenance' });
        },
      },
    });
    custom.receive(peerRequest({ method: 'OPTIONS' }));
    await custom.settle();
    expect(custom.statuses()).toEqual([503]);
  });

  it('answers 405 with Allow when nobody handles the method (§8.2.1)', () => {
    const h = new Harness({ withoutOnRequest: true, allow: ['MESSAGE'] });
    h.receive(peerRequest({ method: 'SUBSCRIBE', extra: ['Event: presence'] }));
    h.receive(peerRequest({ method: 'FOO', branch: 'z9hG4bKfoo', cseq: 2 }));
    expect(h.statuses()).toEqual([405, 405]);
    expect(h.response(405).header('Allow')).toBe(
      'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, MESSAGE',
    );
  });

  it('hands other requests to onRequest as IncomingRequest, one To tag per request', () => {
    const h = new Harness();
    h.receive(peerRequest({ method: 'MESSAGE', body: 'hello', contentType: 'text/plain' }));
    const incoming = h.requests[0]!;
    expect(incoming.method).toBe('MESSAGE');
    expect(incoming.source).toEqual({ host: '192.0.2.9', port: 5070, transport: 'udp' });
    expect(incoming.respond(100)).toBe(true);
    expect(incoming.respond(202)).toBe(true);
    expect(incoming.responded).toBe(true);
    expect(incoming.respond(500)).toBe(false);
    expect(h.statuses()).toEqual([100, 202]);
    expect(h.response(202).to().tag).toBeDefined();
  });

  it('answers 481 to BYE, UPDATE and INFO without a To tag: they need a dialog', () => {
    const h = new Harness();
    h.receive(peerRequest({ method: 'BYE', branch: 'z9hG4bKb' }));
    h.receive(peerRequest({ method: 'INFO', branch: 'z9hG4bKi', cseq: 2 }));
    expect(h.statuses()).toEqual([481, 481]);
  });

  it('passes REGISTER to the registrar and sends what it answers', async () => {
    const seen: { transport: string; host: string; port: number }[] = [];
    const h = new Harness({
      registrar: {
        handleRegister: (register, source) => {
          seen.push(source);
          return Promise.resolve(createResponse(register, 401, undefined, { toTag: 'reg' }));
        },
      },
    });
    h.receive(peerRequest({ method: 'REGISTER', uri: 'sip:192.0.2.1' }));
    await h.settle();
    expect(h.statuses()).toEqual([401]);
    expect(seen).toEqual([{ transport: 'udp', host: '192.0.2.9', port: 5070 }]);
  });

  it('answers 500 when a delegate throws, and reports the error', async () => {
    const h = new Harness({
      delegate: {
        onRequest: () => {
          throw new Error('boom');
        },
      },
    });
    h.receive(peerRequest({ method: 'MESSAGE', body: 'x', contentType: 'text/plain' }));
    await h.settle();
    expect(h.statuses()).toEqual([500]);
    expect(h.errors).toHaveLength(1);
  });

  it('answers 400 to an INVITE with a malformed Record-Route, before the delegate sees it', () => {
    const h = new Harness();
    h.receive(peerRequest({ extra: ['Record-Route: sip:no-brackets.example;lr'] }));
    expect(h.statuses()).toEqual([400]);
    expect(h.invites).toHaveLength(0);
  });

  it('refuses a response status outside 100-699 with a RangeError', () => {
    const h = new Harness();
    h.receive(peerRequest({ method: 'MESSAGE', body: 'x', contentType: 'text/plain' }));
    expect(() => h.requests[0]!.respond(99)).toThrow(RangeError);
    expect(() => h.requests[0]!.respond(700)).toThrow(RangeError);
    expect(h.statuses()).toEqual([]);
  });

  it('answers 400 naming the header when a header it must read is malformed', () => {
    const h = new Harness();
    h.receive(peerRequest({ contentType: '/' }));
    expect(h.statuses()).toEqual([400]);
  });
});

describe('UserAgent: requests in a dialog (RFC 3261 §12.2.2)', () => {
  it('answers 481 to a request whose tags match no dialog', async () => {
    const { h } = await withCall();
    h.receive(peerRequest({ method: 'BYE', toTag: 'unknown', cseq: 2, branch: 'z9hG4bKb' }));
    expect(h.statuses()).toEqual([481]);
  });

  it('answers 500 to a request with a lower CSeq than the last one', async () => {
    const { h, tag } = await withCall();
    h.receive(peerRequest({ method: 'INFO', toTag: tag, cseq: 5, branch: 'z9hG4bKi5' }));
    h.receive(peerRequest({ method: 'INFO', toTag: tag, cseq: 4, branch: 'z9hG4bKi4' }));
    expect(h.statuses()).toEqual([200, 500]);
  });

  it('BYE: 200, the dialog ends with the Reason given, the delegate hears onBye', async () => {
    const { h, dialog, tag } = await withCall();
    const byes: SipRequest[] = [];
    dialog.delegate = { onBye: (bye) => byes.push(bye) };
    h.receive(
      peerRequest({
        method: 'BYE',
        toTag: tag,
        cseq: 2,
        branch: 'z9hG4bKb',
        extra: ['Reason: Q.850;cause=16'],
      }),
    );
    expect(h.statuses()).toEqual([200]);
    expect(byes).toHaveLength(1);
    expect(dialog.state).toBe('terminated');
    expect(dialog.end).toMatchObject({ by: 'remote', cause: 'bye', reason: 'Q.850;cause=16' });
    expect(h.ua.dialogs.size).toBe(0);
  });

  it('re-INVITE: the delegate answers the offer, 200 retransmitted until the ACK, target refreshed (§14.2)', async () => {
    const { h, dialog, tag } = await withCall();
    const offers: SessionOffer[] = [];
    dialog.delegate = {
      onOffer: (offer) => {
        offers.push(offer);
        return { sdp: SDP_ANSWER };
      },
    };
    h.receive(
      peerRequest({
        toTag: tag,
        cseq: 2,
        branch: 'z9hG4bKre1',
        contact: '<sip:alice@198.51.100.8:5090>',
      }),
    );
    await h.settle();
    expect(offers).toHaveLength(1);
    expect(offers[0]?.sdp).toBe(SDP_OFFER);
    const ok = h.response(200);
    expect(ok.body.toString()).toBe(SDP_ANSWER);
    expect(ok.header('Contact')).toBe('<sip:switchboard@192.0.2.1:5060>');
    expect(serializeUri(dialog.remoteTarget)).toBe('sip:alice@198.51.100.8:5090');
    h.timers.advance(600);
    expect(h.statuses()).toEqual([200, 200]);
    h.receive(ackFor(ok, 'z9hG4bKreack'));
    h.timers.advance(10_000);
    expect(h.statuses()).toEqual([200, 200]);
  });

  it('re-INVITE without a delegate answers with the SDP we last sent (a session refresh)', async () => {
    const { h, tag } = await withCall();
    h.receive(peerRequest({ toTag: tag, cseq: 2, branch: 'z9hG4bKre2' }));
    await h.settle();
    expect(h.response(200).body.toString()).toBe(SDP_ANSWER);
  });

  it('re-INVITE while ours is under way: 491 (glare, §14.2)', async () => {
    const { h, dialog, tag } = await withCall();
    const ours = dialog.reinvite({ sdp: SDP_ANSWER });
    const sent = h.lastRequest('INVITE');
    h.receive(peerRequest({ toTag: tag, cseq: 2, branch: 'z9hG4bKglare' }));
    expect(h.statuses()).toEqual([491]);
    h.receive(createResponse(sent, 491));
    expect((await ours).status).toBe(491);
    expect(dialog.modification.state).toBe('idle');
  });

  it('a second re-INVITE before the first is answered: 500 with Retry-After 0-10 (§14.2)', async () => {
    const { h, dialog, tag } = await withCall(new Harness({ random: () => 0.5 }));
    let answer: (value: { sdp: string }) => void = () => undefined;
    dialog.delegate = {
      onOffer: () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
    };
    h.receive(peerRequest({ toTag: tag, cseq: 2, branch: 'z9hG4bKr1' }));
    h.receive(peerRequest({ toTag: tag, cseq: 3, branch: 'z9hG4bKr2' }));
    expect(h.statuses()).toEqual([500]);
    expect(h.response(500).header('Retry-After')).toBe('5');
    answer({ sdp: SDP_ANSWER });
    await h.settle();
    expect(h.statuses()).toEqual([500, 200]);
  });

  it('a CANCEL of a re-INVITE still waiting for its answer gets 200 and the re-INVITE 487', async () => {
    const { h, dialog, tag } = await withCall();
    dialog.delegate = { onOffer: () => new Promise(() => undefined) };
    h.receive(peerRequest({ toTag: tag, cseq: 2, branch: 'z9hG4bKrc' }));
    h.receive(
      request([
        'CANCEL sip:bob@192.0.2.1 SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bKrc',
        'From: "Alice" <sip:alice@192.0.2.9>;tag=alice-tag',
        `To: <sip:bob@192.0.2.1>;tag=${tag}`,
        'Call-ID: call-1@192.0.2.9',
        'CSeq: 2 CANCEL',
      ]),
    );
    expect(h.statuses()).toEqual([200, 487]);
    expect(dialog.modification.state).toBe('idle');
    expect(dialog.state).toBe('confirmed');
  });

  it('UPDATE with an offer is answered by the delegate; without one it only refreshes (RFC 3311)', async () => {
    const { h, dialog, tag } = await withCall();
    dialog.delegate = { onOffer: (offer) => ({ sdp: `${offer.method} answer` }) };
    h.receive(
      peerRequest({ method: 'UPDATE', toTag: tag, cseq: 2, branch: 'z9hG4bKu1', body: SDP_OFFER }),
    );
    await h.settle();
    expect(h.response(200).body.toString()).toBe('UPDATE answer');
    h.receive(
      peerRequest({
        method: 'UPDATE',
        toTag: tag,
        cseq: 3,
        branch: 'z9hG4bKu2',
        contact: '<sip:alice@203.0.113.1>',
      }),
    );
    await h.settle();
    expect(h.response(200).body.length).toBe(0);
    expect(serializeUri(dialog.remoteTarget)).toBe('sip:alice@203.0.113.1');
  });

  it('UPDATE with an offer while our re-INVITE is under way: 491 (RFC 3311 §5.2)', async () => {
    const { h, dialog, tag } = await withCall();
    void dialog.reinvite({ sdp: SDP_ANSWER });
    h.receive(
      peerRequest({ method: 'UPDATE', toTag: tag, cseq: 2, branch: 'z9hG4bKu3', body: SDP_OFFER }),
    );
    expect(h.statuses()).toEqual([491]);
  });

  it('INFO goes to the delegate (200 by default), OPTIONS is answered, other methods 405 (RFC 6086)', async () => {
    const { h, dialog, tag } = await withCall();
    const infos: string[] = [];
    dialog.delegate = {
      onInfo: (info) => {
        infos.push(info.body.toString());
        return undefined;
      },
    };
    h.receive(
      peerRequest({
        method: 'INFO',
        toTag: tag,
        cseq: 2,
        branch: 'z9hG4bKinfo',
        body: 'Signal=5',
        contentType: 'application/dtmf-relay',
      }),
    );
    h.receive(peerRequest({ method: 'OPTIONS', toTag: tag, cseq: 3, branch: 'z9hG4bKo' }));
    h.receive(
      peerRequest({
        method: 'NOTIFY',
        toTag: tag,
        cseq: 4,
        branch: 'z9hG4bKn',
        extra: ['Event: talk'],
      }),
    );
    await h.settle();
    expect(infos).toEqual(['Signal=5']);
    const answered = (): string[] =>
      h.sent
        .flatMap((m) => (m.kind === 'response' ? [`${m.cseq().method} ${String(m.status)}`] : []))
        .sort();
    expect(answered()).toEqual(['INFO 200', 'NOTIFY 405', 'OPTIONS 200']);
    expect(h.response(405).header('Allow')).toContain('INFO');
    dialog.delegate = { onRequest: () => ({ status: 202 }) };
    h.receive(
      peerRequest({
        method: 'NOTIFY',
        toTag: tag,
        cseq: 5,
        branch: 'z9hG4bKn2',
        extra: ['Event: talk'],
      }),
    );
    await h.settle();
    expect(answered()).toEqual(['INFO 200', 'NOTIFY 202', 'NOTIFY 405', 'OPTIONS 200']);
  });

  it('close() ends every dialog without a BYE and answers new requests 503', async () => {
    const { h, dialog } = await withCall();
    h.ua.close();
    expect(dialog.end).toEqual({ by: 'local', cause: 'closed' });
    expect(h.requestsSent('BYE')).toHaveLength(0);
    h.receive(peerRequest({ callId: 'later', branch: 'z9hG4bKlate' }));
    expect(h.statuses()).toEqual([503]);
  });
});
