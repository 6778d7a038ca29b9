import { describe, expect, it } from 'vitest';
import { parseChallenges } from '../auth/digest-header.js';
import type { SipResponse } from '../message/message.js';
import { Registrar, canonicalAor, defaultLimiterKey } from './registrar.js';
import { DOMAIN, SOURCE, harness, register } from './test-support/harness.js';
import { Phone, contactExpires } from './test-support/phone.js';
import { parseUri } from '../message/uri.js';

const ALICE_AOR = `sip:alice@${DOMAIN}`;
const ALICE_CONTACT = 'sip:alice@192.0.2.10:5062';

function challengesOf(response: SipResponse): { algorithm?: string; stale?: boolean }[] {
  return response.headerValues('WWW-Authenticate').flatMap((value) => {
    const parsed = parseChallenges(value);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return parsed.value;
  });
}

describe('Registrar: registering', () => {
  it('challenges first, then binds the contact and lists it with expires and a Date', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    const first = await phone.sendOnce();
    expect(first.status).toBe(401);
    expect(first.to().tag).toBeDefined();
    expect(challengesOf(first).map((c) => c.algorithm)).toEqual(['SHA-256', 'MD5']);
    expect(await h.registrar.lookup(ALICE_AOR)).toEqual([]);

    expect(
      phone.session.handleChallenge('WWW-Authenticate', first.headerValues('WWW-Authenticate')),
    ).toBe(true);
    const ok = await phone.sendOnce();
    expect(ok.status).toBe(200);
    expect(contactExpires(ok)).toEqual(new Map([[ALICE_CONTACT, 3600]]));
    expect(ok.header('Date')).toBe(new Date(h.clock.now()).toUTCString());
    const [binding] = await h.registrar.lookup(ALICE_AOR);
    expect(binding).toMatchObject({
      aor: ALICE_AOR,
      contact: ALICE_CONTACT,
      expiresAt: h.clock.now() + 3_600_000,
      callId: phone.callId,
      cseq: 2,
      source: SOURCE,
      userAgent: 'Switchboard test phone/1.0',
    });
  });

  it('refreshes a binding with a higher CSeq on the same Call-ID', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    expect((await phone.send({ expires: 600 })).status).toBe(200);
    h.clock.advance(500_000);
    const refreshed = await phone.send({ expires: 600 });
    expect(refreshed.status).toBe(200);
    expect(contactExpires(refreshed)).toEqual(new Map([[ALICE_CONTACT, 600]]));
    const bindings = await h.registrar.lookup(ALICE_AOR);
    expect(bindings).toHaveLength(1);
    expect(bindings[0]?.expiresAt).toBe(h.clock.now() + 600_000);
    expect(bindings[0]?.cseq).toBe(phone.cseq);
  });

  it('keeps several contacts per AOR, from one request and from several phones', async () => {
    const h = harness();
    const desk = new Phone(h.registrar, 'alice', 'correct horse');
    const both = await desk.send({
      contacts: ['<sip:alice@192.0.2.10:5062>;q=0.5', '<sip:alice@192.0.2.10:5064>;expires=120'],
    });
    expect(both.status).toBe(200);
    expect(contactExpires(both)).toEqual(
      new Map([
        ['sip:alice@192.0.2.10:5062', 3600],
        ['sip:alice@192.0.2.10:5064', 120],
      ]),
    );
    const mobile = new Phone(h.registrar, 'alice', 'correct horse');
    const three = await mobile.send({ contacts: ['<sip:alice@198.51.100.7:40000;transport=tcp>'] });
    expect(contactExpires(three).size).toBe(3);
    const bindings = await h.registrar.lookup(ALICE_AOR);
    // Most preferred first: q defaults to 1.
    expect(bindings.map((b) => b.q ?? 1)).toEqual([1, 1, 0.5]);
  });

  it('answers a REGISTER without Contact with the current bindings (a query)', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    await phone.send();
    h.clock.advance(100_000);
    const query = await phone.send({ contacts: [] });
    expect(query.status).toBe(200);
    expect(contactExpires(query)).toEqual(new Map([[ALICE_CONTACT, 3500]]));
  });

  it('matches Contacts by the URI comparison rules, not the text', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    await phone.send({ contacts: ['<sip:alice@PHONE.example.net;transport=udp>'] });
    const again = await phone.send({ contacts: ['<sip:%61lice@phone.example.net;transport=UDP>'] });
    expect(contactExpires(again).size).toBe(1);
  });

  it('replaces the binding of the same +sip.instance even when the URI changed', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    const instance = '+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"';
    await phone.send({ contacts: [`<sip:alice@192.0.2.10:5062>;${instance}`] });
    const moved = new Phone(h.registrar, 'alice', 'correct horse');
    const response = await moved.send({ contacts: [`<sip:alice@203.0.113.9:5062>;${instance}`] });
    expect(response.status).toBe(200);
    expect([...contactExpires(response).keys()]).toEqual(['sip:alice@203.0.113.9:5062']);
    expect(response.header('Contact')).toContain(instance);
    const [binding] = await h.registrar.lookup(ALICE_AOR);
    expect(binding?.instanceId).toBe('<urn:uuid:00000000-0000-1000-8000-000A95A0E128>');
  });

  it('stores Path and echoes it to a client that supports path (RFC 3327)', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    const response = await phone.send({
      headers: ['Supported: path', 'Path: <sip:edge.example.org;lr>'],
    });
    expect(response.status).toBe(200);
    expect(response.headerValues('Path')).toEqual(['<sip:edge.example.org;lr>']);
    expect((await h.registrar.lookup(ALICE_AOR))[0]?.path).toEqual(['<sip:edge.example.org;lr>']);
  });
});

