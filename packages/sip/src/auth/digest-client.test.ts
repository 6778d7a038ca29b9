import { describe, expect, it } from 'vitest';
import { authorize, DigestClientError, DigestSession, selectChallenge } from './digest-client.js';
import { parseCredentials, type DigestCredentials } from './digest-header.js';
import { DigestAuthenticator, type CredentialLookup } from './digest-server.js';

function read(value: string): DigestCredentials {
  const parsed = parseCredentials(value);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

function clientError(run: () => unknown): DigestClientError {
  try {
    run();
  } catch (error) {
    if (error instanceof DigestClientError) return error;
    throw error;
  }
  throw new Error('expected a DigestClientError');
}

// RFC 7616 §3.9.1.
const RFC7616 = (algorithm: string): string =>
  `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, ` +
  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", ' +
  'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
const RFC7616_REQUEST = {
  method: 'GET',
  uri: '/dir/index.html',
  username: 'Mufasa',
  password: 'Circle of Life',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  nc: 1,
};

describe('authorize', () => {
  it('answers the RFC 7616 §3.9.1 SHA-256 challenge with the RFC credentials', () => {
    const credentials = read(authorize({ challenge: RFC7616('SHA-256'), ...RFC7616_REQUEST }));
    expect(credentials).toMatchObject({
      username: 'Mufasa',
      realm: 'http-auth@example.org',
      uri: '/dir/index.html',
      algorithm: 'SHA-256',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      nc: '00000001',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
      qop: 'auth',
      response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
    });
  });

  it('answers the RFC 7616 §3.9.1 MD5 challenge with the RFC response', () => {
    const credentials = read(authorize({ challenge: RFC7616('MD5'), ...RFC7616_REQUEST }));
    expect(credentials.response).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(credentials.algorithm).toBe('MD5');
  });

  it('answers the RFC 2617 §3.5 challenge with the RFC credentials', () => {
    const value = authorize({
      challenge:
        'Digest realm="testrealm@host.com", qop="auth,auth-int", ' +
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
      method: 'GET',
      uri: '/dir/index.html',
      username: 'Mufasa',
      password: 'Circle Of Life',
      cnonce: '0a4f113b',
      nc: 1,
    });
    expect(read(value)).toMatchObject({
      response: '6629fae49393a05397450978507c4ef1',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
      algorithm: undefined,
    });
  });

  it('falls back to RFC 2069 when no qop is offered: no cnonce, no nc', () => {
    const value = authorize({
      challenge: 'Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"',
      method: 'GET',
      uri: '/dir/index.html',
      username: 'Mufasa',
      password: 'Circle Of Life',
    });
    const credentials = read(value);
    expect(credentials.response).toBe('670fd8c2df070c60b045671b8b24ff02');
    expect(credentials.qop).toBeUndefined();
    expect(credentials.nc).toBeUndefined();
    expect(credentials.cnonce).toBeUndefined();
  });

  it('chooses the strongest algorithm offered, whatever the order', () => {
    expect(
      read(authorize({ challenge: [RFC7616('MD5'), RFC7616('SHA-256')], ...RFC7616_REQUEST }))
        .algorithm,
    ).toBe('SHA-256');
    const oneValue = `${RFC7616('MD5')}, ${RFC7616('SHA-512-256')}, ${RFC7616('SHA-256')}`;
    expect(read(authorize({ challenge: oneValue, ...RFC7616_REQUEST })).algorithm).toBe(
      'SHA-512-256',
    );
    // An algorithm it does not know is skipped, not fatal (RFC 8760 §2.4).
    expect(
      read(authorize({ challenge: [RFC7616('AKAv1-MD5'), RFC7616('MD5')], ...RFC7616_REQUEST }))
        .algorithm,
    ).toBe('MD5');
  });

  it('draws a new random cnonce each time unless given one', () => {
    const request = { ...RFC7616_REQUEST, cnonce: undefined };
    const a = read(authorize({ challenge: RFC7616('SHA-256'), ...request }));
    const b = read(authorize({ challenge: RFC7616('SHA-256'), ...request }));
    expect(a.cnonce).toMatch(/^[0-9a-f]{24}$/);
    expect(a.cnonce).not.toBe(b.cnonce);
  });

  it('throws a typed error when nothing can be answered', () => {
    expect(clientError(() => authorize({ challenge: 'garbage "', ...RFC7616_REQUEST })).code).toBe(
      'malformed-challenge',
    );
    expect(clientError(() => authorize({ challenge: [], ...RFC7616_REQUEST })).code).toBe(
      'malformed-challenge',
    );
    expect(
      clientError(() => authorize({ challenge: RFC7616('AKAv1-MD5'), ...RFC7616_REQUEST })).code,
    ).toBe('no-usable-challenge');
    const onlyUnknownQop = 'Digest realm="r", nonce="n", qop="auth-conf"';
    expect(
      clientError(() => authorize({ challenge: onlyUnknownQop, ...RFC7616_REQUEST })).code,
    ).toBe('no-usable-challenge');
    expect(
      clientError(() => authorize({ challenge: RFC7616('MD5'), ...RFC7616_REQUEST, nc: 0 })).code,
    ).toBe('bad-input');
    expect(
      clientError(() =>
        authorize({ challenge: RFC7616('MD5'), ...RFC7616_REQUEST, username: 'a\r\nVia: x' }),
      ).code,
    ).toBe('bad-input');
  });

  it('selectChallenge reports the choice without building credentials', () => {
    const chosen = selectChallenge([RFC7616('MD5'), RFC7616('SHA-256')]);
    expect(chosen).not.toBeInstanceOf(DigestClientError);
    expect(chosen).toMatchObject({ algorithm: 'SHA-256', qop: 'auth' });
  });
});

class FakeClock {
  t = 1_750_000_000_000;
  now(): number {
    return this.t;
  }
}

const lookup: CredentialLookup = (username) =>
  Promise.resolve(username === 'trunk-user' ? { password: 's3cret' } : undefined);

describe('DigestSession', () => {
  function registrar(options: { nonceTtlMs?: number; realm?: string } = {}) {
    const clock = new FakeClock();
    const server = new DigestAuthenticator({
      realm: options.realm ?? 'carrier.example',
      secret: Buffer.alloc(32, 1),
      clock,
      nonceTtlMs: options.nonceTtlMs ?? 60_000,
    });
    return { clock, server };
  }

  it('answers a challenge, then counts nc on the same nonce for later requests', async () => {
    const { server } = registrar();
    const session = new DigestSession({ username: 'trunk-user', password: 's3cret' });
    expect(session.authorize('REGISTER', 'sip:carrier.example')).toEqual([]);
    expect(session.handleChallenge('WWW-Authenticate', server.challenge())).toBe(true);
    for (const expectedNc of ['00000001', '00000002', '00000003']) {
      const [header] = session.authorize('REGISTER', 'sip:carrier.example');
      expect(header?.name).toBe('Authorization');
      expect(read(header!.value)).toMatchObject({ nc: expectedNc, algorithm: 'SHA-256' });
      const result = await server.verify({
        method: 'REGISTER',
        authorization: header!.value,
        lookup,
      });
      expect(result.status).toBe('ok');
    }
  });

  it('retries after stale=true with the new nonce, from nc=1', async () => {
    const { server, clock } = registrar({ nonceTtlMs: 1_000 });
    const session = new DigestSession({ username: 'trunk-user', password: 's3cret' });
    session.handleChallenge('WWW-Authenticate', server.challenge());
    session.authorize('REGISTER', 'sip:carrier.example');
    clock.t += 5_000;
    const [late] = session.authorize('REGISTER', 'sip:carrier.example');
    expect(await server.verify({ method: 'REGISTER', authorization: late!.value, lookup })).toEqual(
      {
        status: 'stale',
        username: 'trunk-user',
      },
    );
    expect(session.handleChallenge('WWW-Authenticate', server.challenge({ stale: true }))).toBe(
      true,
    );
    const [fresh] = session.authorize('REGISTER', 'sip:carrier.example');
    expect(read(fresh!.value).nc).toBe('00000001');
    expect(
      (await server.verify({ method: 'REGISTER', authorization: fresh!.value, lookup })).status,
    ).toBe('ok');
  });

  it('gives up when the first answer to a nonce is challenged again without stale', () => {
    const { server } = registrar();
    const session = new DigestSession({ username: 'trunk-user', password: 'wrong' });
    expect(session.handleChallenge('WWW-Authenticate', server.challenge())).toBe(true);
    session.authorize('REGISTER', 'sip:carrier.example');
    expect(session.handleChallenge('WWW-Authenticate', server.challenge())).toBe(false);
  });

  it('retries once a nonce that served several requests is replaced without stale', () => {
    const { server } = registrar();
    const session = new DigestSession({ username: 'trunk-user', password: 's3cret' });
    session.handleChallenge('WWW-Authenticate', server.challenge());
    session.authorize('REGISTER', 'sip:carrier.example');
    session.authorize('REGISTER', 'sip:carrier.example');
    expect(session.handleChallenge('WWW-Authenticate', server.challenge())).toBe(true);
  });

  it('keeps one set of credentials per realm: a proxy and a registrar', () => {
    const proxy = registrar({ realm: 'proxy.example' }).server;
    const { server } = registrar();
    const session = new DigestSession({ username: 'trunk-user', password: 's3cret' });
    session.handleChallenge('Proxy-Authenticate', proxy.challenge());
    session.handleChallenge('WWW-Authenticate', server.challenge());
    const headers = session.authorize('INVITE', 'sip:+15550100@carrier.example');
    expect(headers.map((h) => [h.name, read(h.value).realm])).toEqual([
      ['Proxy-Authorization', 'proxy.example'],
      ['Authorization', 'carrier.example'],
    ]);
  });

  it('answers only the realms it is allowed to', () => {
    const { server } = registrar({ realm: 'somewhere.else' });
    const session = new DigestSession({
      username: 'trunk-user',
      password: 's3cret',
      realms: ['carrier.example'],
    });
    expect(session.handleChallenge('WWW-Authenticate', server.challenge())).toBe(false);
    expect(session.authorize('INVITE', 'sip:x@somewhere.else')).toEqual([]);
  });

  it('ignores unreadable challenge values beside good ones', () => {
    const { server } = registrar();
    const session = new DigestSession({ username: 'trunk-user', password: 's3cret' });
    expect(
      session.handleChallenge('WWW-Authenticate', ['Digest realm="x', ...server.challenge()]),
    ).toBe(true);
    session.clear();
    expect(session.authorize('REGISTER', 'sip:carrier.example')).toEqual([]);
  });
});
