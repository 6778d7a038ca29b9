/**
 * The registrar on the real stack, registered with by SIPp 3.6.1 over UDP on 127.0.0.1: a
 * challenge, SIPp's own MD5 digest answer, and the binding (or its absence) in the store.
 * Without /usr/bin/sipp they fail, saying what to install.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DigestAuthenticator } from '../auth/digest-server.js';
import { FailureLimiter } from '../auth/failure-limiter.js';
import { createResponse, newTag } from '../message/builders.js';
import { startSipStack, type SipStack } from '../stack/stack.js';
import { runSipp, sippInstalled, type SippResult } from '../stack/test-support/sipp.js';
import { InMemoryLocationStore } from './location-store.js';
import { Registrar } from './registrar.js';

const REGISTER_SCENARIO = fileURLToPath(
  new URL('./test-support/sipp/register.xml', import.meta.url),
);
const WRONG_PASSWORD_SCENARIO = fileURLToPath(
  new URL('./test-support/sipp/register-wrong-password.xml', import.meta.url),
);

const USER = 'alice-desk';
const PASSWORD = 'desk-pass-1';
const AOR = `sip:${USER}@127.0.0.1`;
const clock = { now: (): number => Date.now() };

interface RegistrarUnderTest {
  readonly stack: SipStack;
  readonly store: InMemoryLocationStore;
  readonly registrar: Registrar;
  readonly limiter: FailureLimiter;
  /** Failures the registrar reported through `onError` (a 500): none expected. */
  readonly errors: unknown[];
}

/** A stack on 127.0.0.1 whose REGISTERs go to a registrar; other methods get 405. */
async function withRegistrar(run: (under: RegistrarUnderTest) => Promise<void>): Promise<void> {
  const store = new InMemoryLocationStore();
  const errors: unknown[] = [];
  const limiter = new FailureLimiter({ clock });
  const registrar = new Registrar({
    store,
    clock,
    // SIPp 3.6.1 answers only MD5 challenges.
    authenticator: new DigestAuthenticator({
      realm: '127.0.0.1',
      secret: randomBytes(32),
      clock,
      algorithms: ['MD5'],
    }),
    limiter,
    credentials: (username) =>
      Promise.resolve(username === USER ? { password: PASSWORD } : undefined),
    servesDomain: (host) => host === '127.0.0.1',
    onError: (error) => errors.push(error),
  });
  const stack = await startSipStack({
    host: '127.0.0.1',
    port: 0,
    delegate: {
      onRequest: (request, transaction, source) => {
        if (request.method !== 'REGISTER') {
          transaction.respond(
            createResponse(request, 405, undefined, {
              toTag: newTag(),
              headers: [{ name: 'Allow', value: 'REGISTER' }],
            }),
          );
          return;
        }
        // handleRegister never rejects: failures that are not the peer's come back as a 500.
        void registrar
          .handleRegister(request, {
            transport: source.transport,
            host: source.host,
            port: source.port,
            ...(source.connectionId === undefined ? {} : { connectionId: source.connectionId }),
          })
          .then((response) => transaction.respond(response));
      },
      onCancel: (cancel, transaction) => {
        transaction.respond(createResponse(cancel, 481));
      },
      onAck: () => undefined,
      onStrayResponse: () => undefined,
    },
  });
  try {
    await run({ stack, store, registrar, limiter, errors });
  } finally {
    await stack.close();
  }
}

/** Everything SIPp said, for a failing assertion's message. */
function explain(result: SippResult): string {
  return `exit ${String(result.exitCode)}\n${result.stderr}\n${result.errors}\n${result.stdout.slice(-3000)}`;
}

describe('REGISTER from SIPp', () => {
  // A real peer is the point of these tests: missing SIPp is a failure, never a silent skip.
  beforeAll(() => {
    if (!sippInstalled)
      throw new Error('SIPp is not installed: apt-get install sip-tester (.ci/run does it)');
  });

  it('is challenged, answers with MD5 digest, and gets its contact bound', async () => {
    await withRegistrar(async ({ stack, store, limiter, errors }) => {
      const result = await runSipp({
        args: ['-sf', REGISTER_SCENARIO, '-s', USER, '-au', USER, '-ap', PASSWORD],
        remote: `127.0.0.1:${String(stack.port)}`,
        calls: 1,
        rate: 1,
        timeoutSeconds: 15,
      });
      expect(result.exitCode, explain(result)).toBe(0);
      expect(result.successfulCalls, explain(result)).toBe(1);
      expect(result.failedCalls, explain(result)).toBe(0);

      const bindings = await store.list(AOR, clock.now());
      expect(bindings).toHaveLength(1);
      const [binding] = bindings;
      // The Contact is SIPp's own address: the port it sent the REGISTER from (its -p).
      expect(binding?.source).toMatchObject({ transport: 'udp', host: '127.0.0.1' });
      expect(binding?.contact).toBe(`sip:${USER}@127.0.0.1:${String(binding?.source.port)}`);
      expect(binding?.cseq).toBe(2);
      expect(binding?.userAgent).toBe('SIPp registrar test');
      expect(binding?.expiresAt).toBeGreaterThan(clock.now() + 3_500_000);
      expect(limiter.size).toBe(0); // the success settled the attempt: nothing held against SIPp
      expect(errors).toEqual([]);
    });
  }, 30_000);

  it('is refused with a fresh challenge for a wrong password, and nothing is bound', async () => {
    await withRegistrar(async ({ stack, store, limiter, errors }) => {
      const result = await runSipp({
        args: ['-sf', WRONG_PASSWORD_SCENARIO, '-s', USER, '-au', USER, '-ap', 'wrong'],
        remote: `127.0.0.1:${String(stack.port)}`,
        calls: 1,
        rate: 1,
        timeoutSeconds: 15,
      });
      // The scenario expects 401 then 401: reaching its end is SIPp's success.
      expect(result.exitCode, explain(result)).toBe(0);
      expect(result.successfulCalls, explain(result)).toBe(1);
      expect(result.failedCalls, explain(result)).toBe(0);
      expect(await store.list(AOR, clock.now())).toEqual([]);
      // The second 401 is a wrong password, counted against SIPp's address (not a stale nonce,
      // another realm or unreadable credentials, which count nothing or get a 400).
      expect(limiter.size).toBe(1);
      expect(limiter.check('127.0.0.1')).toBe('allow'); // one failure: still a free one
      expect(errors).toEqual([]);
    });
  }, 30_000);
});