describe('Registrar: removing and expiry', () => {
  it('removes one contact with expires=0 and keeps the other', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    await phone.send({ contacts: ['<sip:alice@192.0.2.10:5062>', '<sip:alice@192.0.2.10:5064>'] });
    const response = await phone.send({ contacts: ['<sip:alice@192.0.2.10:5064>;expires=0'] });
    expect(response.status).toBe(200);
    expect([...contactExpires(response).keys()]).toEqual(['sip:alice@192.0.2.10:5062']);
    expect(h.store.size).toBe(1);
  });

  it('removes everything with Contact: * and Expires: 0', async () => {
    const h = harness();
    await new Phone(h.registrar, 'alice', 'correct horse').send();
    const other = new Phone(h.registrar, 'alice', 'correct horse');
    await other.send({ contacts: ['<sip:alice@198.51.100.7>'] });
    expect(h.store.size).toBe(2);
    const response = await other.send({ contacts: ['*'], expires: 0 });
    expect(response.status).toBe(200);
    expect(response.hasHeader('Contact')).toBe(false);
    expect(h.store.size).toBe(0);
  });

  it('refuses Contact: * without Expires: 0, and * among other contacts', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    await phone.send();
    expect((await phone.send({ contacts: ['*'], expires: 3600 })).status).toBe(400);
    expect((await phone.send({ contacts: ['*'] })).status).toBe(400);
    // The parser refuses "*" with another Contact; a request built by hand reaches the registrar.
    phone.cseq += 1;
    const mixed = phone
      .sign(register({ callId: phone.callId, cseq: phone.cseq, contacts: ['*'], expires: 0 }))
      .withAddedHeader('Contact', '<sip:alice@192.0.2.10>');
    expect((await h.registrar.handleRegister(mixed, SOURCE)).status).toBe(400);
    expect(h.store.size).toBe(1);
  });

  it('lets bindings lapse and purges them', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    await phone.send({ expires: 60 });
    h.clock.advance(59_999);
    expect(await h.registrar.lookup(ALICE_AOR)).toHaveLength(1);
    h.clock.advance(1);
    expect(await h.registrar.lookup(ALICE_AOR)).toEqual([]);
    expect(h.store.size).toBe(1);
    expect(await h.registrar.purgeExpired()).toBe(1);
    expect(h.store.size).toBe(0);
  });
});

