import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { RegistrationInput } from '../domain/model/index.js';
import { MissingReferenceError } from '../domain/ports/errors.js';
import type { Store } from '../domain/ports/store.js';
import { sipDeviceInput, TEST_EPOCH, userInput } from '../test-support/fixtures.js';
import { dialects, useStore, withStore, type Dialect } from '../test-support/stores.js';

const AOR = 'sip:alice-desk@example.org';
const OTHER_AOR = 'sip:bob-desk@example.org';
const NOW = TEST_EPOCH;

function registration(
  aor: string,
  key: string,
  overrides: Partial<RegistrationInput> = {},
): RegistrationInput {
  return {
    aor,
    key,
    contact: `sip:${key}@192.0.2.10:5062`,
    expiresAt: NOW + 3_600_000,
    callId: `call-${key}@192.0.2.10`,
    cseq: 1,
    q: null,
    instanceId: null,
    path: [],
    source: { transport: 'udp', host: '192.0.2.10', port: 5062, connectionId: null },
    userAgent: null,
    updatedAt: NOW,
    ...overrides,
  };
}

const unlinked = { userId: null, deviceId: null };

async function keysOf(store: Store, aor: string, now = NOW): Promise<string[]> {
  return (await store.registrations.list(aor, now)).map((r) => r.key);
}

