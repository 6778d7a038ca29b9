import type { ServerEvent } from '@switchboard/contracts';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../ports/logger.js';
import { EventBus } from './event-bus.js';

function changed(id: string, userId: string | null): ServerEvent {
  return {
    type: 'entity.changed',
    entity: 'contact',
    id,
    action: 'created',
    userId,
    at: '2026-11-21T09:00:00.000Z',
  };
}

describe('EventBus', () => {
  it('delivers a user’s events to that user’s listeners and to all-users listeners', () => {
    const bus = new EventBus();
    const alice: string[] = [];
    const bob: string[] = [];
    const all: [string, string | null][] = [];
    bus.subscribe('alice', (e) => alice.push(e.type === 'entity.changed' ? e.id : e.type));
    bus.subscribe('bob', (e) => bob.push(e.type === 'entity.changed' ? e.id : e.type));
    bus.subscribeAll((e, userId) =>
      all.push([e.type === 'entity.changed' ? e.id : e.type, userId]),
    );

    bus.publish('alice', changed('c1', 'alice'));
    bus.publish('bob', changed('c2', 'bob'));
    bus.publishToAdmins(changed('t1', null));

    expect(alice).toEqual(['c1']);
    expect(bob).toEqual(['c2']);
    expect(all).toEqual([
      ['c1', 'alice'],
      ['c2', 'bob'],
      ['t1', null],
    ]);
  });

  it('stops delivering after unsubscribe, and forgets empty users', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const off = bus.subscribe('alice', (e) => seen.push(e.type));
    const offAll = bus.subscribeAll((e) => seen.push(`all:${e.type}`));
    expect(bus.listenerCount()).toBe(2);
    off();
    off();
    offAll();
    bus.publish('alice', changed('c1', 'alice'));
    expect(seen).toEqual([]);
    expect(bus.listenerCount()).toBe(0);
  });

  it('keeps delivering when a listener throws or unsubscribes during delivery', () => {
    const logged: unknown[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (fields: unknown) => logged.push(fields),
      child: () => logger,
    };
    const bus = new EventBus(logger);
    const seen: string[] = [];
    bus.subscribe('alice', () => {
      throw new Error('broken socket');
    });
    const offSecond = bus.subscribe('alice', () => {
      seen.push('second');
      offSecond();
    });
    bus.subscribe('alice', () => seen.push('third'));

    bus.publish('alice', changed('c1', 'alice'));
    bus.publish('alice', changed('c2', 'alice'));

    expect(seen).toEqual(['second', 'third', 'third']);
    expect(logged).toHaveLength(2);
  });
});
