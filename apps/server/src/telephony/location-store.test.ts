import { DigestAuthenticator, Registrar, type Binding } from '@switchboard/sip';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../domain/ports/clock.js';
import type { Store } from '../domain/ports/store.js';
import { openStore } from '../persistence/open-store.js';
import { manualClock, sipDeviceInput, userInput } from '../test-support/fixtures.js';
import { dialects, openTestStore } from '../test-support/stores.js';
import {
  aorUsername,
  RegistrationLocationStore,
  toBinding,
  toRegistrationInput,
} from './location-store.js';
import { contactExpires, RegisterPhone } from './test-support/register-phone.js';

const DOMAIN = 'example.org';
const AOR = `sip:alice-desk@${DOMAIN}`;
/** Shared by every registrar of a test, as instances sharing a database would share it. */
const SECRET = Buffer.from('location-store-test-secret-0123456789');

interface Server {
  readonly registrar: Registrar;
  readonly errors: unknown[];
}

/** A registrar as the server would wire it: bindings in the store, passwords of SIP devices. */
function registrarOn(store: Store, clock: Clock): Server {
  const errors: unknown[] = [];
  const registrar = new Registrar({
    store: new RegistrationLocationStore(store.registrations),
    clock,
    authenticator: new DigestAuthenticator({ realm: DOMAIN, secret: SECRET, clock }),
    credentials: async (username) => {
      const device = await store.devices.findBySipUsername(username);
      return device?.kind === 'sip' ? { password: device.sipPassword } : undefined;
    },
    servesDomain: (host) => host === DOMAIN,
    onError: (error) => errors.push(error),
  });
  return { registrar, errors };
}

async function seedAlice(store: Store): Promise<void> {
  await store.users.put(userInput('alice'));
  await store.devices.put(sipDeviceInput('alice', 'desk', 'alice-desk'));
}

