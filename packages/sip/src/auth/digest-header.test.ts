import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AuthHeaderFormatError,
  formatChallenge,
  formatCredentials,
  MAX_AUTH_HEADER_LENGTH,
  parseChallenges,
  parseCredentials,
  type AuthHeaderResult,
  type DigestChallenge,
  type DigestCredentials,
} from './digest-header.js';

function ok<T>(result: AuthHeaderResult<T>): T {
  if (!result.ok)
    throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function errorCode<T>(result: AuthHeaderResult<T>): string {
  if (result.ok) throw new Error('expected an error');
  expect(result.error.status).toBe(400);
  return result.error.code;
}

// RFC 7616 §3.9.1, the challenge as the RFC prints it (one field per line, folded).
const RFC7616_CHALLENGE =
  'Digest\r\n    realm="http-auth@example.org",\r\n    qop="auth, auth-int",\r\n' +
  '    algorithm=SHA-256,\r\n    nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",\r\n' +
  '    opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';

describe('parseChallenges', () => {
  it('reads the RFC 7616 challenge, folded lines included', () => {
    const [challenge] = ok(parseChallenges(RFC7616_CHALLENGE));
    expect(challenge).toMatchObject({
      realm: 'http-auth@example.org',
      qop: ['auth', 'auth-int'],
      algorithm: 'SHA-256',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
    });
    expect(challenge?.stale).toBeUndefined();
  });

  it('takes names in any case and order, tokens or quoted values, and keeps unknown params', () => {
    const [challenge] = ok(
      parseChallenges(
        'digest NONCE=abc ,Realm = "a \\"b\\" \\\\c", Stale=TRUE, ALGORITHM="md5", qop=auth, x-vendor="v 1", y=tok',
      ),
    );
    expect(challenge).toMatchObject({
      realm: 'a "b" \\c',
      nonce: 'abc',
      stale: true,
      algorithm: 'md5',
      qop: ['auth'],
      extra: [
        { name: 'x-vendor', value: 'v 1', quoted: true },
        { name: 'y', value: 'tok', quoted: false },
      ],
    });
  });

  it('reads several challenges in one value and skips other schemes', () => {
    const challenges = ok(
      parseChallenges(
        'Basic realm="basic", Digest realm="r", nonce="n1", algorithm=SHA-256, ' +
          'Bearer abc.def==, Digest realm="r", nonce="n2", algorithm=MD5,, Negotiate',
      ),
    );
    expect(challenges.map((c) => [c.nonce, c.algorithm])).toEqual([
      ['n1', 'SHA-256'],
      ['n2', 'MD5'],
    ]);
  });

  it('reads stale=FALSE and an empty opaque as real servers send them', () => {
    const [challenge] = ok(
      parseChallenges(
        'Digest realm="atlanta.com", domain="sip:boxesbybob.com", qop="auth", ' +
          'nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5',
      ),
    );
    expect(challenge).toMatchObject({ stale: false, opaque: '', domain: 'sip:boxesbybob.com' });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['Basic realm="x"', 'not-digest'],
    ['Digest nonce="n"', 'missing-param'],
    ['Digest realm="r"', 'missing-param'],
    ['Digest realm="r", realm="s", nonce="n"', 'duplicate-param'],
    ['Digest realm="r", REALM="s", nonce="n"', 'duplicate-param'],
    ['Digest realm="unterminated, nonce="n', 'syntax'],
    ['Digest realm="r" nonce="n"', 'syntax'],
    ['Digest realm=, nonce="n"', 'syntax'],
    ['Digest realm="r",nonce', 'missing-param'],
    ['Digest realm="a\r\nb", nonce="n"', 'syntax'],
    ['Digest realm="a\u0000", nonce="n"', 'syntax'],
    ['Digest realm="a\\', 'syntax'],
    ['Digest="r"', 'syntax'],
    ['"Digest" realm="r"', 'syntax'],
    ['Digest abc', 'syntax'],
  ])('refuses %j (%s)', (value, code) => {
    expect(errorCode(parseChallenges(value))).toBe(code);
  });

  it('refuses overlong values and too many parameters before doing much', () => {
    const long = `Digest realm="${'r'.repeat(MAX_AUTH_HEADER_LENGTH)}", nonce="n"`;
    expect(errorCode(parseChallenges(long))).toBe('too-long');
    const many = `Digest realm="r", nonce="n", ${Array.from({ length: 80 }, (_, i) => `p${i}=1`).join(', ')}`;
    expect(errorCode(parseChallenges(many))).toBe('too-many');
  });

  it('round-trips through formatChallenge', () => {
    const challenge: DigestChallenge = {
      realm: 'sip "example" \\ org',
      nonce: 'abc/def+==',
      algorithm: 'SHA-256',
      qop: ['auth', 'auth-int'],
      opaque: 'o',
      stale: true,
      domain: 'sip:example.org sip:other.org',
      charset: 'UTF-8',
      userhash: false,
      extra: [
        { name: 'x-one', value: 'tok', quoted: false },
        { name: 'x-two', value: 'needs quoting', quoted: false },
      ],
    };
    const written = formatChallenge(challenge);
    const [read] = ok(parseChallenges(written));
    expect(read).toEqual({
      ...challenge,
      extra: [
        { name: 'x-one', value: 'tok', quoted: false },
        { name: 'x-two', value: 'needs quoting', quoted: true },
      ],
    });
  });

  it('refuses to write a value that would split the header', () => {
    expect(() => formatChallenge({ realm: 'a\r\nVia: evil', nonce: 'n' })).toThrow(
      AuthHeaderFormatError,
    );
    expect(() => formatChallenge({ realm: 'r', nonce: 'n', algorithm: 'SHA 256' })).toThrow(
      AuthHeaderFormatError,
    );
  });
});

describe('parseCredentials', () => {
  // RFC 2617 §3.5.
  const RFC2617_AUTHORIZATION =
    'Digest username="Mufasa",\r\n realm="testrealm@host.com",\r\n' +
    ' nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",\r\n uri="/dir/index.html",\r\n' +
    ' qop=auth,\r\n nc=00000001,\r\n cnonce="0a4f113b",\r\n' +
    ' response="6629fae49393a05397450978507c4ef1",\r\n opaque="5ccc069c403ebaf9f0171e9517f40e41"';

  it('reads the RFC 2617 example', () => {
    expect(ok(parseCredentials(RFC2617_AUTHORIZATION))).toMatchObject({
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
      response: '6629fae49393a05397450978507c4ef1',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
    });
  });

  it('accepts quoted algorithm and qop as some clients send them', () => {
    const credentials = ok(
      parseCredentials(
        'Digest username="u", realm="r", nonce="n", uri="sip:r", response="x", ' +
          'algorithm="SHA-256", qop="auth", nc=0000000A, cnonce="c"',
      ),
    );
    expect(credentials).toMatchObject({ algorithm: 'SHA-256', qop: 'auth', nc: '0000000A' });
  });

  it.each([
    ['Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', 'not-digest'],
    ['Digest realm="r", nonce="n", uri="u", response="x"', 'missing-param'],
    ['Digest username="u", realm="r", nonce="n", uri="u"', 'missing-param'],
    ['Digest username="u", realm="r", nonce="n", uri="u", response="x", qop=auth', 'missing-param'],
    [
      'Digest username="u", realm="r", nonce="n", uri="u", response="x", qop=auth, cnonce="c", nc=1',
      'bad-value',
    ],
    [
      'Digest username="u", realm="r", nonce="n", uri="u", response="x", Digest username="v"',
      'syntax',
    ],
    [
      'Digest username="u", username="v", realm="r", nonce="n", uri="u", response="x"',
      'duplicate-param',
    ],
  ])('refuses %j (%s)', (value, code) => {
    expect(errorCode(parseCredentials(value))).toBe(code);
  });

  it('round-trips through formatCredentials', () => {
    const credentials: DigestCredentials = {
      username: 'al"ice\\',
      realm: 'example.org',
      nonce: 'n',
      uri: 'sip:example.org;transport=tcp',
      response: 'abc123',
      algorithm: 'SHA-256',
      cnonce: 'c',
      opaque: 'o',
      qop: 'auth',
      nc: '0000001f',
      userhash: false,
      extra: [{ name: 'x', value: 'y', quoted: true }],
    };
    expect(ok(parseCredentials(formatCredentials(credentials)))).toEqual(credentials);
  });
});

describe('parsers under fuzzing', () => {
  const digestish = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
    // Shuffled pieces of real headers reach deeper into the grammar than random text.
    fc
      .array(
        fc.constantFrom(
          'Digest',
          'Basic',
          ' ',
          '\t',
          ',',
          '=',
          '"',
          '\\',
          '\r\n ',
          '\r',
          'realm',
          'nonce',
          'qop',
          'nc',
          '00000001',
          'auth',
          '"auth,auth-int"',
          'username',
          'response',
          'uri',
          'cnonce',
          'algorithm',
          'SHA-256',
          'abc==',
          '\u0000',
          'é',
        ),
        { maxLength: 40 },
      )
      .map((parts) => parts.join('')),
  );

  it('never throw, and every error names a code and status 400', () => {
    fc.assert(
      fc.property(digestish, (value) => {
        for (const result of [parseChallenges(value), parseCredentials(value)]) {
          if (!result.ok) {
            expect(result.error.status).toBe(400);
            expect(result.error.message.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('read back what the formatters write, for any printable values', () => {
    // Printable values: no control character other than a tab.
    const printable = (s: string): boolean => {
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
      }
      return true;
    };
    const text = fc.string({ minLength: 1, maxLength: 40 }).filter(printable);
    fc.assert(
      fc.property(text, text, text, (realm, nonce, opaque) => {
        const [read] = ok(parseChallenges(formatChallenge({ realm, nonce, opaque })));
        expect(read).toMatchObject({ realm, nonce, opaque });
      }),
      { numRuns: 500 },
    );
  });
});
