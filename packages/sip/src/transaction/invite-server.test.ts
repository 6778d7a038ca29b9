import { describe, expect, it } from 'vitest';
import type { SipResponse } from '../message/index.js';
import { InviteServerTransaction } from './invite-server.js';
import { harness, RecordingUser, request, response, TCP, UDP } from './test-support/fixtures.js';

function start(destination = UDP) {
  const h = harness();
  const user = new RecordingUser();
  const invite = request();
  const terminated: unknown[] = [];
  const tx = new InviteServerTransaction(invite, destination, user, h.env, {
    transactionTerminated: (t) => terminated.push(t),
  });
  tx.start();
  const ack = request({ method: 'ACK', toTag: 'a6c85cf' });
  const statuses = () => h.transport.sent.map((s) => (s.message as SipResponse).status);
  return { ...h, user, tx, invite, ack, terminated, statuses };
}

describe('InviteServerTransaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  it('sends 100 Trying when the TU has not answered within 200 ms', () => {
    const { timers, transport, tx, invite, statuses } = start();
    timers.advance(199);
    expect(transport.sent).toHaveLength(0);
    timers.advance(1);
    expect(statuses()).toEqual([100]);
    const trying = transport.sent[0]?.message as SipResponse;
    expect(trying.to().tag).toBeUndefined();
    expect(trying.topVia()).toEqual(invite.topVia());
    expect(transport.sent[0]?.destination).toEqual(UDP);
    // A retransmitted INVITE gets the last provisional response again.
    tx.receiveRequest(invite);
    expect(statuses()).toEqual([100, 100]);
  });

  it('sends no 100 Trying when the TU answers first, and resends its last provisional', () => {
    const { timers, tx, invite, statuses } = start();
    timers.advance(50);
    expect(tx.respond(response(invite, 180))).toBe(true);
    timers.advance(1_000);
    tx.receiveRequest(invite);
    expect(tx.respond(response(invite, 183))).toBe(true);
    tx.receiveRequest(invite);
    expect(statuses()).toEqual([180, 180, 183, 183]);
  });

  it('retransmits a non-2xx final over UDP with Timer G up to T2; Timer H fails it at 32 s', () => {
    const { timers, transport, user, tx, invite, terminated } = start();
    tx.respond(response(invite, 486));
    expect(tx.state).toBe('completed');
    timers.advance(31_999);
    expect(transport.sentAtSeconds()).toEqual([
      0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5,
    ]);
    expect(user.failures).toEqual([]);
    timers.advance(1);
    expect(tx.state).toBe('terminated');
    expect(user.failures).toEqual([{ kind: 'timeout' }]);
    expect(terminated).toEqual([tx]);
    expect(timers.pending).toBe(0);
  });

  it('does not retransmit over TCP; the final response answers INVITE retransmissions', () => {
    const { timers, transport, tx, invite } = start(TCP);
    tx.respond(response(invite, 603));
    timers.advance(10_000);
    expect(transport.sent).toHaveLength(1);
    tx.receiveRequest(invite);
    expect(transport.sent).toHaveLength(2);
    expect(transport.sent[1]?.message).toBe(transport.sent[0]?.message);
  });

  it('moves to Confirmed on the ACK, absorbs more ACKs, ends at Timer I (T4)', () => {
    const { timers, transport, tx, invite, ack } = start();
    tx.respond(response(invite, 486));
    timers.advance(600);
    expect(tx.receiveAck(ack)).toBe(false);
    expect(tx.state).toBe('confirmed');
    const sent = transport.sent.length;
    expect(tx.receiveAck(ack)).toBe(false);
    tx.receiveRequest(invite);
    timers.advance(4_999);
    expect(transport.sent).toHaveLength(sent);
    expect(tx.state).toBe('confirmed');
    timers.advance(1);
    expect(tx.state).toBe('terminated');
  });

  it('ends at once after the ACK over TCP (Timer I = 0)', () => {
    const { timers, tx, invite, ack } = start(TCP);
    tx.respond(response(invite, 486));
    tx.receiveAck(ack);
    timers.advance(0);
    expect(tx.state).toBe('terminated');
  });

  it('in Accepted passes 2xx retransmissions from the TU, absorbs INVITEs, hands ACKs up, ends at Timer L', () => {
    const { timers, tx, invite, ack, statuses } = start();
    const ok = response(invite, 200);
    tx.respond(ok);
    expect(tx.state).toBe('accepted');
    tx.receiveRequest(invite);
    expect(tx.respond(ok)).toBe(true);
    expect(tx.respond(response(invite, 180))).toBe(false);
    expect(tx.respond(response(invite, 500))).toBe(false);
    expect(statuses()).toEqual([200, 200]);
    expect(tx.receiveAck(ack)).toBe(true);
    expect(tx.state).toBe('accepted');
    timers.advance(31_999);
    expect(statuses()).toEqual([200, 200]); // no retransmission of its own
    timers.advance(1);
    expect(tx.state).toBe('terminated');
  });

  it('refuses a second final response after a non-2xx', () => {
    const { tx, invite, statuses } = start();
    tx.respond(response(invite, 486));
    expect(tx.respond(response(invite, 200))).toBe(false);
    expect(statuses()).toEqual([486]);
  });

  it('reports a transport error when sending a response', () => {
    const { transport, user, tx, invite, timers } = start();
    const error = new Error('connection reset');
    transport.failWith = error;
    tx.respond(response(invite, 180));
    expect(tx.state).toBe('terminated');
    expect(user.failures).toEqual([{ kind: 'transport', error }]);
    expect(timers.pending).toBe(0);
  });
});