describe('Registrar: expiry limits and ordering', () => {
  it('answers 423 with Min-Expires below the minimum, but always allows 0', async () => {
    const h = harness({ minExpires: 300 });
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    const brief = await phone.send({ expires: 120 });
    expect(brief.status).toBe(423);
    expect(brief.header('Min-Expires')).toBe('300');
    const briefParam = await phone.send({
      contacts: [`<${ALICE_CONTACT}>;expires=1`],
      expires: 600,
    });
    expect(briefParam.status).toBe(423);
    expect(h.store.size).toBe(0);
    expect((await phone.send({ expires: 300 })).status).toBe(200);
    expect((await phone.send({ expires: 0 })).status).toBe(200);
    expect(h.store.size).toBe(0);
  });

  it('shortens a long expiry to the maximum, and the Contact parameter wins over Expires', async () => {
    const h = harness({ maxExpires: 1800, defaultExpires: 900 });
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    expect(contactExpires(await phone.send({ expires: 86_400 }))).toEqual(
      new Map([[ALICE_CONTACT, 1800]]),
    );
    expect(
      contactExpires(
        await phone.send({ contacts: [`<${ALICE_CONTACT}>;expires=700`], expires: 100 }),
      ),
    ).toEqual(new Map([[ALICE_CONTACT, 700]]));
    expect(contactExpires(await phone.send())).toEqual(new Map([[ALICE_CONTACT, 900]]));
  });

  it('fails with 500 a request on the same Call-ID whose CSeq is not higher (§10.3 step 7)', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    await phone.send({ expires: 600 });
    const stored = (await h.registrar.lookup(ALICE_AOR))[0];
    // Replay the same CSeq, then an older one: both abort the update.
    for (const cseq of [phone.cseq, phone.cseq - 1]) {
      const stale = phone.sign(register({ callId: phone.callId, cseq, expires: 0 }));
      const response = await h.registrar.handleRegister(stale, SOURCE);
      expect(response.status).toBe(500);
    }
    expect(await h.registrar.lookup(ALICE_AOR)).toEqual([stored]);
    // Another Call-ID with a lower CSeq is another client: it may change the binding.
    const other = new Phone(h.registrar, 'alice', 'correct horse');
    expect((await other.send({ expires: 0 })).status).toBe(200);
    expect(h.store.size).toBe(0);
  });

  it('refuses more bindings than allowed per AOR without changing anything', async () => {
    const h = harness({ maxBindingsPerAor: 2 });
    await new Phone(h.registrar, 'alice', 'correct horse').send({
      contacts: ['<sip:a@192.0.2.1>'],
    });
    await new Phone(h.registrar, 'alice', 'correct horse').send({
      contacts: ['<sip:b@192.0.2.2>'],
    });
    const third = await new Phone(h.registrar, 'alice', 'correct horse').send({
      contacts: ['<sip:c@192.0.2.3>'],
    });
    expect(third.status).toBe(403);
    expect(h.store.size).toBe(2);
  });

  it('processes overlapping REGISTERs of one AOR one at a time', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    await phone.send();
    const requests = [1, 2, 3, 4].map((n) =>
      phone.sign(
        register({
          callId: phone.callId,
          cseq: phone.cseq + n,
          contacts: [`<sip:alice@192.0.2.${String(n)}>`],
        }),
      ),
    );
    const responses = await Promise.all(requests.map((r) => h.registrar.handleRegister(r, SOURCE)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(contactExpires(responses[3] as SipResponse).size).toBe(5);
  });
});

