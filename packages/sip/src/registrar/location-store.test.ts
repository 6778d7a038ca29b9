import { describe, expect, it } from 'vitest';
import { InMemoryLocationStore, type Binding } from './location-store.js';

const AOR = 'sip:alice@example.org';

function binding(key: string, expiresAt: number, aor = AOR): Binding {
  return {
    aor,
    key,
    contact: `sip:alice@${key}`,
    expiresAt,
    callId: 'call-1',
    cseq: 1,
    source: { transport: 'udp', host: '192.0.2.1', port: 5060 },
    updatedAt: 0,
  };
}

describe('InMemoryLocationStore', () => {
  it('lists the bindings of an AOR that have not expired', async () => {
    const store = new InMemoryLocationStore();
    await store.update(AOR, { put: [binding('a', 1000), binding('b', 2000)], remove: [] });
    await store.update('sip:bob@example.org', {
      put: [binding('a', 5000, 'sip:bob@example.org')],
      remove: [],
    });
    expect((await store.list(AOR, 999)).map((b) => b.key).sort()).toEqual(['a', 'b']);
    expect((await store.list(AOR, 1000)).map((b) => b.key)).toEqual(['b']);
    expect(await store.list('sip:nobody@example.org', 0)).toEqual([]);
  });

  it('replaces by key and removes in one update', async () => {
    const store = new InMemoryLocationStore();
    await store.update(AOR, { put: [binding('a', 1000), binding('b', 1000)], remove: [] });
    await store.update(AOR, { put: [binding('a', 9000), binding('c', 9000)], remove: ['b'] });
    const listed = await store.list(AOR, 0);
    expect(listed.map((b) => [b.key, b.expiresAt]).sort()).toEqual([
      ['a', 9000],
      ['c', 9000],
    ]);
    expect(store.size).toBe(2);
  });

  it('refuses a change that names another AOR and keeps what it had', async () => {
    const store = new InMemoryLocationStore();
    await store.update(AOR, { put: [binding('a', 1000)], remove: [] });
    await expect(
      store.update(AOR, { put: [binding('b', 1000, 'sip:bob@example.org')], remove: ['a'] }),
    ).rejects.toThrow(/sip:bob@example.org/);
    expect((await store.list(AOR, 0)).map((b) => b.key)).toEqual(['a']);
  });

  it('purges expired bindings and counts them', async () => {
    const store = new InMemoryLocationStore();
    await store.update(AOR, { put: [binding('a', 1000), binding('b', 3000)], remove: [] });
    await store.update('sip:bob@example.org', {
      put: [binding('x', 500, 'sip:bob@example.org')],
      remove: [],
    });
    expect(await store.purgeExpired(1000)).toBe(2);
    expect(store.size).toBe(1);
    expect(await store.purgeExpired(1000)).toBe(0);
    expect(await store.purgeExpired(3000)).toBe(1);
    expect(store.size).toBe(0);
  });
});
