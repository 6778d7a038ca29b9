/**
 * The transaction layer (RFC 3261 §17): matches incoming requests to server transactions
 * (§17.2.3) and responses to client transactions (§17.1.3), creates transactions, and hands the
 * TU what belongs to it (new requests, CANCELs, ACKs for 2xx, stray responses).
 */
import {
  SipMessageError,
  isRfc3261Branch,
  newBranch,
  serializeUri,
  SipRequest,
  type SipMessage,
  type SipResponse,
} from '../message/index.js';
import { flatString, splitList } from '../message/syntax.js';
import { formatVia } from '../message/via.js';
import type {
  ClientTransactionUser,
  ServerTransactionUser,
  TerminationListener,
  Transaction,
  TransactionEnvironment,
} from './base.js';
import type { Clock } from '../auth/clock.js';
import { InviteClientTransaction } from './invite-client.js';
import { InviteServerTransaction } from './invite-server.js';
import { LingerQueue } from './linger-queue.js';
import { NonInviteClientTransaction } from './non-invite-client.js';
import { NonInviteServerTransaction } from './non-invite-server.js';
import { timerConfig, type TimerConfig, type TransactionTimers } from './timers.js';
import type { Destination, TransactionFailure, TransactionTransport } from './transport.js';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/** What the layer hands up to the TU (typed delegate, RFC 3261 §17 "TU"). */
export interface TransactionLayerDelegate {
  /**
   * A new request (not a retransmission, ACK or CANCEL) with the server transaction to answer
   * it through (`transaction.respond(...)`).
   */
  onRequest(request: SipRequest, transaction: ServerTransaction, source: Destination): void;
  /**
   * A new CANCEL (RFC 3261 §9.2): `invite` is the INVITE server transaction it cancels (same
   * branch and sent-by, method INVITE), undefined when none matches (answer 481). Answer the
   * CANCEL through `transaction`; the INVITE, if still proceeding, gets a 487.
   */
  onCancel(
    cancel: SipRequest,
    transaction: NonInviteServerTransaction,
    invite: InviteServerTransaction | undefined,
    source: Destination,
  ): void;
  /**
   * An ACK for a 2xx (end to end, RFC 3261 §13.2.2.4): it matched no transaction, or matched an
   * INVITE server transaction in Accepted (RFC 6026 §8.7, then `invite` is that transaction).
   * It belongs to the dialog layer.
   */
  onAck(ack: SipRequest, source: Destination, invite: InviteServerTransaction | undefined): void;
  /**
   * A response that matched no client transaction (§18.1.2), such as a 2xx retransmitted after
   * Timer M: a dialog re-sends its ACK for it; anything else can be dropped.
   */
  onStrayResponse(response: SipResponse, source: Destination): void;
  /** A server transaction failed: Timer H without an ACK, or a transport error (§17.2.4). */
  onServerFailure?(transaction: ServerTransaction, failure: TransactionFailure): void;
  /**
   * A server transaction reached Terminated (whatever the reason). The UA core uses it to
   * forget the transaction in its merged-request check (RFC 3261 §8.2.2.2).
   */
  onServerTerminated?(transaction: ServerTransaction): void;
  /** A message the layer could not match (its Via or CSeq is unreadable); it is dropped. */
  onDropped?(message: SipMessage, reason: string): void;
}

export interface TransactionLayerOptions {
  readonly transport: TransactionTransport;
  readonly timers: TransactionTimers;
  readonly delegate: TransactionLayerDelegate;
  /** T1, T2, T4 and the 100 Trying delay; the RFC's values by default. */
  readonly timerConfig?: Partial<TimerConfig>;
  /**
   * The time `timers` run on (`systemTransactionClock` with `systemTransactionTimers`; a
   * `FakeTimers` is both). With it, server transactions wait out Timer L and Timer J in one
   * queue under a single timer (`LingerQueue`) instead of a timer each; without it, they set
   * their own.
   */
  readonly clock?: Clock;
}

/** Thrown by `sendRequest` for a request that cannot start a client transaction. */
export class TransactionError extends Error {
  override readonly name = 'TransactionError';
}

/**
 * §17.2.3: with an RFC 3261 branch, branch + sent-by + method (ACK counts as INVITE, whose
 * transaction it acknowledges). Without one, a simplified RFC 2543 match on Request-URI,
 * Call-ID, From tag, CSeq number, top Via and method (the To tag of an ACK is not compared).
 * `method` overrides the request's (CANCEL looks up its INVITE).
 */
