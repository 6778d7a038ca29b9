import { describe, expect, it } from 'vitest';
import { DigestSession } from '../auth/index.js';
import { serializeUri, type SipResponse } from '../message/index.js';
import { InviteError, UaOptionError } from './errors.js';
import type { InviteProgress } from './outgoing-invite.js';
import { isLocalResponse } from './outgoing-request.js';
import { Harness, SDP_ANSWER, SDP_OFFER, peerResponse } from './test-support/harness.js';

const TARGET = 'sip:bob@192.0.2.9:5070';

/** Settles a promise without letting an early rejection go unhandled. */
function track<T>(promise: Promise<T>): { readonly settled: () => T | Error | undefined } {
  let result: T | Error | undefined;
  promise.then(
    (value) => {
      result = value;
    },
    (error: unknown) => {
      result = error instanceof Error ? error : new Error(String(error));
    },
  );
  return { settled: () => result };
}

describe('UserAgent.invite: placing a call (RFC 3261 §13.2)', () => {
  it('sends the INVITE, reports 180/183, ACKs the 2xx and resolves the confirmed dialog', async () => {
    const h = new Harness();
    const progress: InviteProgress[] = [];
    const call = h.ua.invite({
      uri: TARGET,
      from: '"Switchboard" <sip:pbx@example.org>',
      sdp: SDP_OFFER,
      headers: [{ name: 'P-Asserted-Identity', value: '<sip:+4930123@example.org>' }],
      onProgress: (p) => progress.push(p),
    });
    const invite = h.lastRequest('INVITE');
    expect(serializeUri(invite.uri)).toBe(TARGET);
    expect(invite.topVia()).toMatchObject({
      transport: 'UDP',
      host: '192.0.2.1',
      port: 5060,
      rport: true,
    });
    expect(invite.from().tag).toBeDefined();
    expect(invite.from().displayName).toBe('Switchboard');
    expect(invite.to().tag).toBeUndefined();
    expect(invite.cseq()).toEqual({ seq: 1, method: 'INVITE' });
    expect(invite.header('Contact')).toBe('<sip:switchboard@192.0.2.1:5060>');
    expect(invite.header('P-Asserted-Identity')).toBe('<sip:+4930123@example.org>');
    expect(invite.header('Allow')).toContain('INVITE');
    expect(invite.body.toString()).toBe(SDP_OFFER);
    expect(h.transport.sent.at(-1)?.destination).toEqual({
      host: '192.0.2.9',
      port: 5070,
      transport: 'udp',
    });

    h.receive(peerResponse(invite, 100, { toTag: null }));
    h.receive(peerResponse(invite, 180));
    h.receive(peerResponse(invite, 183, { body: SDP_ANSWER }));
    expect(progress.map((p) => p.status)).toEqual([100, 180, 183]);
    expect(progress[0]?.dialog).toBeUndefined();
    expect(progress[1]?.dialog?.state).toBe('early');
    expect(progress[2]?.dialog).toBe(progress[1]?.dialog); // same tag, same early dialog
    expect(progress[2]?.sdp).toBe(SDP_ANSWER);

    const ok = peerResponse(invite, 200, {
      body: SDP_ANSWER,
      contact: '<sip:bob@198.51.100.3:5080>',
      extra: ['Record-Route: <sip:p1.example;lr>', 'Record-Route: <sip:p2.example;lr>'],
    });
    h.receive(ok);
    const dialog = await call;
    expect(dialog.state).toBe('confirmed');
    expect(dialog).toBe(progress[1]?.dialog);
    expect(dialog.remoteSdp).toBe(SDP_ANSWER);
    expect(dialog.localSdp).toBe(SDP_OFFER);
    // §13.2.2.4: the ACK is an in-dialog request with the INVITE's CSeq number and a new branch,
    // routed by the route set of the 2xx (reversed Record-Route).
    const ack = h.lastRequest('ACK');
    expect(ack.cseq()).toEqual({ seq: 1, method: 'ACK' });
    expect(ack.topVia().branch).not.toBe(invite.topVia().branch);
    expect(serializeUri(ack.uri)).toBe('sip:bob@198.51.100.3:5080');
    expect(ack.headerValues('Route')).toEqual(['<sip:p2.example;lr>', '<sip:p1.example;lr>']);
    expect(h.transport.sent.at(-1)?.destination.host).toBe('p2.example');

    // A retransmitted 2xx gets the same ACK again, during the transaction...
    h.receive(ok);
    expect(h.requestsSent('ACK')).toHaveLength(2);
    expect(h.requestsSent('ACK')[1]?.topVia().branch).toBe(ack.topVia().branch);
    // ...and after it (Timer M), when the 2xx arrives as a stray response.
    h.timers.advance(40_000);
    expect(h.layer.clientCount).toBe(0);
    h.receive(ok);
    expect(h.requestsSent('ACK')).toHaveLength(3);

    // In the dialog: BYE with the next CSeq.
    const bye = dialog.bye();
    const byeRequest = h.lastRequest('BYE');
    expect(byeRequest.cseq()).toEqual({ seq: 2, method: 'BYE' });
    expect(dialog.state).toBe('terminated');
    h.receive(peerResponse(byeRequest, 200));
    await bye;
  });

  it('forking: the first 2xx wins; a 2xx from another fork gets ACK and BYE (§13.2.2.4)', async () => {
    const h = new Harness();
    const call = h.ua.invite({ uri: TARGET, sdp: SDP_OFFER });
    const invite = h.lastRequest('INVITE');
    h.receive(peerResponse(invite, 180, { toTag: 'fork-a' }));
    h.receive(peerResponse(invite, 180, { toTag: 'fork-b' }));
    h.receive(peerResponse(invite, 200, { toTag: 'fork-a', body: SDP_ANSWER }));
    const dialog = await call;
    expect(dialog.id.remoteTag).toBe('fork-a');
    expect(h.ua.dialogs.size).toBe(1); // fork-b's early dialog ended
    h.receive(peerResponse(invite, 200, { toTag: 'fork-b', body: SDP_ANSWER }));
    const acks = h.requestsSent('ACK');
    expect(acks.map((a) => a.to().tag)).toEqual(['fork-a', 'fork-b']);
    const byes = h.requestsSent('BYE');
    expect(byes).toHaveLength(1);
    expect(byes[0]?.to().tag).toBe('fork-b');
    expect(dialog.state).toBe('confirmed');
  });

  it('rejects with InviteError carrying the final status; the transaction ACKs the non-2xx', async () => {
    const h = new Harness();
    const call = h.ua.invite({ uri: TARGET });
    const invite = h.lastRequest('INVITE');
    h.receive(peerResponse(invite, 180));
    h.receive(peerResponse(invite, 486, { reason: 'Busy Here' }));
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InviteError);
    expect(error).toMatchObject({ kind: 'rejected', status: 486 });
    expect((error as InviteError).response?.status).toBe(486);
    expect(h.lastRequest('ACK').cseq().seq).toBe(1);
    expect(h.ua.dialogs.size).toBe(0);
  });

  it('answers a 407 once with credentials: same Call-ID and From tag, CSeq + 1 (§22.2)', async () => {
    const h = new Harness();
    const call = h.ua.invite({
      uri: TARGET,
      sdp: SDP_OFFER,
      credentials: { username: 'trunk', password: 'secret' },
    });
    const first = h.lastRequest('INVITE');
    h.receive(
      peerResponse(first, 407, {
        extra: [
          'Proxy-Authenticate: Digest realm="carrier", nonce="abc123", qop="auth", algorithm=MD5',
        ],
      }),
    );
    const second = h.lastRequest('INVITE');
    expect(second).not.toBe(first);
    expect(second.callId).toBe(first.callId);
    expect(second.from().tag).toBe(first.from().tag);
    expect(second.cseq().seq).toBe(2);
    expect(second.topVia().branch).not.toBe(first.topVia().branch);
    expect(second.header('Proxy-Authorization')).toMatch(
      /^Digest .*username="trunk".*realm="carrier"/,
    );
    h.receive(peerResponse(second, 200, { body: SDP_ANSWER }));
    const dialog = await call;
    // The ACK carries the INVITE's credentials (§13.2.2.4).
    expect(h.lastRequest('ACK').header('Proxy-Authorization')).toBe(
      second.header('Proxy-Authorization'),
    );
    // A second challenge on a request in the dialog is answered with the same session.
    const info = dialog.info({ body: 'x', contentType: 'text/plain' });
    const infoRequest = h.lastRequest('INFO');
    h.receive(
      peerResponse(infoRequest, 407, {
        toTag: null,
        extra: [
          'Proxy-Authenticate: Digest realm="carrier", nonce="def456", qop="auth", algorithm=MD5',
        ],
      }),
    );
    const retried = h.lastRequest('INFO');
    expect(retried.cseq().seq).toBe(infoRequest.cseq().seq + 1);
    expect(retried.header('Proxy-Authorization')).toContain('nonce="def456"');
    h.receive(peerResponse(retried, 200, { toTag: null }));
    expect((await info).status).toBe(200);
  });

  it('gives up after one retry when the credentials are refused again', async () => {
    const h = new Harness();
    const call = h.ua.invite({
      uri: TARGET,
      credentials: new DigestSession({ username: 'u', password: 'p' }),
    });
    const challenge = ['WWW-Authenticate: Digest realm="r", nonce="n1", qop="auth"'];
    h.receive(peerResponse(h.lastRequest('INVITE'), 401, { extra: challenge }));
    h.receive(peerResponse(h.lastRequest('INVITE'), 401, { extra: challenge }));
    await expect(call).rejects.toMatchObject({ kind: 'rejected', status: 401 });
    expect(h.requestsSent('INVITE')).toHaveLength(2);
  });

  it('CANCEL waits for a provisional response (§9.1), then the 487 rejects as cancelled', async () => {
    const h = new Harness();
    const controller = new AbortController();
    const call = track(h.ua.invite({ uri: TARGET, signal: controller.signal }));
    const invite = h.lastRequest('INVITE');
    controller.abort();
    expect(h.requestsSent('CANCEL')).toHaveLength(0);
    h.receive(peerResponse(invite, 100, { toTag: null }));
    const cancel = h.lastRequest('CANCEL');
    // §9.1: the INVITE's Request-URI, Call-ID, From, To, CSeq number and top Via.
    expect(serializeUri(cancel.uri)).toBe(serializeUri(invite.uri));
    expect(cancel.topVia().branch).toBe(invite.topVia().branch);
    expect(cancel.cseq()).toEqual({ seq: 1, method: 'CANCEL' });
    expect(cancel.header('From')).toBe(invite.header('From'));
    expect(cancel.hasHeader('Contact')).toBe(false);
    h.receive(peerResponse(cancel, 200));
    h.receive(peerResponse(invite, 487));
    await h.settle();
    expect(call.settled()).toMatchObject({ kind: 'cancelled', status: 487 });
  });

  it('a 2xx that crosses the CANCEL is acknowledged and hung up; the call rejects as cancelled', async () => {
    const h = new Harness();
    const controller = new AbortController();
    const call = track(h.ua.invite({ uri: TARGET, signal: controller.signal }));
    const invite = h.lastRequest('INVITE');
    h.receive(peerResponse(invite, 180));
    controller.abort();
    expect(h.requestsSent('CANCEL')).toHaveLength(1);
    h.receive(peerResponse(invite, 200, { body: SDP_ANSWER }));
    await h.settle();
    expect(h.requestsSent('ACK')).toHaveLength(1);
    expect(h.requestsSent('BYE')).toHaveLength(1);
    expect(call.settled()).toMatchObject({ kind: 'cancelled' });
  });

  it('is not placed at all when the signal is already aborted', async () => {
    const h = new Harness();
    await expect(h.ua.invite({ uri: TARGET, signal: AbortSignal.abort() })).rejects.toMatchObject({
      kind: 'cancelled',
    });
    expect(h.sent).toHaveLength(0);
  });

  it('times out with 408 when nothing answers (Timer B, §17.1.1.2)', async () => {
    const h = new Harness();
    const call = track(h.ua.invite({ uri: TARGET }));
    h.timers.advance(32_000);
    await h.settle();
    expect(call.settled()).toMatchObject({ kind: 'timeout', status: 408 });
  });

  it('CANCELs a call that rings too long without a final answer (Timer C) and rejects with 408', async () => {
    const h = new Harness();
    const call = track(h.ua.invite({ uri: TARGET }));
    h.receive(peerResponse(h.lastRequest('INVITE'), 180));
    h.timers.advance(181_000);
    await h.settle();
    expect(h.requestsSent('CANCEL')).toHaveLength(1);
    expect(call.settled()).toMatchObject({ kind: 'timeout', status: 408 });
  });

  it('sends through an outbound proxy with a loose Route, and refuses what makes no request', async () => {
    const h = new Harness();
    void h.ua
      .invite({ uri: 'tel:+4930123456', proxy: 'sip:trunk.example:5080' })
      .catch(() => undefined);
    const invite = h.lastRequest('INVITE');
    expect(serializeUri(invite.uri)).toBe('tel:+4930123456');
    expect(invite.headerValues('Route')).toEqual(['<sip:trunk.example:5080;lr>']);
    expect(h.transport.sent.at(-1)?.destination).toEqual({
      host: 'trunk.example',
      port: 5080,
      transport: 'udp',
    });
    await expect(h.ua.invite({ uri: 'tel:+4930123456' })).rejects.toBeInstanceOf(UaOptionError);
    await expect(h.ua.invite({ uri: 'sip:bob@<nope>' })).rejects.toThrow(/^uri:/);
    await expect(
      h.ua.invite({ uri: TARGET, headers: [{ name: 'X-Bad', value: 'a\r\nInjected: 1' }] }),
    ).rejects.toThrow(/^headers:/);
  });

  it('re-INVITE in the dialog: 2xx acknowledged with its own CSeq, target refreshed; glare 491 returned', async () => {
    const h = new Harness();
    const call = h.ua.invite({ uri: TARGET, sdp: SDP_OFFER });
    h.receive(peerResponse(h.lastRequest('INVITE'), 200, { body: SDP_ANSWER }));
    const dialog = await call;
    const reinvite = dialog.reinvite({ sdp: 'new offer' });
    const request = h.lastRequest('INVITE');
    expect(request.cseq()).toEqual({ seq: 2, method: 'INVITE' });
    expect(request.to().tag).toBe('peer-tag');
    expect(request.header('Contact')).toBeDefined();
    h.receive(peerResponse(request, 200, { body: 'new answer', contact: '<sip:bob@203.0.113.9>' }));
    const response: SipResponse = await reinvite;
    expect(response.status).toBe(200);
    const ack = h.lastRequest('ACK');
    expect(ack.cseq()).toEqual({ seq: 2, method: 'ACK' });
    expect(serializeUri(ack.uri)).toBe('sip:bob@203.0.113.9');
    expect(dialog.localSdp).toBe('new offer');
    expect(dialog.remoteSdp).toBe('new answer');
    const glare = dialog.update({ sdp: 'third' });
    h.receive(peerResponse(h.lastRequest('UPDATE'), 491));
    expect((await glare).status).toBe(491);
    expect(dialog.localSdp).toBe('new offer');
  });

  it('a 481 to a request in the dialog ends the dialog (§12.2.1.2)', async () => {
    const h = new Harness();
    const call = h.ua.invite({ uri: TARGET });
    h.receive(peerResponse(h.lastRequest('INVITE'), 200));
    const dialog = await call;
    const info = dialog.info();
    h.receive(peerResponse(h.lastRequest('INFO'), 481));
    expect((await info).status).toBe(481);
    expect(dialog.end).toEqual({ by: 'remote', cause: 'failed' });
  });
});

