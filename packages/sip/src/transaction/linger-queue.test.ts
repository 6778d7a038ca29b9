import { describe, expect, it } from 'vitest';
import type { SipResponse } from '../message/index.js';
import { FakeTimers } from '../testing/fake-timers.js';
import { FakeTransport } from '../testing/fake-transport.js';
import { TransactionLayer, type ServerTransaction } from './layer.js';
import { LingerQueue, type Lingering } from './linger-queue.js';
import { request, response, UDP } from './test-support/fixtures.js';

function item(log: string[], name: string): Lingering {
  return {
    lingerExpired: () => {
      log.push(name);
    },
  };
}

describe('LingerQueue', () => {
  it('expires each entry its delay after it was added, in order, under one timer', () => {
    const timers = new FakeTimers();
    const queue = new LingerQueue(timers, timers, 1_000);
    const log: string[] = [];
    queue.add(item(log, 'a'));
    timers.advance(300);
    queue.add(item(log, 'b'));
    queue.add(item(log, 'c'));
    expect(timers.pending).toBe(1);
    timers.advance(699);
    expect(log).toEqual([]);
    timers.advance(1);
    expect(log).toEqual(['a']);
    timers.advance(299);
    expect(log).toEqual(['a']);
    timers.advance(1);
    expect(log).toEqual(['a', 'b', 'c']);
    expect(queue.size).toBe(0);
    expect(timers.pending).toBe(0);
  });

  it('keeps its order across many entries (its arrays compacted on the way)', () => {
    const timers = new FakeTimers();
    const queue = new LingerQueue(timers, timers, 100);
    const log: string[] = [];
    for (let i = 0; i < 5_000; i += 1) {
      queue.add(item(log, String(i)));
      timers.advance(1);
    }
    timers.advance(100);
    expect(log).toEqual(Array.from({ length: 5_000 }, (_, i) => String(i)));
    expect(queue.size).toBe(0);
  });

  it('clear() drops every entry and the timer, telling nobody', () => {
    const timers = new FakeTimers();
    const queue = new LingerQueue(timers, timers, 100);
    const log: string[] = [];
    queue.add(item(log, 'a'));
    queue.clear();
    expect(timers.pending).toBe(0);
    timers.advance(1_000);
    expect(log).toEqual([]);
    queue.add(item(log, 'b'));
    timers.advance(100);
    expect(log).toEqual(['b']);
  });
});

describe('TransactionLayer with a clock: Timer L and J in one queue', () => {
  function setup() {
    const timers = new FakeTimers();
    const transport = new FakeTransport(timers);
    const requests: ServerTransaction[] = [];
    const terminated: ServerTransaction[] = [];
    const layer = new TransactionLayer({
      transport,
      timers,
      clock: timers,
      delegate: {
        onRequest: (_request, transaction) => requests.push(transaction),
        onCancel: () => undefined,
        onAck: () => undefined,
        onStrayResponse: () => undefined,
        onServerTerminated: (transaction) => terminated.push(transaction),
      },
    });
    return { timers, transport, layer, requests, terminated };
  }

  it('ends a 2xx-answered INVITE at 64·T1 and a BYE at 64·T1, with one timer for both', () => {
    const { timers, transport, layer, requests, terminated } = setup();
    const invite = request({ branch: 'z9hG4bK-inv' });
    layer.receive(invite, UDP);
    requests[0]?.respond(response(invite, 200));
    timers.advance(1_000);
    const bye = request({ method: 'BYE', branch: 'z9hG4bK-bye', toTag: 'a6c85cf' });
    layer.receive(bye, UDP);
    requests[1]?.respond(response(bye, 200));
    expect(timers.pending).toBe(1);
    // Retransmissions are still absorbed or answered meanwhile.
    layer.receive(invite, UDP);
    layer.receive(bye, UDP);
    expect(transport.sent.map((s) => (s.message as SipResponse).status)).toEqual([200, 200, 200]);
    timers.advance(30_999);
    expect(terminated).toEqual([]);
    timers.advance(1);
    expect(terminated).toEqual([requests[0]]);
    timers.advance(1_000);
    expect(terminated).toEqual([requests[0], requests[1]]);
    expect(layer.serverCount).toBe(0);
    expect(timers.pending).toBe(0);
  });

  it('dispose() leaves no timer behind', () => {
    const { timers, layer, requests } = setup();
    const invite = request();
    layer.receive(invite, UDP);
    requests[0]?.respond(response(invite, 200));
    layer.dispose();
    expect(timers.pending).toBe(0);
  });
});
