import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { computeHa1, type DigestAlgorithm } from './digest-algorithm.js';
import { authorize } from './digest-client.js';
import { formatCredentials, parseChallenges, parseCredentials } from './digest-header.js';
import {
  DigestAuthenticator,
  type CredentialLookup,
  type DigestAuthenticatorOptions,
} from './digest-server.js';

const REALM = 'sip.example.org';
const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const URI = 'sip:sip.example.org';

class FakeClock {
  constructor(public t = 1_750_000_000_000) {}
  now(): number {
    return this.t;
  }
}

const users = new Map([
  ['alice', 'correct horse'],
  ['bob', 'battery staple'],
]);

const lookup: CredentialLookup = (username) => {
  const password = users.get(username);
  return Promise.resolve(password === undefined ? undefined : { password });
};

function setup(options: Partial<DigestAuthenticatorOptions> = {}): {
  clock: FakeClock;
  auth: DigestAuthenticator;
} {
  const clock = new FakeClock();
  const auth = new DigestAuthenticator({ realm: REALM, secret: SECRET, clock, ...options });
  return { clock, auth };
}

function answer(
  challenge: string | readonly string[],
  extra: { username?: string; password?: string; nc?: number; method?: string } = {},
): string {
  return authorize({
    challenge,
    method: extra.method ?? 'REGISTER',
    uri: URI,
    username: extra.username ?? 'alice',
    password: extra.password ?? 'correct horse',
    nc: extra.nc ?? 1,
  });
}

/** Rewrites one field of an Authorization value. */
function withField(authorization: string, field: string, value: string): string {
  const parsed = parseCredentials(authorization);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return formatCredentials({ ...parsed.value, [field]: value });
}

describe('DigestAuthenticator.challenge', () => {
  it('offers one challenge per algorithm, SHA-256 first, sharing a fresh nonce', () => {
    const { auth } = setup();
    const values = auth.challenge();
    expect(values).toHaveLength(2);
    const parsed = values.map((value) => {
      const result = parseChallenges(value);
      if (!result.ok) throw new Error(result.error.message);
      return result.value[0];
    });
    expect(parsed.map((c) => c?.algorithm)).toEqual(['SHA-256', 'MD5']);
    expect(parsed.every((c) => c?.realm === REALM && c.qop?.join() === 'auth')).toBe(true);
    expect(new Set(parsed.map((c) => c?.nonce)).size).toBe(1);
    expect(parsed[0]?.stale).toBeUndefined();
    // Two challenges in the same millisecond still get different nonces.
    expect(auth.challenge()[0]).not.toBe(values[0]);
  });

  it('says stale=true when asked, and carries opaque', () => {
    const { auth } = setup({ opaque: 'op-1' });
    const [value] = auth.challenge({ stale: true });
    expect(value).toContain('stale=true');
    expect(value).toContain('opaque="op-1"');
  });

  it('narrows the offer for one response when asked, within the configured algorithms', async () => {
    const { auth } = setup();
    const values = auth.challenge({ algorithms: ['MD5'] });
    expect(values).toHaveLength(1);
    expect(values[0]).toContain('algorithm=MD5');
    const result = await auth.verify({ method: 'REGISTER', authorization: answer(values), lookup });
    expect(result).toMatchObject({ status: 'ok', algorithm: 'MD5' });
    expect(() => auth.challenge({ algorithms: ['SHA-512-256'] })).toThrow(RangeError);
    expect(() => auth.challenge({ algorithms: [] })).toThrow(RangeError);
  });

  it('refuses bad options with a clear error', () => {
    const clock = new FakeClock();
    expect(() => new DigestAuthenticator({ realm: REALM, secret: Buffer.alloc(8), clock })).toThrow(
      /secret/,
    );
    expect(() => new DigestAuthenticator({ realm: '', secret: SECRET, clock })).toThrow(/realm/);
    expect(() => new DigestAuthenticator({ realm: 'a\r\nb', secret: SECRET, clock })).toThrow(
      /realm/,
    );
    expect(
      () => new DigestAuthenticator({ realm: REALM, secret: SECRET, clock, algorithms: [] }),
    ).toThrow(/algorithms/);
    expect(
      () =>
        new DigestAuthenticator({
          realm: REALM,
          secret: SECRET,
          clock,
          algorithms: ['MD5', 'MD5'],
        }),
    ).toThrow(/repeat/);
    expect(
      () => new DigestAuthenticator({ realm: REALM, secret: SECRET, clock, nonceTtlMs: 0 }),
    ).toThrow(/nonceTtlMs/);
  });
});

