/** Shared set-up of the registrar tests: a fake clock, accounts, REGISTER requests. */
import type { CredentialLookup } from '../../auth/digest-server.js';
import { DigestAuthenticator } from '../../auth/digest-server.js';
import { FailureLimiter, type FailureLimiterOptions } from '../../auth/failure-limiter.js';
import type { SipRequest } from '../../message/message.js';
import { parseMessage } from '../../message/parser.js';
import { InMemoryLocationStore, type BindingSource } from '../location-store.js';
import { Registrar, type RegistrarOptions } from '../registrar.js';

export const DOMAIN = 'example.org';
export const SOURCE: BindingSource = { transport: 'udp', host: '192.0.2.10', port: 5062 };

export class FakeClock {
  constructor(public t = 1_750_000_000_000) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export const ACCOUNTS = new Map([
  ['alice', 'correct horse'],
  ['bob', 'battery staple'],
]);

export const lookupAccount: CredentialLookup = (username) => {
  const password = ACCOUNTS.get(username);
  return Promise.resolve(password === undefined ? undefined : { password });
};

export interface Harness {
  readonly clock: FakeClock;
  readonly store: InMemoryLocationStore;
  readonly authenticator: DigestAuthenticator;
  readonly registrar: Registrar;
  readonly sleeps: number[];
  readonly errors: unknown[];
}

export function harness(
  options: Omit<Partial<RegistrarOptions>, 'limiter'> & {
    limiter?: Partial<FailureLimiterOptions> | false;
  } = {},
): Harness {
  const clock = new FakeClock();
  const store = new InMemoryLocationStore();
  const authenticator = new DigestAuthenticator({
    realm: DOMAIN,
    secret: Buffer.from('registrar-test-secret-0123456789'),
    clock,
  });
  const sleeps: number[] = [];
  const errors: unknown[] = [];
  const { limiter: limiterOptions, ...rest } = options;
  const limiter =
    limiterOptions === false ? undefined : new FailureLimiter({ clock, ...limiterOptions });
  const registrar = new Registrar({
    store,
    clock,
    authenticator,
    credentials: lookupAccount,
    ...(limiter === undefined ? {} : { limiter }),
    servesDomain: (host) => host === DOMAIN,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    onError: (error) => errors.push(error),
    ...rest,
  });
  return { clock, store, authenticator, registrar, sleeps, errors };
}

export interface RegisterInit {
  readonly user?: string;
  /** The To user when it differs from the From user (third-party registration). */
  readonly toUser?: string;
  readonly requestUri?: string;
  readonly callId?: string;
  readonly cseq?: number;
  /** Contact values, one field each; none for a query. */
  readonly contacts?: readonly string[];
  readonly expires?: number;
  readonly headers?: readonly string[];
  /** Default REGISTER (the CSeq method follows). */
  readonly method?: string;
  /** Default `Switchboard test phone/1.0`. */
  readonly userAgent?: string;
}

let branches = 0;

/** A parsed REGISTER (the parser's checks applied, as the transport would deliver it). */
export function register(init: RegisterInit = {}): SipRequest {
  const user = init.user ?? 'alice';
  const toUser = init.toUser ?? user;
  branches += 1;
  const lines = [
    `${init.method ?? 'REGISTER'} ${init.requestUri ?? `sip:${DOMAIN}`} SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-reg-${String(branches)};rport`,
    'Max-Forwards: 70',
    `From: <sip:${user}@${DOMAIN}>;tag=from-${user}`,
    `To: <sip:${toUser}@${DOMAIN}>`,
    `Call-ID: ${init.callId ?? `call-${user}@192.0.2.10`}`,
    `CSeq: ${String(init.cseq ?? 1)} ${init.method ?? 'REGISTER'}`,
    ...(init.contacts ?? [`<sip:${user}@192.0.2.10:5062>`]).map((c) => `Contact: ${c}`),
    ...(init.expires === undefined ? [] : [`Expires: ${String(init.expires)}`]),
    `User-Agent: ${init.userAgent ?? 'Switchboard test phone/1.0'}`,
    ...(init.headers ?? []),
    'Content-Length: 0',
  ];
  const parsed = parseMessage(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`));
  if (!parsed.ok) throw new Error(`test REGISTER does not parse: ${parsed.error.reason}`);
  if (parsed.message.kind !== 'request') throw new Error('test REGISTER parsed as a response');
  return parsed.message;
}
