import { describe, expect, it } from 'vitest';
import { serializeMessage, type SipResponse } from '../message/index.js';
import { NonInviteServerTransaction } from './non-invite-server.js';
import { harness, RecordingUser, request, response, TCP, UDP } from './test-support/fixtures.js';

function start(destination = UDP) {
  const h = harness();
  const user = new RecordingUser();
  const req = request({ method: 'REGISTER' });
  const terminated: unknown[] = [];
  const tx = new NonInviteServerTransaction(req, destination, user, h.env, {
    transactionTerminated: (t) => terminated.push(t),
  });
  tx.start();
  const statuses = () => h.transport.sent.map((s) => (s.message as SipResponse).status);
  return { ...h, user, tx, req, terminated, statuses };
}

describe('NonInviteServerTransaction (RFC 3261 §17.2.2)', () => {
  it('discards retransmissions in Trying and sends nothing by itself', () => {
    const { timers, transport, tx, req } = start();
    tx.receiveRequest(req);
    timers.advance(60_000);
    expect(transport.sent).toHaveLength(0);
    expect(tx.state).toBe('trying');
  });

  it('answers retransmissions with the last provisional response in Proceeding', () => {
    const { tx, req, statuses } = start();
    tx.respond(response(req, 100));
    expect(tx.state).toBe('proceeding');
    tx.receiveRequest(req);
    expect(statuses()).toEqual([100, 100]);
  });

  it('answers retransmissions with the final response in Completed and ends at Timer J (64*T1)', () => {
    const { timers, tx, req, statuses, terminated, user } = start();
    tx.respond(response(req, 200));
    expect(tx.state).toBe('completed');
    expect(tx.finalResponse?.status).toBe(200);
    timers.advance(10_000);
    tx.receiveRequest(req);
    expect(tx.respond(response(req, 500))).toBe(false);
    expect(statuses()).toEqual([200, 200]);
    timers.advance(21_999);
    expect(tx.state).toBe('completed');
    timers.advance(1);
    expect(tx.state).toBe('terminated');
    expect(terminated).toEqual([tx]);
    expect(user.failures).toEqual([]);
  });

  it('ends at once over TCP (Timer J = 0)', () => {
    const { timers, tx, req } = start(TCP);
    tx.respond(response(req, 403));
    timers.advance(0);
    expect(tx.state).toBe('terminated');
  });

  it('reports a transport error as a failure', () => {
    const { transport, tx, req, user } = start();
    const error = new Error('no route');
    transport.failWith = error;
    tx.respond(response(req, 200));
    expect(tx.state).toBe('terminated');
    expect(user.failures).toEqual([{ kind: 'transport', error }]);
  });
});

describe('NonInviteServerTransaction keeps only what absorbing retransmissions needs', () => {
  it('lets go of the request with its final response, keeps the response until Terminated', () => {
    const { timers, tx, req, statuses } = start();
    tx.respond(response(req, 100));
    expect(tx.request).toBe(req);
    const ok = response(req, 200);
    tx.respond(ok);
    expect(tx.request).toBeUndefined();
    // Kept as the bytes that went out, so read back as an equal message (not the same object).
    const kept = tx.finalResponse;
    if (kept === undefined) throw new Error('no final response kept');
    expect(serializeMessage(kept).toString('latin1')).toBe(serializeMessage(ok).toString('latin1'));
    expect(tx.finalStatus).toBe(200);
    tx.receiveRequest(req);
    expect(statuses()).toEqual([100, 200, 200]);
    // Its parsed fields were let go; read again, they are what they were.
    expect(ok.cseq()).toEqual(req.cseq());
    timers.advance(32_000);
    expect(tx.state).toBe('terminated');
    expect(tx.finalResponse).toBeUndefined();
    expect(tx.finalStatus).toBe(200);
  });
});