describe('DigestAuthenticator.verify round trips with the client', () => {
  it.each<DigestAlgorithm>(['SHA-256', 'MD5', 'SHA-512-256', 'SHA-256-sess', 'MD5-sess'])(
    'accepts %s credentials built by authorize()',
    async (algorithm) => {
      const { auth } = setup({ algorithms: [algorithm] });
      const result = await auth.verify({
        method: 'REGISTER',
        authorization: answer(auth.challenge()),
        lookup,
      });
      expect(result).toEqual({ status: 'ok', username: 'alice', algorithm, uri: URI, qop: 'auth' });
    },
  );

  it('gets SHA-256 from a client offered both, and MD5 from one answering only MD5', async () => {
    const { auth } = setup();
    const [sha, md5] = auth.challenge();
    const both = await auth.verify({
      method: 'INVITE',
      authorization: answer([md5!, sha!], { method: 'INVITE' }),
      lookup,
    });
    expect(both).toMatchObject({ status: 'ok', algorithm: 'SHA-256' });
    const old = await auth.verify({ method: 'REGISTER', authorization: answer(md5!), lookup });
    expect(old).toMatchObject({ status: 'ok', algorithm: 'MD5' });
  });

  it('accepts a stored HA1 of the right algorithm, not one of another', async () => {
    const { auth } = setup();
    const authorization = answer(auth.challenge()[0]!);
    const ha1Lookup =
      (hashWith: DigestAlgorithm): CredentialLookup =>
      (username, realm) =>
        Promise.resolve({ ha1: computeHa1(hashWith, username, realm, 'correct horse') });
    expect(
      await auth.verify({ method: 'REGISTER', authorization, lookup: ha1Lookup('SHA-256') }),
    ).toMatchObject({ status: 'ok' });
    const again = answer(auth.challenge()[0]!);
    expect(
      await auth.verify({ method: 'REGISTER', authorization: again, lookup: ha1Lookup('MD5') }),
    ).toMatchObject({ status: 'fail', reason: 'credentials' });
  });

  it('accepts nonces issued by another instance holding the same secret', async () => {
    const { auth: a } = setup();
    const { auth: b } = setup();
    const result = await b.verify({
      method: 'REGISTER',
      authorization: answer(a.challenge()),
      lookup,
    });
    expect(result.status).toBe('ok');
  });

  it('fails a response computed for another method', async () => {
    const { auth } = setup();
    const authorization = answer(auth.challenge(), { method: 'REGISTER' });
    const result = await auth.verify({ method: 'INVITE', authorization, lookup });
    expect(result).toEqual({ status: 'fail', reason: 'credentials', username: 'alice' });
  });

  it('picks the credentials for its realm among several Authorization values', async () => {
    const { auth } = setup();
    const ours = answer(auth.challenge());
    const theirs = withField(ours, 'realm', 'proxy.example.net');
    const result = await auth.verify({
      method: 'REGISTER',
      authorization: ['garbage', theirs, ours],
      lookup,
    });
    expect(result.status).toBe('ok');
  });
});

