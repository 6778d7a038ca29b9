/**
 * A non-INVITE request we send, or a re-INVITE, through one client transaction at a time, until
 * its final response (RFC 3261 §8.1.3): a 401 or 407 is answered once with credentials when we
 * have some (§22.2, §22.3: same Call-ID and From tag, CSeq one higher, a new branch), a timeout
 * or transport failure gives a local 408 or 503 (§8.1.3.1). It resolves, never rejects, with
 * that final response.
 *
 *   sending ──401/407 with credentials──> retrying ──final──> done
 *      └───────────────final / failure────────────────────────┘
 */
import type { DigestSession } from '../auth/index.js';
import type { DialogRequest } from '../dialog/index.js';
import {
  serializeUri,
  type HeaderField,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
import type {
  ClientTransaction,
  ClientTransactionUser,
  ClientTransactionView,
  TransactionFailure,
} from '../transaction/index.js';
import type { Abandonable, UaContext } from './context.js';

const localResponses = new WeakSet<SipResponse>();

/**
 * True for the 408 and 503 a request resolves with when no response came (Timer F, transport
 * failure, RFC 3261 §8.1.3.1), false for responses that came over the network.
 */
export function isLocalResponse(response: SipResponse): boolean {
  return localResponses.has(response);
}

/** The response §8.1.3.1 says to act as if received: 408 for a timeout, 503 for the transport. */
export function localResponse(
  ctx: UaContext,
  request: SipRequest,
  failure: TransactionFailure,
): SipResponse {
  const response =
    failure.kind === 'timeout'
      ? ctx.response(request, 408, { reason: 'Request Timeout (no response)' })
      : ctx.response(request, 503, { reason: 'Service Unavailable (transport failure)' });
  localResponses.add(response);
  return response;
}

/**
 * True when `response` is a 401 or 407 whose challenge `session` can answer with a chance of
 * success (it learns the challenge; no usable one, or a wrong password, gives false).
 */
export function worthRetry(session: DigestSession | undefined, response: SipResponse): boolean {
  if (session === undefined || (response.status !== 401 && response.status !== 407)) return false;
  const header = response.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
  return session.handleChallenge(header, response.headerValues(header));
}

/** The Authorization / Proxy-Authorization fields `session` has for `request` (§22.3). */
export function credentialsFor(
  session: DigestSession | undefined,
  request: SipRequest,
): HeaderField[] {
  if (session === undefined) return [];
  const body = request.body.length > 0 ? request.body : undefined;
  return session.authorize(request.method, serializeUri(request.uri), body);
}

export type OutgoingRequestState = 'sending' | 'retrying' | 'done';

export interface OutgoingRequestHooks {
  /** INVITE only: every 2xx (the first and its retransmissions), for the ACK (§13.2.2.4). */
  on2xx?(response: SipResponse, request: SipRequest): void;
}

export class OutgoingRequest implements ClientTransactionUser, Abandonable {
  #state: OutgoingRequestState = 'sending';
  #transaction: ClientTransaction | undefined;
  #resolve: (response: SipResponse) => void = () => undefined;

  constructor(
    private readonly ctx: UaContext,
    /** Builds the request (again for the retry: the next CSeq, §22.2). */
    private readonly build: () => DialogRequest,
    private readonly session: DigestSession | undefined,
    private readonly hooks: OutgoingRequestHooks = {},
  ) {}

  get state(): OutgoingRequestState {
    return this.#state;
  }

  /** Sends it; resolves with the final response. Rejects only when the request cannot be built. */
  send(): Promise<SipResponse> {
    const promise = new Promise<SipResponse>((resolve) => {
      this.#resolve = resolve;
    });
    this.ctx.pending.add(this);
    try {
      this.#transmit(this.build());
    } catch (error) {
      this.ctx.pending.delete(this);
      throw error;
    }
    return promise;
  }

  /** The user agent closes: resolve with a local 503 (§8.1.3.1: the transport is gone). */
  abandon(): void {
    const request = this.#transaction?.request;
    if (request === undefined) return;
    this.#finish(localResponse(this.ctx, request, { kind: 'transport', error: 'closed' }));
  }

  #transmit(built: DialogRequest): void {
    let request = built.request;
    // §22.3: credentials known for the realm go with the request at once (a proxy that
    // challenged the INVITE challenges the BYE too), saving a round trip.
    for (const field of credentialsFor(this.session, request)) {
      request = request.withAddedHeader(field.name, field.value);
    }
    // A transport that fails at once fails the transaction inside sendRequest: until it returns
    // the callbacks cannot tell this transaction by identity, so they take any (see #current).
    this.#transaction = undefined;
    const transaction = this.ctx.transactions.sendRequest(request, built.destination, this);
    if (this.#state !== 'done') this.#transaction = transaction;
  }

  /** Whether a callback is about the transaction under way (or the one being started). */
  #current(transaction: ClientTransactionView): boolean {
    return this.#transaction === undefined || transaction === this.#transaction;
  }

  onResponse(response: SipResponse, transaction: ClientTransactionView): void {
    if (!this.#current(transaction) || response.status < 200) return;
    const request = transaction.request;
    if (response.status < 300) {
      if (request.method === 'INVITE') this.hooks.on2xx?.(response, request);
      this.#finish(response);
      return;
    }
    if (this.#state === 'sending' && worthRetry(this.session, response)) {
      // The session learnt the challenge; #transmit answers it.
      this.#state = 'retrying';
      try {
        this.#transmit(this.build());
        return;
      } catch (error) {
        this.ctx.reportError(error, request);
      }
    }
    this.#finish(response);
  }

  onFailure(failure: TransactionFailure, transaction: ClientTransactionView): void {
    if (!this.#current(transaction)) return;
    this.#finish(localResponse(this.ctx, transaction.request, failure));
  }

  #finish(response: SipResponse): void {
    if (this.#state === 'done') return;
    this.#state = 'done';
    this.ctx.pending.delete(this);
    this.#resolve(response);
  }
}
