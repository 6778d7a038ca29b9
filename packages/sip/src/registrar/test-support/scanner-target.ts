/**
 * What a scanner finds on the internet, on 127.0.0.1: the real stack (UDP and TCP) with the
 * registrar behind it, MD5-only challenges (SIPVicious, like SIPp, knows only MD5) and a
 * failure limiter, plus a record of every request and its answer for the tests to compare.
 *
 * - REGISTER: the registrar.
 * - OPTIONS: 200 with Allow, whoever it names (RFC 3261 §11: a capability query).
 * - INVITE: a 407 challenge with the same authenticator, for any callee, before anything about
 *   the callee is looked at (the rule the registrar follows for REGISTER): a server that
 *   authenticates callers first says nothing about which extensions exist.
 * - Anything else: 405 with Allow.
 */
import { randomBytes } from 'node:crypto';
import { DigestAuthenticator } from '../../auth/digest-server.js';
import { FailureLimiter, type FailureLimiterOptions } from '../../auth/failure-limiter.js';
import { createResponse, newTag } from '../../message/builders.js';
import type { SipRequest, SipResponse } from '../../message/message.js';
import { startSipStack, type SipStack } from '../../stack/stack.js';
import type { ServerTransaction } from '../../transaction/index.js';
import { InMemoryLocationStore } from '../location-store.js';
import { Registrar } from '../registrar.js';

export const REALM = '127.0.0.1';
const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER';

/** One request the target answered, and how. */
export interface Answered {
  readonly method: string;
  /** The To URI's user: the extension a scanner asks about. */
  readonly user: string | undefined;
  /** The source address (the limiter's key). */
  readonly host: string;
  readonly status: number;
  readonly reason: string;
  /** Header names of the answer, in order (values differ per request: tags, nonces). */
  readonly headerNames: readonly string[];
  readonly hadCredentials: boolean;
  /** From the request's arrival to its answer: the limiter's delay shows here. */
  readonly delayMs: number;
}

export interface ScannerTarget {
  readonly port: number;
  readonly stack: SipStack;
  readonly store: InMemoryLocationStore;
  readonly limiter: FailureLimiter;
  readonly answered: Answered[];
  /** Credential lookups per username: the passwords actually checked. */
  readonly lookups: Map<string, number>;
  /** Failures the registrar reported (answered 500): none expected. */
  readonly errors: unknown[];
  close(): Promise<void>;
}

export interface ScannerTargetOptions {
  /** username → password. */
  readonly accounts: ReadonlyMap<string, string>;
  readonly limiter?: Omit<FailureLimiterOptions, 'clock'>;
}

export async function startScannerTarget(options: ScannerTargetOptions): Promise<ScannerTarget> {
  const clock = { now: (): number => Date.now() };
  const store = new InMemoryLocationStore();
  const limiter = new FailureLimiter({ clock, ...options.limiter });
  const authenticator = new DigestAuthenticator({
    realm: REALM,
    secret: randomBytes(32),
    clock,
    algorithms: ['MD5'],
  });
  const answered: Answered[] = [];
  const lookups = new Map<string, number>();
  const errors: unknown[] = [];
  const registrar = new Registrar({
    store,
    clock,
    authenticator,
    limiter,
    credentials: (username) => {
      lookups.set(username, (lookups.get(username) ?? 0) + 1);
      const password = options.accounts.get(username);
      return Promise.resolve(password === undefined ? undefined : { password });
    },
    servesDomain: (host) => host === REALM,
    onError: (error) => errors.push(error),
  });

  const answer = (
    request: SipRequest,
    transaction: ServerTransaction,
    host: string,
    response: SipResponse,
    receivedAt: number,
  ): void => {
    let user: string | undefined;
    try {
      const to = request.to().uri;
      user = to.kind === 'sip' ? to.user : undefined;
    } catch {
      user = undefined; // an unreadable To: the parser's checks make this rare
    }
    answered.push({
      method: request.method,
      user,
      host,
      status: response.status,
      reason: response.reason,
      headerNames: response.headers.map((field) => field.name),
      hadCredentials: request.hasHeader('Authorization'),
      delayMs: Date.now() - receivedAt,
    });
    transaction.respond(response);
  };

  const stack = await startSipStack({
    host: '127.0.0.1',
    port: 0,
    delegate: {
      onRequest: (request, transaction, source) => {
        const receivedAt = Date.now();
        switch (request.method) {
          case 'REGISTER':
            // handleRegister never rejects: failures that are not the peer's come back as 500.
            void registrar
              .handleRegister(request, {
                transport: source.transport,
                host: source.host,
                port: source.port,
                ...(source.connectionId === undefined ? {} : { connectionId: source.connectionId }),
              })
              .then((response) => {
                answer(request, transaction, source.host, response, receivedAt);
              });
            return;
          case 'OPTIONS':
            answer(
              request,
              transaction,
              source.host,
              createResponse(request, 200, undefined, {
                toTag: newTag(),
                headers: [{ name: 'Allow', value: ALLOW }],
              }),
              receivedAt,
            );
            return;
          case 'INVITE':
            answer(
              request,
              transaction,
              source.host,
              createResponse(request, 407, undefined, {
                toTag: newTag(),
                headers: authenticator
                  .challenge()
                  .map((value) => ({ name: 'Proxy-Authenticate', value })),
              }),
              receivedAt,
            );
            return;
          default:
            answer(
              request,
              transaction,
              source.host,
              createResponse(request, 405, undefined, {
                toTag: newTag(),
                headers: [{ name: 'Allow', value: ALLOW }],
              }),
              receivedAt,
            );
        }
      },
      onCancel: (cancel, transaction, invite) => {
        transaction.respond(createResponse(cancel, invite === undefined ? 481 : 200));
        // The INVITE transaction holds its request until it has a final response.
        if (invite?.request !== undefined) invite.respond(createResponse(invite.request, 487));
      },
      onAck: () => undefined, // svwar's ACKs to our 407s carry a new branch: nothing to do
      onStrayResponse: () => undefined,
    },
  });
  return {
    port: stack.port,
    stack,
    store,
    limiter,
    answered,
    lookups,
    errors,
    close: () => stack.close(),
  };
}