describe('DigestAuthenticator.verify failures', () => {
  it('answers an unknown user exactly as a known user with a wrong password', async () => {
    const { auth } = setup();
    const spy = vi.fn(lookup);
    const unknown = await auth.verify({
      method: 'REGISTER',
      authorization: answer(auth.challenge(), { username: 'mallory', password: 'guess' }),
      lookup: spy,
    });
    const wrong = await auth.verify({
      method: 'REGISTER',
      authorization: answer(auth.challenge(), { username: 'mallory', password: 'guess' }),
      lookup: (_username, realm, algorithm) =>
        spy('alice', realm, algorithm).then(() => ({ password: 'not guess' })),
    });
    expect(unknown).toEqual({ status: 'fail', reason: 'credentials', username: 'mallory' });
    expect(wrong).toEqual(unknown);
    // Both went to the store: the unknown user was not turned away before the lookup.
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('answers stale for a right response to an expired nonce, and fail for a wrong one', async () => {
    const { auth, clock } = setup({ nonceTtlMs: 60_000 });
    const challenge = auth.challenge();
    clock.t += 60_001;
    expect(
      await auth.verify({ method: 'REGISTER', authorization: answer(challenge), lookup }),
    ).toEqual({
      status: 'stale',
      username: 'alice',
    });
    const wrong = answer(challenge, { password: 'nope' });
    expect(await auth.verify({ method: 'REGISTER', authorization: wrong, lookup })).toMatchObject({
      status: 'fail',
      reason: 'credentials',
    });
    const unknown = answer(challenge, { username: 'nobody', password: 'nope' });
    expect(await auth.verify({ method: 'REGISTER', authorization: unknown, lookup })).toMatchObject(
      {
        status: 'fail',
        reason: 'credentials',
      },
    );
  });

  it('fails tampered and foreign nonces before asking the store', async () => {
    const { auth } = setup();
    const spy = vi.fn(lookup);
    const good = answer(auth.challenge());
    const parsed = parseCredentials(good);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const nonce = parsed.value.nonce;
    const flipped = nonce.slice(0, 10) + (nonce[10] === 'A' ? 'B' : 'A') + nonce.slice(11);
    const otherSecret = new DigestAuthenticator({
      realm: REALM,
      secret: Buffer.alloc(32, 7),
      clock: new FakeClock(),
    });
    const otherRealm = new DigestAuthenticator({
      realm: 'other.example.org',
      secret: SECRET,
      clock: new FakeClock(),
    });
    const foreignNonce = (a: DigestAuthenticator): string => {
      const parsed = parseChallenges(a.challenge()[0]!);
      if (!parsed.ok) throw new Error('unreadable challenge');
      return parsed.value[0]!.nonce;
    };
    for (const bad of [flipped, foreignNonce(otherSecret), foreignNonce(otherRealm), 'short', '']) {
      const authorization = answer(
        `Digest realm="${REALM}", nonce="${bad}", algorithm=SHA-256, qop="auth"`,
      );
      const result = await auth.verify({ method: 'REGISTER', authorization, lookup: spy });
      expect(result).toMatchObject({ status: 'fail', reason: 'nonce' });
    }
    expect(spy).not.toHaveBeenCalled();
  });

  it('fails a reused nonce count as a replay, accepts counts that overtook each other', async () => {
    const { auth } = setup();
    const challenge = auth.challenge();
    const verifyNc = (nc: number) =>
      auth.verify({ method: 'REGISTER', authorization: answer(challenge, { nc }), lookup });
    expect((await verifyNc(1)).status).toBe('ok');
    expect(await verifyNc(1)).toEqual({ status: 'fail', reason: 'replay', username: 'alice' });
    expect((await verifyNc(3)).status).toBe('ok');
    // 2 arrives after 3 (two requests in flight): accepted once.
    expect((await verifyNc(2)).status).toBe('ok');
    expect(await verifyNc(2)).toMatchObject({ status: 'fail', reason: 'replay' });
    expect((await verifyNc(100)).status).toBe('ok');
    // Older than the 32-count window: refused even though never seen.
    expect(await verifyNc(50)).toMatchObject({ status: 'fail', reason: 'replay' });
    // The replayed value of another user with the same nonce is that user's own count.
    const bob = answer(challenge, { username: 'bob', password: 'battery staple', nc: 1 });
    expect((await auth.verify({ method: 'REGISTER', authorization: bob, lookup })).status).toBe(
      'ok',
    );
  });

  it('answers stale, not ok, for a count above 1 on a nonce it has no record of', async () => {
    const { auth } = setup({ maxTrackedNonces: 2 });
    const first = auth.challenge();
    expect(
      (await auth.verify({ method: 'REGISTER', authorization: answer(first), lookup })).status,
    ).toBe('ok');
    // Two newer nonces push the first out of the bounded table.
    for (let i = 0; i < 2; i++) {
      const result = await auth.verify({
        method: 'REGISTER',
        authorization: answer(auth.challenge()),
        lookup,
      });
      expect(result.status).toBe('ok');
    }
    const later = await auth.verify({
      method: 'REGISTER',
      authorization: answer(first, { nc: 2 }),
      lookup,
    });
    expect(later).toEqual({ status: 'stale', username: 'alice' });
  });

  it('fails credentials for another realm', async () => {
    const { auth } = setup();
    const authorization = withField(answer(auth.challenge()), 'realm', 'evil.example.com');
    expect(await auth.verify({ method: 'REGISTER', authorization, lookup })).toEqual({
      status: 'fail',
      reason: 'realm',
    });
  });

  it('fails an algorithm it did not offer', async () => {
    const { auth } = setup({ algorithms: ['SHA-256'] });
    const challenge = auth.challenge()[0]!.replace('algorithm=SHA-256', 'algorithm=MD5');
    const result = await auth.verify({
      method: 'REGISTER',
      authorization: answer(challenge),
      lookup,
    });
    expect(result).toMatchObject({ status: 'fail', reason: 'algorithm', username: 'alice' });
    const unknown = withField(answer(auth.challenge()), 'algorithm', 'AKAv1-MD5');
    expect(await auth.verify({ method: 'REGISTER', authorization: unknown, lookup })).toMatchObject(
      {
        status: 'fail',
        reason: 'algorithm',
      },
    );
  });

  it('refuses auth-int cleanly, and RFC 2069 credentials unless allowed', async () => {
    const { auth } = setup();
    const challenge = auth.challenge()[0]!.replace('qop="auth"', 'qop="auth-int"');
    const authInt = answer(challenge);
    expect(authInt).toContain('qop=auth-int');
    expect(await auth.verify({ method: 'REGISTER', authorization: authInt, lookup })).toMatchObject(
      {
        status: 'fail',
        reason: 'qop',
      },
    );
    const noQop = answer(auth.challenge()[0]!.replace(', qop="auth"', ''));
    expect(noQop).not.toContain('qop');
    expect(await auth.verify({ method: 'REGISTER', authorization: noQop, lookup })).toMatchObject({
      status: 'fail',
      reason: 'qop',
    });
  });

  it('takes RFC 2069 credentials when allowed, each nonce once', async () => {
    const { auth } = setup({ allowRfc2069: true });
    const noQop = answer(auth.challenge()[1]!.replace(', qop="auth"', ''));
    expect(await auth.verify({ method: 'REGISTER', authorization: noQop, lookup })).toMatchObject({
      status: 'ok',
      algorithm: 'MD5',
      qop: undefined,
    });
    expect(await auth.verify({ method: 'REGISTER', authorization: noQop, lookup })).toEqual({
      status: 'stale',
      username: 'alice',
    });
  });

  it('requires the opaque it sent', async () => {
    const { auth } = setup({ opaque: 'server-state' });
    const good = answer(auth.challenge());
    expect((await auth.verify({ method: 'REGISTER', authorization: good, lookup })).status).toBe(
      'ok',
    );
    const changed = withField(answer(auth.challenge()), 'opaque', 'other');
    expect(await auth.verify({ method: 'REGISTER', authorization: changed, lookup })).toMatchObject(
      {
        status: 'fail',
        reason: 'opaque',
      },
    );
  });

  it('fails malformed credentials and nc=0 without asking the store', async () => {
    const { auth } = setup();
    const spy = vi.fn(lookup);
    for (const authorization of ['', 'Digest', 'Basic YWxpY2U6eA==', 'Digest username="alice"']) {
      expect(await auth.verify({ method: 'REGISTER', authorization, lookup: spy })).toMatchObject({
        status: 'fail',
        reason: 'malformed',
      });
    }
    const zero = withField(answer(auth.challenge()), 'nc', '00000000');
    expect(
      await auth.verify({ method: 'REGISTER', authorization: zero, lookup: spy }),
    ).toMatchObject({
      status: 'fail',
      reason: 'malformed',
    });
    expect(spy).not.toHaveBeenCalled();
  });

  it('lets a store failure propagate rather than calling it a wrong password', async () => {
    const { auth } = setup();
    const broken: CredentialLookup = () => Promise.reject(new Error('database down'));
    await expect(
      auth.verify({ method: 'REGISTER', authorization: answer(auth.challenge()), lookup: broken }),
    ).rejects.toThrow('database down');
  });

  it('never throws for random Authorization values', async () => {
    const { auth } = setup();
    const valid = answer(auth.challenge());
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          // Mutations of a valid value: a slice replaced by random text.
          fc
            .tuple(fc.nat(valid.length), fc.nat(40), fc.string({ maxLength: 20 }))
            .map(([at, cut, text]) => valid.slice(0, at) + text + valid.slice(at + cut)),
        ),
        async (authorization) => {
          const result = await auth.verify({ method: 'REGISTER', authorization, lookup });
          expect(['ok', 'fail', 'stale']).toContain(result.status);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
