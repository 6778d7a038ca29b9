/**
 * Calls from our own phones: an INVITE that does not come from a trusted trunk must prove it
 * comes from one of our SIP devices with Digest (RFC 3261 §22.3, as a proxy: 407 with
 * Proxy-Authenticate, answered with Proxy-Authorization), or it is refused. Without this,
 * anyone on the internet could reach our users' numbers through us and, worse, reach the trunk
 * (toll fraud).
 */
import {
  type DigestAlgorithm,
  type DigestAuthenticator,
  type FailureLimiter,
  type HeaderField,
  type SipRequest,
} from '@switchboard/sip';
import type { SipDevice } from '../domain/model/index.js';
import type { DeviceRepository } from '../domain/ports/store.js';

export type InviteAuthResult =
  /** Credentials of this device were right: the call is from it. */
  | { readonly kind: 'device'; readonly device: SipDevice }
  /** No (usable) credentials yet: answer 407 with these headers. */
  | { readonly kind: 'challenge'; readonly headers: readonly HeaderField[] }
  /** Wrong credentials, or a source that kept failing: answer 403. */
  | { readonly kind: 'forbidden'; readonly reason: string };

export interface InviteAuthenticatorDeps {
  readonly authenticator: DigestAuthenticator;
  /** Shared with the registrar: a source guessing passwords is slowed and blocked for both. */
  readonly limiter: FailureLimiter;
  readonly devices: Pick<DeviceRepository, 'findBySipUsername'>;
  /** The limiter's key for a source address (the registrar's rule). */
  readonly limiterKey: (host: string) => string;
  /** The algorithms to challenge a request with; all of the authenticator's when undefined. */
  readonly algorithmsFor: (request: SipRequest) => readonly DigestAlgorithm[] | undefined;
  /** Waits the limiter's delay; a real timer by default. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export class InviteAuthenticator {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: InviteAuthenticatorDeps) {
    this.sleep =
      deps.sleep ??
      ((ms) =>
        new Promise((resolve) => {
          setTimeout(resolve, ms).unref();
        }));
  }

  /**
   * Checks the INVITE's Proxy-Authorization. Unknown users and wrong passwords get the same
   * answer (403), so scanners cannot tell accounts apart; a rejection of the device lookup
   * propagates (a store failure is no wrong password).
   */
  async authenticate(request: SipRequest, sourceHost: string): Promise<InviteAuthResult> {
    const { authenticator, limiter } = this.deps;
    const authorization = request.headerValues('Proxy-Authorization');
    if (authorization.length === 0) return this.challenge(request, false);
    const key = this.deps.limiterKey(sourceHost);
    const decision = limiter.begin(key);
    if (decision === 'block') return { kind: 'forbidden', reason: 'source blocked' };
    if (decision !== 'allow') await this.sleep(decision.delayMs);
    let device: SipDevice | undefined;
    let result;
    try {
      result = await authenticator.verify({
        method: 'INVITE',
        authorization,
        lookup: async (username) => {
          const found = await this.deps.devices.findBySipUsername(username);
          device = found?.kind === 'sip' ? found : undefined;
          return device === undefined ? undefined : { password: device.sipPassword };
        },
      });
    } catch (error) {
      limiter.release(key);
      throw error;
    }
    if (result.status === 'ok' && device !== undefined) {
      limiter.recordSuccess(key, result.username);
      return { kind: 'device', device };
    }
    if (result.status === 'stale') {
      limiter.release(key);
      return this.challenge(request, true);
    }
    if (result.status === 'fail' && isNoAttempt(result.reason)) {
      // Credentials for another realm, an old secret's nonce, an algorithm not offered: no
      // password was tried, so nothing is counted; a fresh challenge lets the phone try.
      limiter.release(key);
      return this.challenge(request, false);
    }
    limiter.recordFailure(key, result.status === 'fail' ? (result.username ?? '') : '');
    return { kind: 'forbidden', reason: result.status === 'fail' ? result.reason : 'credentials' };
  }

  private challenge(request: SipRequest, stale: boolean): InviteAuthResult {
    const algorithms = this.deps.algorithmsFor(request);
    const values = this.deps.authenticator.challenge({
      ...(stale ? { stale } : {}),
      ...(algorithms === undefined ? {} : { algorithms }),
    });
    return {
      kind: 'challenge',
      headers: values.map((value) => ({ name: 'Proxy-Authenticate', value })),
    };
  }
}

function isNoAttempt(reason: string): boolean {
  return reason === 'realm' || reason === 'nonce' || reason === 'algorithm';
}

/**
 * Digest algorithms for a request. SIPp 3.6 answers only the first challenge and knows only
 * MD5; baresip 1.0 gives up when any challenge names SHA-256 (packages/sip/README.md). Both are
 * recognised by what every request shows (User-Agent, never the account), and so is a request
 * with no User-Agent at all (SIPp's scenarios send none): they are offered MD5 alone. Everyone
 * else gets SHA-256 first, then MD5.
 */
export function digestAlgorithmsFor(request: SipRequest): readonly DigestAlgorithm[] {
  const userAgent = request.header('User-Agent');
  if (userAgent === undefined || /\b(baresip|sipp)\b/i.test(userAgent)) return ['MD5'];
  return ['SHA-256', 'MD5'];
}

/** The limiter's key: an IPv4 address as it is, an IPv6 address by its /64 (one subscriber). */
export function limiterKeyFor(host: string): string {
  if (!host.includes(':')) return host;
  const groups = expandIpv6(host);
  return groups === undefined ? host : `${groups.slice(0, 4).join(':')}::/64`;
}

function expandIpv6(address: string): string[] | undefined {
  const bare = address.replace(/^\[|\]$/g, '').split('%')[0] ?? '';
  const halves = bare.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' || halves[0] === undefined ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? (halves[1] ?? '').split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  return [...head, ...Array<string>(missing).fill('0'), ...tail].map((g) =>
    g.toLowerCase().replace(/^0+(?=.)/, ''),
  );
}