describe.each(dialects)('registrations on %s', (dialect) => {
  const store = useStore(dialect);

  it('stores every field and reads it back exactly, linked to the device of the username', async () => {
    await store().users.put(userInput('alice'));
    await store().devices.put(sipDeviceInput('alice', 'desk', 'alice-desk'));
    const full = registration(AOR, 'instance:<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>', {
      contact: 'sip:alice-desk@[2001:db8::10]:5062;transport=tcp',
      cseq: 0xffffffff,
      q: 0.123,
      instanceId: '<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>',
      path: ['<sip:edge1.example.org;lr>', '<sip:edge2.example.org;lr>'],
      source: { transport: 'tcp', host: '2001:db8::10', port: 40000, connectionId: 'tcp-17' },
      userAgent: 'Yealink SIP-T46U 108.86.0.20',
    });
    await store().registrations.apply(AOR, { put: [full], remove: [], sipUsername: 'alice-desk' });

    const expected = { ...full, userId: 'alice', deviceId: 'desk' };
    expect(await store().registrations.list(AOR, NOW)).toEqual([expected]);
    expect(await store().registrations.listForUser('alice', NOW)).toEqual([expected]);
    expect(await store().registrations.list(OTHER_AOR, NOW)).toEqual([]);
  });

  it('stores registrations of a username no device holds unlinked', async () => {
    await store().registrations.apply(AOR, {
      put: [registration(AOR, 'a')],
      remove: [],
      sipUsername: 'nobody',
    });
    await store().registrations.apply(OTHER_AOR, {
      put: [registration(OTHER_AOR, 'b')],
      remove: [],
    });
    expect(await store().registrations.list(AOR, NOW)).toEqual([
      { ...registration(AOR, 'a'), ...unlinked },
    ]);
    expect(await store().registrations.list(OTHER_AOR, NOW)).toEqual([
      { ...registration(OTHER_AOR, 'b'), ...unlinked },
    ]);
  });

  it('put is idempotent and replaces by key', async () => {
    const first = registration(AOR, 'a');
    await store().registrations.apply(AOR, { put: [first], remove: [] });
    await store().registrations.apply(AOR, { put: [first], remove: [] });
    expect(await store().registrations.list(AOR, NOW)).toEqual([{ ...first, ...unlinked }]);

    const refreshed = registration(AOR, 'a', {
      contact: 'sip:a@203.0.113.9:5062',
      cseq: 2,
      expiresAt: NOW + 7_200_000,
      updatedAt: NOW + 1000,
      q: 0.5,
    });
    await store().registrations.apply(AOR, { put: [refreshed], remove: [] });
    expect(await store().registrations.list(AOR, NOW)).toEqual([{ ...refreshed, ...unlinked }]);
  });

  it('removes before it puts, and the last put of a key wins', async () => {
    await store().registrations.apply(AOR, {
      put: [registration(AOR, 'a'), registration(AOR, 'b'), registration(AOR, 'c')],
      remove: [],
    });
    await store().registrations.apply(AOR, {
      put: [registration(AOR, 'b', { cseq: 5 }), registration(AOR, 'b', { cseq: 6 })],
      remove: ['a', 'b', 'missing', 'a'],
    });
    const after = await store().registrations.list(AOR, NOW);
    expect(after.map((r) => [r.key, r.cseq])).toEqual([
      ['b', 6],
      ['c', 1],
    ]);
    // Keys are per AOR: removing `c` of another AOR leaves this one's alone.
    await store().registrations.apply(OTHER_AOR, { put: [], remove: ['c'] });
    expect(await keysOf(store(), AOR)).toEqual(['b', 'c']);
  });

  it('hides expired registrations, and the purge deletes exactly those', async () => {
    await store().registrations.apply(AOR, {
      put: [
        registration(AOR, 'short', { expiresAt: NOW + 60_000 }),
        registration(AOR, 'long', { expiresAt: NOW + 3_600_000 }),
      ],
      remove: [],
    });
    await store().registrations.apply(OTHER_AOR, {
      put: [registration(OTHER_AOR, 'short', { expiresAt: NOW + 60_000 })],
      remove: [],
    });
    expect(await keysOf(store(), AOR, NOW + 59_999)).toEqual(['long', 'short']);
    // Expired at expiresAt itself.
    expect(await keysOf(store(), AOR, NOW + 60_000)).toEqual(['long']);
    expect(await keysOf(store(), OTHER_AOR, NOW + 60_000)).toEqual([]);
    // Hidden is not deleted: still there for a reader from before.
    expect(await keysOf(store(), AOR, NOW)).toEqual(['long', 'short']);

    expect(await store().registrations.purgeExpired(NOW + 59_999)).toBe(0);
    expect(await store().registrations.purgeExpired(NOW + 60_000)).toBe(2);
    expect(await store().registrations.purgeExpired(NOW + 60_000)).toBe(0);
    expect(await keysOf(store(), AOR, NOW)).toEqual(['long']);
    expect(await keysOf(store(), OTHER_AOR, NOW)).toEqual([]);
  });

  it('lists a user’s registrations across devices, unexpired only', async () => {
    await store().users.put(userInput('alice'));
    await store().users.put(userInput('bob'));
    await store().devices.put(sipDeviceInput('alice', 'desk', 'alice-desk'));
    await store().devices.put(sipDeviceInput('alice', 'soft', 'alice-soft'));
    await store().devices.put(sipDeviceInput('bob', 'desk', 'bob-desk'));
    const soft = 'sip:alice-soft@example.org';
    await store().registrations.apply(soft, {
      put: [registration(soft, 'x'), registration(soft, 'old', { expiresAt: NOW })],
      remove: [],
      sipUsername: 'alice-soft',
    });
    await store().registrations.apply(AOR, {
      put: [registration(AOR, 'y')],
      remove: [],
      sipUsername: 'alice-desk',
    });
    await store().registrations.apply(OTHER_AOR, {
      put: [registration(OTHER_AOR, 'z')],
      remove: [],
      sipUsername: 'bob-desk',
    });
    const alice = await store().registrations.listForUser('alice', NOW);
    expect(alice.map((r) => [r.deviceId, r.aor, r.key])).toEqual([
      ['desk', AOR, 'y'],
      ['soft', soft, 'x'],
    ]);
    expect((await store().registrations.listForUser('bob', NOW)).map((r) => r.key)).toEqual(['z']);
    expect(await store().registrations.listForUser('carol', NOW)).toEqual([]);
  });

  it('deletes a device’s registrations with the device, and with its user', async () => {
    await store().users.put(userInput('alice'));
    await store().devices.put(sipDeviceInput('alice', 'desk', 'alice-desk'));
    await store().devices.put(sipDeviceInput('alice', 'soft', 'alice-soft'));
    const soft = 'sip:alice-soft@example.org';
    await store().registrations.apply(AOR, {
      put: [registration(AOR, 'a'), registration(AOR, 'b')],
      remove: [],
      sipUsername: 'alice-desk',
    });
    await store().registrations.apply(soft, {
      put: [registration(soft, 'c')],
      remove: [],
      sipUsername: 'alice-soft',
    });
    await store().registrations.apply(OTHER_AOR, {
      put: [registration(OTHER_AOR, 'd')],
      remove: [],
    });

    expect(await store().devices.delete('alice', 'desk')).toBe(true);
    expect(await keysOf(store(), AOR)).toEqual([]);
    expect(await keysOf(store(), soft)).toEqual(['c']);
    expect(await store().users.delete('alice')).toBe(true);
    expect(await keysOf(store(), soft)).toEqual([]);
    // The unlinked registration belongs to no device and stays.
    expect(await keysOf(store(), OTHER_AOR)).toEqual(['d']);
  });

  it('refuses a bad change with a RangeError naming it, before writing anything', async () => {
    await store().registrations.apply(AOR, { put: [registration(AOR, 'kept')], remove: [] });
    const cases: [Partial<RegistrationInput>, RegExp][] = [
      [{ aor: OTHER_AOR }, /put\[1\] is for sip:bob-desk@example\.org, not sip:alice-desk/],
      [{ key: '' }, /put\[1\] key must not be empty/],
      [{ expiresAt: Number.NaN }, /put\[1\] expiresAt must be an integer/],
      [{ cseq: 2 ** 32 }, /put\[1\] cseq must be an integer from 0 to 4294967295/],
      [{ q: 1.5 }, /put\[1\] q must lie between 0 and 1, got 1\.5/],
      [
        { source: { transport: 'tcp', host: '192.0.2.1', port: 70000, connectionId: null } },
        /put\[1\] source port must be an integer/,
      ],
      [
        // A transport from outside the union, as a bad caller written in JS might send.
        {
          source: {
            transport: 'sctp' as 'udp',
            host: '192.0.2.1',
            port: 5060,
            connectionId: null,
          },
        },
        /put\[1\] source transport must be one of udp, tcp, tls, ws, wss, got sctp/,
      ],
    ];
    for (const [bad, message] of cases) {
      const key = 'bad';
      await expect(
        store().registrations.apply(AOR, {
          put: [registration(AOR, 'new'), registration(AOR, key, bad)],
          remove: ['kept'],
        }),
      ).rejects.toThrow(message);
    }
    expect(await keysOf(store(), AOR)).toEqual(['kept']);
  });

  it('applies changes to two AORs at the same time without losing any', async () => {
    const aors = [AOR, OTHER_AOR];
    await Promise.all(
      aors.flatMap((aor) =>
        Array.from({ length: 6 }, (_, i) =>
          store().registrations.apply(aor, {
            put: [registration(aor, `k${String(i)}`), registration(aor, `shared`, { cseq: i })],
            remove: [`gone-${String(i)}`],
          }),
        ),
      ),
    );
    for (const aor of aors) {
      const rows = await store().registrations.list(aor, NOW);
      expect(rows.map((r) => r.key)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'shared']);
      expect(rows.every((r) => r.aor === aor)).toBe(true);
    }
  });

  it('joins the caller’s transaction and goes back with it', async () => {
    await store().registrations.apply(AOR, { put: [registration(AOR, 'kept')], remove: [] });
    const error = await store()
      .transaction(async (repos) => {
        await repos.registrations.apply(AOR, { put: [registration(AOR, 'new')], remove: ['kept'] });
        expect(await repos.registrations.list(AOR, NOW)).toHaveLength(1);
        throw new Error('work failed');
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'work failed' });
    expect(await keysOf(store(), AOR)).toEqual(['kept']);
  });
});