describe('InviteServerTransaction keeps only what absorbing retransmissions needs', () => {
  it('lets go of the INVITE and its provisional response once a 2xx is sent (Accepted)', () => {
    const { tx, invite, statuses } = start();
    expect(tx.request).toBe(invite);
    tx.respond(response(invite, 180));
    const ok = response(invite, 200, 'srv-tag');
    tx.respond(ok);
    expect(tx.request).toBeUndefined();
    // A 2xx is the TU's to retransmit (RFC 6026 §8.7): the transaction keeps none.
    expect(tx.finalResponse).toBeUndefined();
    expect(tx.finalStatus).toBe(200);
    expect(tx.finalToTag).toBe('srv-tag');
    // INVITE retransmissions are still absorbed, without the provisional response.
    tx.receiveRequest(invite);
    expect(statuses()).toEqual([180, 200]);
  });

  it('keeps a non-2xx until its ACK (it is resent), then nothing', () => {
    const { tx, invite, ack, statuses } = start();
    const busy = response(invite, 486, 'srv-tag');
    tx.respond(busy);
    expect(tx.request).toBeUndefined();
    expect(tx.finalResponse).toBe(busy);
    expect(tx.finalToTag).toBe('srv-tag');
    tx.receiveRequest(invite);
    expect(statuses()).toEqual([486, 486]);
    // Kept only to be sent again: it parses its fields again when asked, to the same values.
    expect(busy.topVia()).toEqual(invite.topVia());
    tx.receiveAck(ack);
    expect(tx.state).toBe('confirmed');
    expect(tx.finalResponse).toBeUndefined();
    expect(tx.finalStatus).toBe(486);
  });

  it('does not start the 100 Trying timer when the TU answered before start()', () => {
    const h = harness();
    const invite = request();
    const tx = new InviteServerTransaction(invite, UDP, new RecordingUser(), h.env);
    tx.respond(response(invite, 180));
    tx.start();
    expect(h.timers.pending).toBe(0);
    h.timers.advance(1_000);
    expect(h.transport.sent.map((s) => (s.message as SipResponse).status)).toEqual([180]);
  });
});
