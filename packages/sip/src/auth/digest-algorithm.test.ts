import { describe, expect, it } from 'vitest';
import {
  computeDigestResponse,
  computeHa1,
  formatNonceCount,
  parseDigestAlgorithm,
  type DigestAlgorithm,
} from './digest-algorithm.js';

// RFC 7616 §3.9.1 (password "Circle of Life" with a lower-case "of": erratum 4495).
const RFC7616 = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  nc: '00000001',
};

// RFC 2617 §3.5 (password "Circle Of Life").
const RFC2617 = {
  username: 'Mufasa',
  password: 'Circle Of Life',
  realm: 'testrealm@host.com',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
  cnonce: '0a4f113b',
  nc: '00000001',
};

function rfc7616Response(algorithm: DigestAlgorithm): string {
  return computeDigestResponse({
    algorithm,
    ha1: computeHa1(algorithm, RFC7616.username, RFC7616.realm, RFC7616.password),
    nonce: RFC7616.nonce,
    method: RFC7616.method,
    uri: RFC7616.uri,
    qop: 'auth',
    cnonce: RFC7616.cnonce,
    nc: RFC7616.nc,
  });
}

describe('computeDigestResponse', () => {
  it('gives the RFC 7616 §3.9.1 MD5 response', () => {
    expect(rfc7616Response('MD5')).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('gives the RFC 7616 §3.9.1 SHA-256 response', () => {
    expect(rfc7616Response('SHA-256')).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('gives the RFC 2617 §3.5 response (qop=auth)', () => {
    const ha1 = computeHa1('MD5', RFC2617.username, RFC2617.realm, RFC2617.password);
    const response = computeDigestResponse({ algorithm: 'MD5', ha1, ...RFC2617, qop: 'auth' });
    expect(response).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('gives the RFC 2069 response when there is no qop', () => {
    const ha1 = computeHa1('MD5', RFC2617.username, RFC2617.realm, RFC2617.password);
    const response = computeDigestResponse({
      algorithm: 'MD5',
      ha1,
      nonce: RFC2617.nonce,
      method: RFC2617.method,
      uri: RFC2617.uri,
    });
    // Computed independently with Python's hashlib: MD5(HA1:nonce:HA2).
    expect(response).toBe('670fd8c2df070c60b045671b8b24ff02');
  });

  it('hashes SHA-512-256 with SHA-512/256, not SHA-256', () => {
    // The inputs of curl's test 2062. Expected value computed independently with Python's
    // hashlib.new('sha512_256'); curl before 8.8 hashed this algorithm with SHA-256 and
    // printed 2af735ec..., which is what SHA-256 gives for these inputs.
    const input = { nonce: '1053604145', method: 'GET', uri: '/2062' };
    const response = (algorithm: DigestAlgorithm): string =>
      computeDigestResponse({
        algorithm,
        ha1: computeHa1(algorithm, 'testuser', 'testrealm', 'testpass'),
        ...input,
      });
    expect(response('SHA-512-256')).toBe(
      '9d3256ee6526ec40dd48743bb48e51ee9baba587c78f15c3a86166242150af98',
    );
    expect(response('SHA-256')).toBe(
      '2af735ec3508f4dff99248ffbbe9de9002bfd7cc770cfa2b026cb334042a54e3',
    );
  });

  it('binds -sess responses to the cnonce and auth-int responses to the body', () => {
    const ha1 = computeHa1('SHA-256', 'u', 'r', 'p');
    const base = { ha1, nonce: 'n', method: 'REGISTER', uri: 'sip:r', nc: '00000001' };
    const sess = (cnonce: string): string =>
      computeDigestResponse({ ...base, algorithm: 'SHA-256-sess', qop: 'auth', cnonce });
    expect(sess('a')).not.toBe(sess('b'));
    expect(sess('a')).not.toBe(
      computeDigestResponse({ ...base, algorithm: 'SHA-256', qop: 'auth', cnonce: 'a' }),
    );
    const authInt = (bodyHash: string): string =>
      computeDigestResponse({
        ...base,
        algorithm: 'SHA-256',
        qop: 'auth-int',
        cnonce: 'a',
        bodyHash,
      });
    expect(authInt('00')).not.toBe(authInt('11'));
  });
});

describe('parseDigestAlgorithm', () => {
  it('reads names case-insensitively, defaults to MD5, and knows nothing else', () => {
    expect(parseDigestAlgorithm(undefined)).toBe('MD5');
    expect(parseDigestAlgorithm('sha-256')).toBe('SHA-256');
    expect(parseDigestAlgorithm('SHA-512-256-SESS')).toBe('SHA-512-256-sess');
    expect(parseDigestAlgorithm('AKAv1-MD5')).toBeUndefined();
    expect(parseDigestAlgorithm('')).toBeUndefined();
  });
});

describe('formatNonceCount', () => {
  it('writes 8 lower-case hex digits and refuses counts out of range', () => {
    expect(formatNonceCount(1)).toBe('00000001');
    expect(formatNonceCount(0xabc)).toBe('00000abc');
    expect(formatNonceCount(0xffffffff)).toBe('ffffffff');
    expect(() => formatNonceCount(0)).toThrow(RangeError);
    expect(() => formatNonceCount(2 ** 32)).toThrow(RangeError);
    expect(() => formatNonceCount(1.5)).toThrow(RangeError);
  });
});