/** Runs SQL on the store's database through a connection of its own (DDL the store never runs). */
async function runSql(dialect: Dialect, databaseUrl: string, text: string): Promise<void> {
  if (dialect === 'sqlite') {
    const db = new BetterSqlite3(databaseUrl.slice('sqlite:'.length));
    try {
      db.exec(text);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const BOOM = 'sip:boom@192.0.2.99';

/** A trigger that fails the insert of one row, so a failure can strike in the middle of apply. */
const FAILING_TRIGGER: Record<Dialect, string> = {
  sqlite: `create trigger registrations_boom before insert on registrations
             when new.contact = '${BOOM}'
           begin select raise(abort, 'boom'); end;`,
  postgres: `create function registrations_boom() returns trigger language plpgsql as $$
             begin
               if new.contact = '${BOOM}' then raise exception 'boom'; end if;
               return new;
             end $$;
           create trigger registrations_boom before insert on registrations
             for each row execute function registrations_boom();`,
};

describe.each(dialects)('registrations on %s: atomic apply', (dialect) => {
  it('rolls every part back when a write fails in the middle', async () => {
    // A database of its own: the trigger must not outlive this test.
    await withStore(dialect, async (store, testStore) => {
      await store.users.put(userInput('alice'));
      await store.devices.put(sipDeviceInput('alice', 'desk', 'alice-desk'));
      const before = [registration(AOR, 'a'), registration(AOR, 'b')];
      await store.registrations.apply(AOR, { put: before, remove: [], sipUsername: 'alice-desk' });
      await runSql(dialect, testStore.databaseUrl, FAILING_TRIGGER[dialect]);

      // Removal first, then 150 rows in two statements; the 120th (in the second) fails.
      const put = Array.from({ length: 150 }, (_, i) =>
        registration(AOR, `n${String(i).padStart(3, '0')}`, i === 119 ? { contact: BOOM } : {}),
      );
      put.push(registration(AOR, 'b', { cseq: 99 }));
      const error = await store.registrations
        .apply(AOR, { put, remove: ['a'], sipUsername: 'alice-desk' })
        .catch((e: unknown) => e);
      expect(String(error)).toMatch(/boom/);

      expect(await store.registrations.list(AOR, NOW)).toEqual(
        before.map((r) => ({ ...r, userId: 'alice', deviceId: 'desk' })),
      );
      // The store goes on working after the failure.
      await store.registrations.apply(AOR, { put: put.slice(0, 3), remove: ['a'] });
      expect(await keysOf(store, AOR)).toEqual(['b', 'n000', 'n001', 'n002']);
    });
  });

  it('reports a device that vanished under a link as a MissingReferenceError', async () => {
    await withStore(dialect, async (store, testStore) => {
      await store.users.put(userInput('alice'));
      await store.devices.put(sipDeviceInput('alice', 'desk', 'alice-desk'));
      // The device is found, then gone before the row is written (as if deleted concurrently).
      await runSql(
        dialect,
        testStore.databaseUrl,
        dialect === 'sqlite'
          ? `create trigger registrations_vanish before insert on registrations
             begin delete from devices where user_id = new.user_id and id = new.device_id; end;`
          : `create function registrations_vanish() returns trigger language plpgsql as $$
             begin delete from devices where user_id = new.user_id and id = new.device_id;
                   return new; end $$;
             create trigger registrations_vanish before insert on registrations
               for each row execute function registrations_vanish();`,
      );
      const error = await store.registrations
        .apply(AOR, { put: [registration(AOR, 'a')], remove: [], sipUsername: 'alice-desk' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingReferenceError);
      expect(error).toMatchObject({ entity: 'registration' });
      expect(await keysOf(store, AOR)).toEqual([]);
      expect(await store.devices.get('alice', 'desk')).toBeDefined();
    });
  });
});
