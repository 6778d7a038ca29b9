/**
 * What the parts of the user agent layer share with the core that owns them: the transaction
 * layer, timers, the dialog layer, response building and error reporting. An interface, so the
 * parts (incoming INVITE, outgoing INVITE, in-dialog server...) do not import the core class.
 */
import type { DigestSession } from '../auth/index.js';
import type { Dialog, DialogHost, DialogLayer } from '../dialog/index.js';
import type { HeaderField, SipMessage, SipRequest, SipResponse } from '../message/index.js';
import type { TimerConfig, TransactionLayer, TransactionTimers } from '../transaction/index.js';
import type { InviteServerTransaction, TransportName } from '../transaction/index.js';
import type { AnswerRetransmitter } from './answer-retransmitter.js';

export interface ResponseOptions {
  readonly reason?: string;
  /** To tag to add when the request has none (RFC 3261 §8.2.6.2). */
  readonly toTag?: string;
  readonly headers?: readonly HeaderField[];
  readonly body?: string | Buffer;
  readonly contentType?: string;
}

/** A request of ours still waiting for its outcome; the core abandons it when it closes. */
export interface Abandonable {
  abandon(): void;
}

export interface UaContext {
  readonly transactions: TransactionLayer;
  readonly timers: TransactionTimers;
  readonly config: TimerConfig;
  readonly dialogs: DialogLayer;
  readonly host: DialogHost;
  /** Allow header value (RFC 3261 §20.5): the methods this user agent answers. */
  readonly allow: string;
  /** Supported header value (§20.37), empty when we support no extension. */
  readonly supported: string;
  /** The digest credentials of dialogs we set up with them, for requests sent in them later. */
  readonly credentials: WeakMap<Dialog, DigestSession>;
  /** Requests and calls of ours still waiting for their outcome. */
  readonly pending: Set<Abandonable>;
  /** 2xx retransmitters waiting for their ACK, by dialog (one INVITE at a time per dialog). */
  readonly pendingAcks: Map<Dialog, AnswerRetransmitter>;
  /** A response with our Server header (§20.35) added to the copied fields. */
  response(request: SipRequest, status: number, options?: ResponseOptions): SipResponse;
  /**
   * A response that sets up or belongs to a dialog (RFC 3261 §12.1.1): our To tag, the
   * request's Record-Route copied in order, our Contact for `transport`, and for a 2xx the
   * Allow and Supported fields (§13.3.1.4).
   */
  dialogResponse(
    request: SipRequest,
    status: number,
    options: ResponseOptions & { readonly toTag: string; readonly transport: TransportName },
  ): SipResponse;
  /**
   * An incoming INVITE has its final response: a CANCEL or a transaction failure no longer
   * concerns it, and the core stops holding it for them (memory: the transaction lives on for
   * 64·T1).
   */
  inviteAnswered(transaction: InviteServerTransaction): void;
  /** Failures that are not a peer's fault (a throwing delegate, a send that failed). */
  reportError(error: unknown, message?: SipMessage): void;
  /** A random number in [0, 1) (Retry-After values); injectable for tests. */
  random(): number;
}
