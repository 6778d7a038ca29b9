import { describe, expect, it } from 'vitest';
import { NonInviteClientTransaction } from './non-invite-client.js';
import { harness, RecordingUser, request, response, TCP, UDP } from './test-support/fixtures.js';

function start(destination = UDP) {
  const h = harness();
  const user = new RecordingUser();
  const req = request({ method: 'OPTIONS' });
  const terminated: unknown[] = [];
  const tx = new NonInviteClientTransaction(req, destination, user, h.env, {
    transactionTerminated: (t) => terminated.push(t),
  });
  tx.start();
  return { ...h, user, tx, req, terminated };
}

describe('NonInviteClientTransaction (RFC 3261 §17.1.2)', () => {
  it('retransmits with Timer E doubling up to T2, then times out at Timer F (32 s)', () => {
    const { timers, transport, user, tx, terminated } = start();
    timers.advance(31_999);
    expect(transport.sentAtSeconds()).toEqual([
      0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5,
    ]);
    expect(tx.state).toBe('trying');
    timers.advance(1);
    expect(tx.state).toBe('terminated');
    expect(user.failures).toEqual([{ kind: 'timeout' }]);
    expect(terminated).toEqual([tx]);
    expect(timers.pending).toBe(0);
  });

  it('retransmits every T2 in Proceeding and passes provisional responses up', () => {
    const { timers, transport, user, tx, req } = start();
    timers.advance(1_000); // sent at 0 and 0.5; next E due at 1.5
    tx.receiveResponse(response(req, 100));
    expect(tx.state).toBe('proceeding');
    timers.advance(31_000);
    // E keeps its schedule: 1.5 (interval was 1 s when it was set), then every 4 s.
    expect(transport.sentAtSeconds()).toEqual([
      0, 0.5, 1.5, 5.5, 9.5, 13.5, 17.5, 21.5, 25.5, 29.5,
    ]);
    expect(user.statuses()).toEqual([100]);
    expect(tx.state).toBe('terminated');
    expect(user.failures).toEqual([{ kind: 'timeout' }]);
  });

  it('sends once over TCP', () => {
    const { timers, transport, tx } = start(TCP);
    timers.advance(31_999);
    expect(transport.sent).toHaveLength(1);
    expect(tx.state).toBe('trying');
  });

  it('passes the final response up once, absorbs retransmissions, ends at Timer K (T4)', () => {
    const { timers, transport, user, tx, req } = start();
    tx.receiveResponse(response(req, 180));
    tx.receiveResponse(response(req, 200));
    expect(tx.state).toBe('completed');
    tx.receiveResponse(response(req, 200));
    tx.receiveResponse(response(req, 500));
    expect(user.statuses()).toEqual([180, 200]);
    timers.advance(4_999);
    expect(tx.state).toBe('completed');
    expect(transport.sent).toHaveLength(1);
    timers.advance(1);
    expect(tx.state).toBe('terminated');
    expect(user.failures).toEqual([]);
  });

  it('ends at once after the final response over TCP (Timer K = 0)', () => {
    const { timers, tx, req } = start(TCP);
    tx.receiveResponse(response(req, 401));
    timers.advance(0);
    expect(tx.state).toBe('terminated');
  });

  it('fails on a transport error during a retransmission', () => {
    const { timers, transport, user, tx } = start();
    const error = new Error('network unreachable');
    transport.failWith = error;
    timers.advance(500);
    expect(tx.state).toBe('terminated');
    expect(user.failures).toEqual([{ kind: 'transport', error }]);
    expect(timers.pending).toBe(0);
  });
});