function serverKey(request: SipRequest, method?: string): string {
  const via = request.topVia();
  const m = method ?? (request.method === 'ACK' ? 'INVITE' : request.method);
  const sentBy = `${via.host.toLowerCase()}:${via.port === undefined ? '' : String(via.port)}`;
  if (isRfc3261Branch(via.branch)) return `${via.branch}\n${sentBy}\n${m}`;
  // Read again: the guard's false side narrows to undefined, yet a cookie-less branch is a string.
  const oldBranch: string | undefined = request.topVia().branch;
  return [
    '2543',
    serializeUri(request.uri),
    request.callId,
    request.from().tag ?? '',
    String(request.cseq().seq),
    via.transport,
    sentBy,
    oldBranch ?? '',
    m,
  ].join('\n');
}

/** §17.1.3: the top Via branch and the CSeq method. */
function clientKey(message: SipMessage): string | undefined {
  const branch = message.topVia().branch;
  if (branch === undefined) return undefined;
  return `${branch}\n${message.cseq().method}`;
}

/** The request with a fresh RFC 3261 branch on its top Via when it has none (§8.1.1.7). */
function withBranch(request: SipRequest): SipRequest {
  const top = request.topVia();
  if (isRfc3261Branch(top.branch)) return request;
  const index = request.headerKeys.indexOf('via');
  const field = request.headers[index];
  if (field === undefined) return request;
  const elements = splitList(field.value);
  elements[0] = formatVia({ ...top, branch: newBranch() });
  const headers = [...request.headers];
  headers[index] = { name: field.name, value: elements.join(', ') };
  return new SipRequest({
    method: request.method,
    uri: request.uri,
    version: request.version,
    headers,
    headerKeys: request.headerKeys,
    body: request.body,
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class TransactionLayer {
  readonly #env: TransactionEnvironment;
  readonly #linger: LingerQueue | undefined;
  readonly #delegate: TransactionLayerDelegate;
  readonly #clients = new Map<string, ClientTransaction>();
  readonly #servers = new Map<string, ServerTransaction>();
  /** One object for every transaction this layer owns (no closure per transaction). */
  readonly #hooks: ServerTransactionUser & TerminationListener;

  constructor(options: TransactionLayerOptions) {
    const config = timerConfig(options.timerConfig);
    this.#linger =
      options.clock === undefined
        ? undefined
        : new LingerQueue(options.timers, options.clock, 64 * config.t1);
    this.#env = {
      transport: options.transport,
      timers: options.timers,
      config,
      ...(this.#linger === undefined ? {} : { linger: this.#linger }),
    };
    this.#delegate = options.delegate;
    this.#hooks = {
      transactionTerminated: (transaction) => {
        this.#forget(transaction as ClientTransaction | ServerTransaction);
      },
      onFailure: (failure, transaction) => {
        this.#delegate.onServerFailure?.(transaction as ServerTransaction, failure);
      },
    };
  }

  get config(): TimerConfig {
    return this.#env.config;
  }

  /** Client transactions not yet terminated. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** Server transactions not yet terminated. */
  get serverCount(): number {
    return this.#servers.size;
  }

  /**
   * Sends `request` in a new client transaction (INVITE or non-INVITE), its top Via given a
   * fresh branch when it has no RFC 3261 one. `user` gets the responses and the failure.
   * Throws `TransactionError` for an ACK (never a transaction of its own: see `sendStateless`),
   * a request without Via, or a branch already in use for this method.
   */
  sendRequest(
    request: SipRequest,
    destination: Destination,
    user: ClientTransactionUser,
  ): ClientTransaction {
    if (request.method === 'ACK')
      throw new TransactionError('ACK is sent without a transaction: use sendStateless()');
    let stamped: SipRequest;
    let key: string | undefined;
    try {
      stamped = withBranch(request);
      key = clientKey(stamped);
    } catch (error) {
      throw new TransactionError(`Cannot send ${request.method}: ${describe(error)}`);
    }
    if (key === undefined) throw new TransactionError('The request has no Via branch');
    if (this.#clients.has(key))
      throw new TransactionError(`A ${request.method} transaction with this branch exists`);
    const transaction =
      request.method === 'INVITE'
        ? new InviteClientTransaction(stamped, destination, user, this.#env, this.#hooks)
        : new NonInviteClientTransaction(stamped, destination, user, this.#env, this.#hooks);
    transaction.layerKey = key;
    this.#clients.set(key, transaction);
    transaction.start();
    return transaction;
  }

  /**
   * Sends a message outside any transaction: the ACK for a 2xx (RFC 3261 §13.2.2.4, given a
   * branch when it has none) or a stateless response. Returns what was sent. Transport errors
   * are thrown to the caller.
   */
  sendStateless<M extends SipMessage>(message: M, destination: Destination): M {
    const sent = (message.kind === 'request' ? withBranch(message) : message) as M;
    this.#env.transport.send(sent, destination);
    return sent;
  }

  /** A message from the transport. Never throws for bad input: unmatchable messages are dropped. */
  receive(message: SipMessage, source: Destination): void {
    if (message.kind === 'response') this.#receiveResponse(message, source);
    else this.#receiveRequest(message, source);
  }

  /**
   * A transport error found after `send` returned (a TCP connection that failed): the
   * transaction that sent `message` fails (RFC 3261 §17.1.4, §17.2.4). Unknown messages are
   * ignored.
   */
  transportError(message: SipMessage, error: unknown): void {
    let transaction: Transaction | undefined;
    try {
      if (message.kind === 'request') {
        // The ACK for a non-2xx is sent by the INVITE client transaction itself.
        const branch = message.topVia().branch;
        const method = message.method === 'ACK' ? 'INVITE' : message.method;
        transaction = branch === undefined ? undefined : this.#clients.get(`${branch}\n${method}`);
      } else {
        const { branch, host, port } = message.topVia();
        const sentBy = `${host.toLowerCase()}:${port === undefined ? '' : String(port)}`;
        const method = message.cseq().method;
        if (isRfc3261Branch(branch))
          transaction = this.#servers.get(`${branch}\n${sentBy}\n${method}`);
      }
    } catch {
      return; // unreadable: nothing of ours
    }
    if (transaction !== undefined)
      (transaction as ClientTransaction | ServerTransaction).transportError(error);
  }

  /** Terminates every transaction (and its timers) without telling anyone: shutdown. */
  dispose(): void {
    for (const transaction of [...this.#clients.values(), ...this.#servers.values()])
      transaction.dispose();
    this.#clients.clear();
    this.#servers.clear();
    this.#linger?.clear();
  }

  #receiveResponse(response: SipResponse, source: Destination): void {
    let key: string | undefined;
    try {
      key = clientKey(response);
    } catch (error) {
      this.#drop(response, error);
      return;
    }
    const transaction = key === undefined ? undefined : this.#clients.get(key);
    if (transaction === undefined) this.#delegate.onStrayResponse(response, source);
    else transaction.receiveResponse(response);
  }

  #receiveRequest(request: SipRequest, source: Destination): void {
    let key: string;
    try {
      key = serverKey(request);
    } catch (error) {
      this.#drop(request, error);
      return;
    }
    const existing = this.#servers.get(key);
    if (request.method === 'ACK') {
      if (existing === undefined) this.#delegate.onAck(request, source, undefined);
      else if (existing instanceof InviteServerTransaction && existing.receiveAck(request))
        this.#delegate.onAck(request, source, existing);
      return;
    }
    if (existing !== undefined) {
      existing.receiveRequest(request); // a retransmission (§17.2.1, §17.2.2)
      return;
    }
    if (request.method === 'INVITE') {
      const transaction = new InviteServerTransaction(
        request,
        source,
        this.#hooks,
        this.#env,
        this.#hooks,
      );
      this.#register(key, transaction);
      this.#delegate.onRequest(request, transaction, source);
      // After the TU had its say: a TU that answered at once needs no 100 Trying timer.
      transaction.start();
      return;
    }
    const transaction = new NonInviteServerTransaction(
      request,
      source,
      this.#hooks,
      this.#env,
      this.#hooks,
    );
    this.#register(key, transaction);
    if (request.method === 'CANCEL') {
      // §9.2: the INVITE cancelled has the CANCEL's branch and sent-by, method INVITE.
      const invite = this.#servers.get(serverKey(request, 'INVITE'));
      this.#delegate.onCancel(
        request,
        transaction,
        invite instanceof InviteServerTransaction ? invite : undefined,
        source,
      );
    } else {
      this.#delegate.onRequest(request, transaction, source);
    }
  }

  #register(key: string, transaction: ServerTransaction): void {
    // Flat: the key outlives the request its pieces were cut from (see flatString).
    const flat = flatString(key);
    transaction.layerKey = flat;
    this.#servers.set(flat, transaction);
  }

  #forget(transaction: ClientTransaction | ServerTransaction): void {
    const key = transaction.layerKey;
    if (transaction.kind === 'server') {
      if (key !== undefined && this.#servers.get(key) === transaction) this.#servers.delete(key);
      this.#delegate.onServerTerminated?.(transaction);
      return;
    }
    if (key !== undefined && this.#clients.get(key) === transaction) this.#clients.delete(key);
  }

  #drop(message: SipMessage, error: unknown): void {
    if (!(error instanceof SipMessageError)) throw error;
    this.#delegate.onDropped?.(message, error.message);
  }
}