describe.each(dialects)('RegistrationLocationStore under the real Registrar on %s', (dialect) => {
  it('keeps a REGISTER across a restart, then lets it expire and purges it', async () => {
    const clock = manualClock();
    const first = await openTestStore(dialect, { clock });
    let second: Store | undefined;
    try {
      await seedAlice(first.store);
      const a = registrarOn(first.store, clock);
      const phone = new RegisterPhone('alice-desk', 'pw-alice-desk', DOMAIN, {
        transport: 'udp',
        host: '192.0.2.10',
        port: 5062,
      });

      const challenge = await phone.sendOnce(a.registrar, { expires: 600 });
      expect(challenge.status).toBe(401);
      expect(await first.store.registrations.list(AOR, clock.now())).toEqual([]);
      const ok = await phone.send(a.registrar, { expires: 600 });
      expect(ok.status).toBe(200);
      expect(contactExpires(ok)).toEqual(new Map([[phone.contact, 600]]));

      // In the database as a domain registration, linked to the device that registered.
      const [stored] = await first.store.registrations.list(AOR, clock.now());
      expect(stored).toEqual({
        aor: AOR,
        key: `contact:${phone.contact}`,
        contact: phone.contact,
        expiresAt: clock.now() + 600_000,
        callId: phone.callId,
        cseq: phone.cseq,
        q: null,
        instanceId: null,
        path: [],
        source: { transport: 'udp', host: '192.0.2.10', port: 5062, connectionId: null },
        userAgent: 'Switchboard test phone/1.0',
        updatedAt: clock.now(),
        userId: 'alice',
        deviceId: 'desk',
      });
      expect(await first.store.registrations.listForUser('alice', clock.now())).toEqual([stored]);
      const bindings = await a.registrar.lookup(AOR);
      expect(bindings).toHaveLength(1);

      // A second instance over the same database sees the binding...
      second = await openStore({ databaseUrl: first.databaseUrl, dataDir: first.dataDir, clock });
      const b = registrarOn(second, clock);
      expect(await b.registrar.lookup(AOR)).toEqual(bindings);
      // ...and still does once the first has gone (a restart).
      await first.store.close();
      expect(await b.registrar.lookup(AOR)).toEqual(bindings);

      // The Call-ID and CSeq came along: a delayed copy of the old REGISTER is out of order.
      // (The new instance first challenges a nonce it has not counted; the phone answers.)
      const stale = await phone.send(b.registrar, { expires: 600, cseq: phone.cseq });
      expect(stale.status).toBe(500);
      expect(await b.registrar.lookup(AOR)).toEqual(bindings);

      // A refresh through the new instance moves the expiry.
      clock.advance(300_000);
      const refreshed = await phone.send(b.registrar, { expires: 600 });
      expect(refreshed.status).toBe(200);
      const [after] = await b.registrar.lookup(AOR);
      expect(after?.expiresAt).toBe(clock.now() + 600_000);
      expect(after?.cseq).toBe(phone.cseq);

      // Expiry: gone for readers at once, from the database at the purge.
      clock.advance(600_000);
      expect(await b.registrar.lookup(AOR)).toEqual([]);
      expect(await b.registrar.purgeExpired()).toBe(1);
      expect(await b.registrar.purgeExpired()).toBe(0);
      expect(await second.registrations.list(AOR, 0)).toEqual([]);
      expect([...a.errors, ...b.errors]).toEqual([]);
    } finally {
      await second?.close();
      await first.close();
    }
  });

  it('round-trips several contacts with q, instance, Path and connection, removes by wildcard', async () => {
    const clock = manualClock();
    const first = await openTestStore(dialect, { clock });
    let second: Store | undefined;
    try {
      await seedAlice(first.store);
      const a = registrarOn(first.store, clock);
      const desk = new RegisterPhone('alice-desk', 'pw-alice-desk', DOMAIN, {
        transport: 'tcp',
        host: '2001:db8::10',
        port: 40_000,
        connectionId: 'tcp-7',
      });
      const instance = '<urn:uuid:00000000-0000-1000-8000-000a95a0e128>';
      const registered = await desk.send(a.registrar, {
        contacts: [
          `<sip:alice-desk@[2001:db8::10]:40000;transport=tcp>;q=0.7;+sip.instance="${instance}"`,
          '<sip:alice-desk@192.0.2.20:5060>;expires=120;q=0.25',
        ],
        headers: ['Supported: path', 'Path: <sip:edge.example.org;lr>'],
      });
      expect(registered.status).toBe(200);
      const mobile = new RegisterPhone('alice-desk', 'pw-alice-desk', DOMAIN, {
        transport: 'udp',
        host: '198.51.100.7',
        port: 5060,
      });
      expect((await mobile.send(a.registrar)).status).toBe(200);

      const bindings = await a.registrar.lookup(AOR);
      expect(bindings.map((binding) => [binding.contact, binding.q])).toEqual([
        ['sip:alice-desk@198.51.100.7:5060', undefined],
        ['sip:alice-desk@[2001:db8::10]:40000;transport=tcp', 0.7],
        ['sip:alice-desk@192.0.2.20:5060', 0.25],
      ]);
      expect(bindings[1]).toMatchObject({
        key: `instance:${instance}`,
        instanceId: instance,
        path: ['<sip:edge.example.org;lr>'],
        source: { transport: 'tcp', host: '2001:db8::10', port: 40_000, connectionId: 'tcp-7' },
      });

      // Exactly the same bindings, field for field, read back by another instance.
      second = await openStore({ databaseUrl: first.databaseUrl, dataDir: first.dataDir, clock });
      const b = registrarOn(second, clock);
      expect(await b.registrar.lookup(AOR)).toStrictEqual(bindings);

      // The desk's removal of everything (Contact: *) reaches every instance.
      const removed = await desk.send(b.registrar, { contacts: ['*'], expires: 0 });
      expect(removed.status).toBe(200);
      expect(removed.headerValues('Contact')).toEqual([]);
      expect(await a.registrar.lookup(AOR)).toEqual([]);
      expect(await first.store.registrations.list(AOR, 0)).toEqual([]);
      expect([...a.errors, ...b.errors]).toEqual([]);
    } finally {
      await second?.close();
      await first.close();
    }
  });

  it('drops the bindings of a device that is deleted', async () => {
    const clock = manualClock();
    const server = await openTestStore(dialect, { clock });
    try {
      await seedAlice(server.store);
      const { registrar, errors } = registrarOn(server.store, clock);
      const phone = new RegisterPhone('alice-desk', 'pw-alice-desk', DOMAIN, {
        transport: 'udp',
        host: '192.0.2.10',
        port: 5062,
      });
      expect((await phone.send(registrar)).status).toBe(200);
      expect(await registrar.lookup(AOR)).toHaveLength(1);
      await server.store.devices.delete('alice', 'desk');
      expect(await registrar.lookup(AOR)).toEqual([]);
      // Its credentials went with it: the phone can no longer register.
      expect((await phone.send(registrar)).status).toBe(401);
      expect(errors).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('Binding ↔ Registration mapping', () => {
  const full: Binding = {
    aor: AOR,
    key: 'instance:<urn:uuid:1>',
    contact: 'sip:alice-desk@192.0.2.10:5062;transport=tcp',
    expiresAt: 1_700_000_600_000,
    callId: 'c@h',
    cseq: 7,
    q: 0.5,
    instanceId: '<urn:uuid:1>',
    path: ['<sip:edge;lr>'],
    source: { transport: 'tcp', host: '192.0.2.10', port: 5062, connectionId: 'tcp-1' },
    userAgent: 'UA',
    updatedAt: 1_700_000_000_000,
  };
  const minimal: Binding = {
    aor: AOR,
    key: 'contact:sip:alice-desk@192.0.2.10',
    contact: 'sip:alice-desk@192.0.2.10',
    expiresAt: 1_700_000_600_000,
    callId: 'c@h',
    cseq: 1,
    source: { transport: 'udp', host: '192.0.2.10', port: 5060 },
    updatedAt: 1_700_000_000_000,
  };

  it('gives back the binding it was given, absent fields absent', () => {
    for (const binding of [full, minimal]) {
      const registration = { ...toRegistrationInput(binding), userId: null, deviceId: null };
      expect(toBinding(registration)).toStrictEqual(binding);
    }
    expect(toRegistrationInput(minimal)).toMatchObject({
      q: null,
      instanceId: null,
      path: [],
      userAgent: null,
      source: { connectionId: null },
    });
  });

  it('reads the SIP username from the AOR, decoded', () => {
    expect(aorUsername('sip:alice-desk@example.org')).toBe('alice-desk');
    expect(aorUsername('sip:al%20ice@example.org:5070')).toBe('al ice');
    expect(aorUsername('sip:example.org')).toBeUndefined();
    expect(aorUsername('tel:+4930123')).toBeUndefined();
    expect(aorUsername('not a uri')).toBeUndefined();
  });
});