describe('Registrar: authentication and authorization', () => {
  it('challenges again after a wrong password, and the client gives up', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'wrong');
    const response = await phone.send();
    expect(response.status).toBe(401);
    expect(phone.responses.map((r) => r.status)).toEqual([401, 401]);
    expect(
      phone.session.handleChallenge('WWW-Authenticate', response.headerValues('WWW-Authenticate')),
    ).toBe(false);
    expect(h.store.size).toBe(0);
  });

  it('answers an unknown user exactly like a wrong password', async () => {
    const h = harness();
    const wrong = await new Phone(h.registrar, 'alice', 'wrong').send();
    const unknown = await new Phone(
      h.registrar,
      'mallory',
      'wrong',
      'call-mallory@192.0.2.10',
    ).send();
    // Only the random values differ: the nonce (new per challenge) and the To tag.
    const mask = (r: SipResponse): unknown => ({
      status: r.status,
      reason: r.reason,
      headers: r.headers
        .filter((f) => !['From', 'To', 'Call-ID', 'CSeq', 'Via'].includes(f.name))
        .map((f) => ({ name: f.name, value: f.value.replace(/nonce="[^"]*"/, 'nonce="…"') })),
      toTagged: r.to().tag !== undefined,
    });
    expect(mask(unknown)).toEqual(mask(wrong));
    expect(wrong.status).toBe(401);
  });

  it('answers 401 with stale=true to a right answer on an expired nonce, then accepts', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    expect((await phone.send()).status).toBe(200);
    h.clock.advance(10 * 60_000);
    const stale = await phone.sendOnce();
    expect(stale.status).toBe(401);
    expect(challengesOf(stale).every((c) => c.stale === true)).toBe(true);
    expect(
      phone.session.handleChallenge('WWW-Authenticate', stale.headerValues('WWW-Authenticate')),
    ).toBe(true);
    expect((await phone.sendOnce()).status).toBe(200);
  });

  it('slows down, then blocks with 403 a source that keeps failing, whatever it sends', async () => {
    const h = harness({ limiter: { maxFailures: 4, freeFailures: 2, baseDelayMs: 100 } });
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      const response = await new Phone(h.registrar, user, 'guess').send();
      expect(response.status).toBe(401);
    }
    expect(h.sleeps).toEqual([100, 200]);
    // Blocked: even the right password, even without credentials.
    const right = await new Phone(h.registrar, 'alice', 'correct horse').send();
    expect(right.status).toBe(403);
    expect(right.hasHeader('WWW-Authenticate')).toBe(false);
    // Another source is not affected.
    const elsewhere = new Phone(h.registrar, 'alice', 'correct horse', 'c@x', {
      ...SOURCE,
      host: '192.0.2.99',
    });
    expect((await elsewhere.send()).status).toBe(200);
  });

  it('offers only the configured algorithms (MD5 for SIPp and baresip)', async () => {
    const fixed = harness({ algorithms: ['MD5'] });
    const response = await new Phone(fixed.registrar, 'alice', 'x').sendOnce();
    expect(challengesOf(response).map((c) => c.algorithm)).toEqual(['MD5']);
    const phone = new Phone(fixed.registrar, 'alice', 'correct horse');
    expect((await phone.send()).status).toBe(200);

    const perClient = harness({
      algorithms: (request) =>
        request.header('User-Agent')?.startsWith('baresip') === true ? ['MD5'] : undefined,
    });
    const answers = await Promise.all([
      perClient.registrar.handleRegister(register(), SOURCE),
      perClient.registrar.handleRegister(register({ userAgent: 'baresip v1.0.0' }), SOURCE),
    ]);
    expect(answers.map((r) => challengesOf(r).map((c) => c.algorithm))).toEqual([
      ['SHA-256', 'MD5'],
      ['MD5'],
    ]);
    expect(() => harness({ algorithms: ['SHA-512-256'] })).toThrow(RangeError);
  });

  it('forbids registering an AOR that is not the user’s own', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    const response = await phone.send({ toUser: 'bob' });
    expect(response.status).toBe(403);
    expect(h.store.size).toBe(0);
  });

  it('refuses a digest-uri that is not the Request-URI', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    await phone.send();
    phone.cseq += 1;
    const request = register({ callId: phone.callId, cseq: phone.cseq });
    let signed = request;
    for (const { name, value } of phone.session.authorize('REGISTER', 'sip:other.example.org')) {
      signed = signed.withAddedHeader(name, value);
    }
    expect((await h.registrar.handleRegister(signed, SOURCE)).status).toBe(400);
  });
});

