import { describe, expect, it } from 'vitest';
import type { Trunk, TrunkInput } from '../domain/model/index.js';
import type { TrunkRepository } from '../domain/ports/store.js';
import { manualClock } from '../test-support/fixtures.js';
import { plainAddress, TrunkDirectory } from './trunks.js';

function trunk(input: Partial<TrunkInput> & { id: string }): Trunk {
  return {
    host: 'sip.carrier.test',
    port: 5060,
    inbound: [],
    username: null,
    password: null,
    calledNumberFrom: 'request-uri',
    createdAt: 0,
    updatedAt: 0,
    ...input,
  };
}

/** A trunk table that counts its reads. */
function repository(trunks: Trunk[]): TrunkRepository & { reads: number } {
  const repo = {
    reads: 0,
    list: () => {
      repo.reads += 1;
      return Promise.resolve([...trunks]);
    },
    get: (id: string) => Promise.resolve(trunks.find((t) => t.id === id)),
    put: () => Promise.reject(new Error('read only')),
    delete: () => Promise.reject(new Error('read only')),
  };
  return repo;
}

describe('TrunkDirectory', () => {
  const trunks = [
    trunk({ id: 'backup', inbound: ['198.51.100.0/24'] }),
    trunk({ id: 'carrier', inbound: ['192.0.2.10', '2001:db8:5::/48'] }),
  ];

  it('trusts the addresses and networks of a trunk’s inbound list, and nothing else', async () => {
    const directory = new TrunkDirectory(repository(trunks), manualClock());
    expect((await directory.trustedFor('192.0.2.10'))?.id).toBe('carrier');
    expect((await directory.trustedFor('::ffff:192.0.2.10'))?.id).toBe('carrier');
    expect((await directory.trustedFor('198.51.100.77'))?.id).toBe('backup');
    expect((await directory.trustedFor('2001:db8:5:1::9'))?.id).toBe('carrier');
    expect((await directory.trustedFor('[2001:db8:5::1]'))?.id).toBe('carrier');
    expect(await directory.trustedFor('192.0.2.11')).toBeUndefined();
    expect(await directory.trustedFor('2001:db8:6::1')).toBeUndefined();
    expect(await directory.trustedFor('not-an-address')).toBeUndefined();
  });

  it('sends calls out through the configured trunk, else the first by id', async () => {
    expect((await new TrunkDirectory(repository(trunks), manualClock()).outbound())?.id).toBe(
      'backup',
    );
    const configured = new TrunkDirectory(repository(trunks), manualClock(), {
      outboundTrunk: 'carrier',
    });
    expect((await configured.outbound())?.id).toBe('carrier');
    const missing = new TrunkDirectory(repository(trunks), manualClock(), {
      outboundTrunk: 'gone',
    });
    expect(await missing.outbound()).toBeUndefined();
    expect(await new TrunkDirectory(repository([]), manualClock()).outbound()).toBeUndefined();
  });

  it('reads the trunk table once per cache period', async () => {
    const clock = manualClock();
    const repo = repository(trunks);
    const directory = new TrunkDirectory(repo, clock, { cacheMs: 1000 });
    await directory.trustedFor('192.0.2.10');
    await directory.outbound();
    expect(repo.reads).toBe(1);
    clock.advance(1000);
    await directory.trustedFor('192.0.2.10');
    expect(repo.reads).toBe(2);
    directory.invalidate();
    await directory.outbound();
    expect(repo.reads).toBe(3);
  });

  it('writes addresses plainly', () => {
    expect(plainAddress('[2001:db8::1]')).toBe('2001:db8::1');
    expect(plainAddress('::FFFF:10.0.0.1')).toBe('10.0.0.1');
    expect(plainAddress('10.0.0.1')).toBe('10.0.0.1');
  });
});
