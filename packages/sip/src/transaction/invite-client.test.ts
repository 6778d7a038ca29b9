import { describe, expect, it } from 'vitest';
import { serializeMessage, type SipRequest } from '../message/index.js';
import { InviteClientTransaction } from './invite-client.js';
import { harness, RecordingUser, request, response, TCP, UDP } from './test-support/fixtures.js';

function start(destination = UDP, invite = request()) {
  const h = harness();
  const user = new RecordingUser();
  const terminated: unknown[] = [];
  const tx = new InviteClientTransaction(invite, destination, user, h.env, {
    transactionTerminated: (t) => terminated.push(t),
  });
  tx.start();
  return { ...h, user, tx, terminated, invite };
}

describe('InviteClientTransaction (RFC 3261 §17.1.1, RFC 6026)', () => {
  it('retransmits over UDP at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s, then times out at 32 s', () => {
    const { timers, transport, user, tx, terminated } = start();
    timers.advance(31_999);
    expect(tx.state).toBe('calling');
    expect(transport.sentAtSeconds()).toEqual([0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5]);
    expect(transport.sent.every((s) => s.message === tx.request)).toBe(true);
    expect(user.failures).toEqual([]);
    timers.advance(1);
    expect(tx.state).toBe('terminated');
    expect(user.failures).toEqual([{ kind: 'timeout' }]);
    expect(terminated).toEqual([tx]);
    expect(timers.pending).toBe(0);
  });

  it('sends once over TCP and still times out with Timer B', () => {
    const { timers, transport, user, tx } = start(TCP);
    timers.advance(31_999);
    expect(transport.sent).toHaveLength(1);
    timers.advance(1);
    expect(tx.state).toBe('terminated');
    expect(user.failures).toEqual([{ kind: 'timeout' }]);
  });

  it('stops retransmitting on a provisional response and waits for the final one', () => {
    const { timers, transport, user, tx, invite } = start();
    timers.advance(600);
    tx.receiveResponse(response(invite, 100));
    tx.receiveResponse(response(invite, 180));
    expect(tx.state).toBe('proceeding');
    timers.advance(120_000);
    expect(transport.sent).toHaveLength(2); // 0 and 0.5 s only; no Timer B in Proceeding
    expect(user.statuses()).toEqual([100, 180]);
    expect(tx.state).toBe('proceeding');
  });

  it('gives up after Proceeding lasts 181 s without a final response, each provisional restarting it', () => {
    const { timers, user, tx, invite } = start();
    tx.receiveResponse(response(invite, 180));
    timers.advance(100_000);
    tx.receiveResponse(response(invite, 183));
    timers.advance(180_999);
    expect(tx.state).toBe('proceeding');
    timers.advance(1);
    expect(tx.state).toBe('terminated');
    expect(user.failures).toEqual([{ kind: 'timeout' }]);
    expect(timers.pending).toBe(0);
  });

  it('passes every 2xx up in Accepted and terminates at Timer M without an ACK', () => {
    const { timers, transport, user, tx, invite, terminated } = start();
    tx.receiveResponse(response(invite, 180));
    tx.receiveResponse(response(invite, 200));
    expect(tx.state).toBe('accepted');
    timers.advance(10_000);
    tx.receiveResponse(response(invite, 200));
    tx.receiveResponse(response(invite, 200, 'other-fork'));
    tx.receiveResponse(response(invite, 486)); // discarded in Accepted
    tx.receiveResponse(response(invite, 183));
    expect(user.statuses()).toEqual([180, 200, 200, 200]);
    expect(transport.sent).toHaveLength(1); // the INVITE; the 2xx ACK is the dialog's job
    timers.advance(21_999);
    expect(tx.state).toBe('accepted');
    timers.advance(1);
    expect(tx.state).toBe('terminated');
    expect(terminated).toEqual([tx]);
  });

  it('acknowledges a non-2xx hop by hop with the headers of §17.1.1.3', () => {
    const invite = request({
      route: ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>'],
      extraVia: true,
    });
    const { transport, user, tx } = start(UDP, invite);
    const busy = response(invite, 486, 'bob-tag');
    tx.receiveResponse(busy);
    expect(tx.state).toBe('completed');
    expect(user.statuses()).toEqual([486]);
    const ack = transport.sent[1]?.message as SipRequest;
    expect(transport.sent[1]?.destination).toEqual(UDP);
    expect(ack.method).toBe('ACK');
    expect(ack.uri).toEqual(invite.uri);
    expect(ack.callId).toBe(invite.callId);
    expect(ack.header('From')).toBe(invite.header('From'));
    expect(ack.to().tag).toBe('bob-tag');
    expect(ack.header('To')).toBe(busy.header('To'));
    expect(ack.cseq()).toEqual({ seq: invite.cseq().seq, method: 'ACK' });
    expect(ack.via()).toHaveLength(1);
    expect(ack.topVia()).toEqual(invite.topVia());
    expect(ack.headerValues('Route')).toEqual(invite.headerValues('Route'));
    expect(ack.hasHeader('Contact')).toBe(false);
    expect(ack.hasHeader('Subject')).toBe(false);
    expect(serializeMessage(ack).toString()).toContain('Content-Length: 0');
  });

  it('answers a retransmitted final response with the same ACK and ends at Timer D (32 s)', () => {
    const { timers, transport, user, tx, invite } = start();
    timers.advance(700);
    tx.receiveResponse(response(invite, 503));
    timers.advance(5_000);
    tx.receiveResponse(response(invite, 503));
    expect(user.statuses()).toEqual([503]);
    const acks = transport.sent.filter(
      (s) => s.message.kind === 'request' && s.message.method === 'ACK',
    );
    expect(acks.map((s) => s.at)).toEqual([700, 5_700]);
    expect(acks[0]?.message).toBe(acks[1]?.message);
    expect(transport.sent).toHaveLength(4); // INVITE at 0 and 0.5 s, then two ACKs
    timers.advance(26_999);
    expect(tx.state).toBe('completed');
    timers.advance(1);
    expect(tx.state).toBe('terminated');
  });

  it('ends at once after a non-2xx over TCP (Timer D = 0)', () => {
    const { timers, tx, invite } = start(TCP);
    tx.receiveResponse(response(invite, 404));
    expect(tx.state).toBe('completed');
    timers.advance(0);
    expect(tx.state).toBe('terminated');
  });

  it('reports a transport error while calling as a failure (§17.1.1.2, §8.1.3.1)', () => {
    const h = harness();
    const user = new RecordingUser();
    const error = new Error('ICMP port unreachable');
    h.transport.failWith = error;
    const tx = new InviteClientTransaction(request(), UDP, user, h.env);
    tx.start();
    expect(tx.state).toBe('terminated');
    expect(user.failures).toEqual([{ kind: 'transport', error }]);
    expect(h.timers.pending).toBe(0);
  });

  it('does not report a failed ACK to a TU that already has its final response', () => {
    const { transport, user, tx, invite } = start();
    transport.failWith = new Error('gone');
    tx.receiveResponse(response(invite, 486));
    expect(tx.state).toBe('terminated');
    expect(user.statuses()).toEqual([486]);
    expect(user.failures).toEqual([]);
  });

  it('reports a later transport error, once', () => {
    const { tx, user } = start(TCP);
    tx.transportError(new Error('connection refused'));
    tx.transportError(new Error('again'));
    expect(tx.state).toBe('terminated');
    expect(user.failures).toHaveLength(1);
  });
});
