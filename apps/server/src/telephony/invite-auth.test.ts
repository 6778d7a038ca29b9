import { authorize, DigestAuthenticator, FailureLimiter, type SipRequest } from '@switchboard/sip';
import { describe, expect, it } from 'vitest';
import type { SipDevice } from '../domain/model/index.js';
import { manualClock } from '../test-support/fixtures.js';
import { digestAlgorithmsFor, InviteAuthenticator, limiterKeyFor } from './invite-auth.js';
import { sipRequest } from './test-support/sip-request.js';

const desk: SipDevice = {
  kind: 'sip',
  id: 'desk',
  userId: 'alice',
  name: 'Desk',
  sipUsername: 'alice-desk',
  sipPassword: 'desk-secret',
  createdAt: 0,
  updatedAt: 0,
};

const URI = 'sip:+12025550100@192.0.2.9';

function setUp(maxFailures = 10) {
  const clock = manualClock();
  const authenticator = new DigestAuthenticator({
    realm: 'switchboard',
    secret: Buffer.from('a test secret of enough bytes'),
    clock,
  });
  const limiter = new FailureLimiter({
    clock,
    maxFailures,
    freeFailures: Math.min(3, maxFailures),
  });
  const auth = new InviteAuthenticator({
    authenticator,
    limiter,
    devices: {
      findBySipUsername: (username) =>
        Promise.resolve(username === desk.sipUsername ? desk : undefined),
    },
    limiterKey: limiterKeyFor,
    algorithmsFor: digestAlgorithmsFor,
    sleep: () => Promise.resolve(),
  });
  return { auth };
}

function invite(headers: string[] = [], userAgent = 'Acme Phone 2.0'): SipRequest {
  return sipRequest(`INVITE ${URI} SIP/2.0`, [
    'From: <sip:alice-desk@192.0.2.9>;tag=1',
    `To: <${URI}>`,
    `User-Agent: ${userAgent}`,
    ...headers,
  ]);
}

/** The request again, answering the 407's challenge with `password`. */
function answered(
  challenge: readonly string[],
  password: string,
  username = 'alice-desk',
): SipRequest {
  const header = authorize({ challenge, username, password, method: 'INVITE', uri: URI });
  return invite([`Proxy-Authorization: ${header}`]);
}

describe('InviteAuthenticator (Digest for INVITEs from our phones)', () => {
  it('challenges first (407 values, SHA-256 then MD5), then knows the device', async () => {
    const { auth } = setUp();
    const first = await auth.authenticate(invite(), '192.0.2.50');
    expect(first.kind).toBe('challenge');
    const values = first.kind === 'challenge' ? first.headers.map((h) => h.value) : [];
    expect(
      first.kind === 'challenge' && first.headers.every((h) => h.name === 'Proxy-Authenticate'),
    ).toBe(true);
    expect(values.map((v) => /algorithm=([\w-]+)/.exec(v)?.[1])).toEqual(['SHA-256', 'MD5']);

    const ok = await auth.authenticate(answered(values, 'desk-secret'), '192.0.2.50');
    expect(ok).toEqual({ kind: 'device', device: desk });
  });

  it('answers a wrong password and an unknown user alike (403), and blocks a guesser', async () => {
    const { auth } = setUp(2);
    const challenge = await auth.authenticate(invite(), '192.0.2.51');
    const values = challenge.kind === 'challenge' ? challenge.headers.map((h) => h.value) : [];
    const wrong = await auth.authenticate(answered(values, 'guess'), '192.0.2.51');
    const unknown = await auth.authenticate(answered(values, 'guess', 'nobody'), '192.0.2.51');
    expect(wrong).toEqual({ kind: 'forbidden', reason: 'credentials' });
    expect(unknown).toEqual({ kind: 'forbidden', reason: 'credentials' });
    // Blocked now: even the right password is refused from this source.
    const blocked = await auth.authenticate(answered(values, 'desk-secret'), '192.0.2.51');
    expect(blocked).toEqual({ kind: 'forbidden', reason: 'source blocked' });
    const elsewhere = await auth.authenticate(answered(values, 'desk-secret'), '192.0.2.52');
    expect(elsewhere.kind).toBe('device');
  });

  it('offers MD5 alone to SIPp, baresip and requests without a User-Agent', () => {
    expect(digestAlgorithmsFor(invite([], 'baresip v1.0.0 (x86_64/linux)'))).toEqual(['MD5']);
    expect(digestAlgorithmsFor(invite([], 'SIPp/3.6.1'))).toEqual(['MD5']);
    const bare = sipRequest(`INVITE ${URI} SIP/2.0`, ['From: <sip:a@b>;tag=1', `To: <${URI}>`]);
    expect(digestAlgorithmsFor(bare)).toEqual(['MD5']);
    expect(digestAlgorithmsFor(invite())).toEqual(['SHA-256', 'MD5']);
  });

  it('counts an IPv6 subscriber by its /64', () => {
    expect(limiterKeyFor('192.0.2.7')).toBe('192.0.2.7');
    expect(limiterKeyFor('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(limiterKeyFor('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(limiterKeyFor('[2001:DB8:0001:0002::1]')).toBe('2001:db8:1:2::/64');
  });
});