describe('Registrar: request checks', () => {
  it('answers 404 for a domain it does not serve, in the Request-URI or the To', async () => {
    const h = harness();
    const foreign = await h.registrar.handleRegister(
      register({ requestUri: 'sip:elsewhere.example' }),
      SOURCE,
    );
    expect(foreign.status).toBe(404);
    const tel = await h.registrar.handleRegister(register({ requestUri: 'tel:+15551234' }), SOURCE);
    expect(tel.status).toBe(416);
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    await phone.send();
    phone.cseq += 1;
    const request = phone.sign(
      register({ callId: phone.callId, cseq: phone.cseq }).withHeader(
        'To',
        '<sip:alice@elsewhere.example>',
      ),
    );
    expect((await h.registrar.handleRegister(request, SOURCE)).status).toBe(404);
  });

  it('answers 420 with Unsupported for an unknown Require option-tag, before authenticating', async () => {
    const h = harness();
    const response = await h.registrar.handleRegister(
      register({ headers: ['Require: path, gruu, foo'] }),
      SOURCE,
    );
    expect(response.status).toBe(420);
    expect(response.header('Unsupported')).toBe('gruu, foo');
    const path = await h.registrar.handleRegister(register({ headers: ['Require: path'] }), SOURCE);
    expect(path.status).toBe(401);
  });

  it('answers 400 for malformed Contact parameters, 405 for another method', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    await phone.send();
    for (const contact of [
      `<${ALICE_CONTACT}>;q=1.5`,
      `<${ALICE_CONTACT}>;expires=soon`,
      `<${ALICE_CONTACT}>;expires`,
      '<tel:+15551234>',
    ]) {
      expect((await phone.send({ contacts: [contact] })).status, contact).toBe(400);
    }
    const notRegister = register({ method: 'OPTIONS' });
    const response = await h.registrar.handleRegister(notRegister, SOURCE);
    expect(response.status).toBe(405);
    expect(response.header('Allow')).toBe('REGISTER');
  });

  it('answers 500 and reports to onError when the store fails', async () => {
    const h = harness();
    const failing = new Registrar({
      store: {
        list: () => Promise.reject(new Error('database down')),
        update: () => Promise.reject(new Error('database down')),
        purgeExpired: () => Promise.resolve(0),
      },
      clock: h.clock,
      authenticator: h.authenticator,
      credentials: (username) =>
        Promise.resolve(username === 'alice' ? { password: 'pw' } : undefined),
      servesDomain: () => true,
      onError: (error) => h.errors.push(error),
    });
    const phone = new Phone(failing, 'alice', 'pw');
    expect((await phone.send()).status).toBe(500);
    expect(h.errors).toHaveLength(1);
  });
});

describe('helpers', () => {
  it('canonicalAor drops parameters and normalises case and escapes', () => {
    const uri = parseUri('sips:%61lice@Example.ORG;transport=tcp;user=phone?subject=x');
    if (uri.kind !== 'sip') throw new Error('expected a SIP URI');
    expect(canonicalAor(uri)).toBe('sip:alice@example.org');
  });

  it('defaultLimiterKey counts IPv6 sources by /64', () => {
    const key = (host: string): string => defaultLimiterKey({ ...SOURCE, host });
    expect(key('192.0.2.1')).toBe('192.0.2.1');
    expect(key('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(key('2001:DB8:0:1:ffff::9')).toBe(key('2001:db8::1:0:0:0:1'));
    expect(key('::1')).toBe('0:0:0:0::/64');
    expect(key('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(key('not:an:address:::')).toBe('not:an:address:::');
  });

  it('rejects inconsistent expiry options', () => {
    expect(() => harness({ minExpires: 4000, maxExpires: 8000 })).toThrow(RangeError);
    expect(() => harness({ minExpires: 600, maxExpires: 300 })).toThrow(RangeError);
    expect(() => harness({ defaultExpires: 10 })).toThrow(RangeError);
  });
});

describe('Registrar with a DigestSession', () => {
  it('accepts refreshes that reuse the nonce with increasing nc', async () => {
    const h = harness();
    const phone = new Phone(h.registrar, 'alice', 'correct horse');
    await phone.send();
    expect((await phone.sendOnce()).status).toBe(200);
    expect((await phone.sendOnce()).status).toBe(200);
    expect(phone.responses.map((r) => r.status)).toEqual([401, 200, 200, 200]);
  });
});