describe('UserAgent.request: a non-INVITE request and its final response', () => {
  it('resolves with the final response, retrying a 401 once with credentials', async () => {
    const h = new Harness();
    const done = h.ua.request({
      method: 'MESSAGE',
      uri: TARGET,
      body: 'hello',
      contentType: 'text/plain',
      credentials: { username: 'u', password: 'p' },
    });
    const first = h.lastRequest('MESSAGE');
    expect(first.body.toString()).toBe('hello');
    expect(first.hasHeader('Contact')).toBe(false);
    h.receive(peerResponse(first, 100, { toTag: null }));
    h.receive(
      peerResponse(first, 401, {
        extra: ['WWW-Authenticate: Digest realm="r", nonce="n", qop="auth"'],
      }),
    );
    const second = h.lastRequest('MESSAGE');
    expect(second.cseq().seq).toBe(2);
    expect(second.header('Authorization')).toContain('username="u"');
    h.receive(peerResponse(second, 202));
    const response = await done;
    expect(response.status).toBe(202);
    expect(isLocalResponse(response)).toBe(false);
  });

  it('resolves with a local 408 when nothing answers (Timer F, §8.1.3.1)', async () => {
    const h = new Harness();
    const done = h.ua.request({ method: 'OPTIONS', uri: TARGET });
    h.timers.advance(32_000);
    const response = await done;
    expect(response.status).toBe(408);
    expect(isLocalResponse(response)).toBe(true);
  });

  it('resolves with a local 503 when the transport fails', async () => {
    const h = new Harness();
    h.transport.failWith = new Error('unreachable');
    const response = await h.ua.request({ method: 'OPTIONS', uri: TARGET });
    expect(response.status).toBe(503);
  });

  it('refuses INVITE, ACK and CANCEL: the stack sends those itself', async () => {
    const h = new Harness();
    await expect(h.ua.request({ method: 'INVITE', uri: TARGET })).rejects.toBeInstanceOf(
      UaOptionError,
    );
    await expect(h.ua.request({ method: 'CANCEL', uri: TARGET })).rejects.toBeInstanceOf(
      UaOptionError,
    );
  });

  it('close() settles what is still waiting: the call rejects, the request resolves 503', async () => {
    const h = new Harness();
    const call = h.ua.invite({ uri: TARGET });
    h.receive(peerResponse(h.lastRequest('INVITE'), 180));
    const options = h.ua.request({ method: 'OPTIONS', uri: TARGET });
    h.ua.close();
    await expect(call).rejects.toMatchObject({ kind: 'transport', status: 503 });
    const response = await options;
    expect(response.status).toBe(503);
    expect(isLocalResponse(response)).toBe(true);
    expect(h.ua.pending.size).toBe(0);
    expect(h.ua.dialogs.size).toBe(0);
  });
});
