/**
 * A call we place (RFC 3261 §13.2): the INVITE, its provisional responses and early dialogs
 * (§12.1.2, several with forking, §19.3), the ACK of every 2xx (§13.2.2.4), one retry with
 * credentials on 401/407 (§22.2), and the CANCEL when the API user's AbortSignal fires (§9.1:
 * only once a provisional response has come). One state machine:
 *
 *   calling ──1xx──> proceeding ──2xx──> answered   (resolves with the confirmed dialog)
 *      └───────────────┴──3xx-6xx, timeout, transport──> failed   (rejects with InviteError)
 *
 * Forking: the first 2xx wins; a 2xx from another fork is acknowledged and hung up with a BYE,
 * and so is a 2xx that arrives after we cancelled.
 */
import type { DigestSession } from '../auth/index.js';
import { Dialog } from '../dialog/index.js';
import {
  headerKey,
  serializeUri,
  type HeaderField,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
import type {
  ClientTransaction,
  ClientTransactionUser,
  Destination,
  TimerHandle,
  ClientTransactionView,
  TransactionFailure,
} from '../transaction/index.js';
import type { Abandonable, UaContext } from './context.js';
import { InviteError } from './errors.js';
import { credentialsFor, worthRetry } from './outgoing-request.js';
import {
  buildRequest,
  cancelFor,
  type OutgoingRequestOptions,
  type RequestIdentity,
} from './request-builder.js';

/** A provisional response to our INVITE. */
export interface InviteProgress {
  readonly status: number;
  readonly response: SipResponse;
  /** The SDP of a 183 (early media), if the response has one. */
  readonly sdp?: string;
  /** The early dialog a 101-199 response with a To tag made (one per fork). */
  readonly dialog?: Dialog;
}

export interface InviteOptions extends OutgoingRequestOptions {
  /** The SDP offer. */
  readonly sdp?: string;
  /** Cancels the call (§9.1) until it is answered. */
  readonly signal?: AbortSignal;
  /** Every provisional response (100, 180, 183 with SDP...). */
  readonly onProgress?: (progress: InviteProgress) => void;
  /** Digest credentials for a 401/407 (and for requests later sent in the dialog). */
  readonly credentials?: DigestSession;
}

/** What #resolve and #reject hold before start() sets them. */
function unset(): void {
  // Nothing to settle yet.
}

export type OutgoingInviteState = 'calling' | 'proceeding' | 'answered' | 'failed';

/** The CANCEL's own responses need nothing: the INVITE's 487 ends the call. */
const IGNORE: ClientTransactionUser = {
  onResponse: () => undefined,
  onFailure: () => undefined,
};

function isCredential(field: HeaderField): boolean {
  const key = headerKey(field.name);
  return key === 'authorization' || key === 'proxy-authorization';
}

export interface OutgoingInviteDefaults {
  /** From value when the options have none. */
  readonly defaultFrom: string;
  readonly identity: RequestIdentity;
}

export class OutgoingInvite implements ClientTransactionUser, Abandonable {
  #state: OutgoingInviteState = 'calling';
  /** §9.1: `pending` until a provisional response allows the CANCEL. */
  #cancel: 'none' | 'pending' | 'sent' = 'none';
  #identity: RequestIdentity;
  #transaction: ClientTransaction | undefined;
  #destination: Destination | undefined;
  #authRetried = false;
  #cancelTimer: TimerHandle;
  /** Early dialogs by remote tag; made on the first one (many calls go straight to 200). */
  #early: Map<string, Dialog> | undefined;
  /** Dialogs a 2xx confirmed, by remote tag (the winner and hung-up forks). */
  #confirmed: Map<string, Dialog> | undefined;
  // Set by start()'s promise before anything can call them.
  #resolve: (dialog: Dialog) => void = unset;
  #reject: (error: InviteError) => void = unset;
  /** Listens to `options.signal`, when there is one. */
  #onAbort: (() => void) | undefined;

  constructor(
    private readonly ctx: UaContext,
    private readonly options: InviteOptions,
    private readonly defaults: OutgoingInviteDefaults,
  ) {
    this.#identity = defaults.identity;
  }

  get state(): OutgoingInviteState {
    return this.#state;
  }

  /**
   * Sends the INVITE. Resolves with the confirmed dialog, rejects with `InviteError`. Throws
   * (synchronously) `UaOptionError` for options that cannot make a request.
   */
  start(): Promise<Dialog> {
    const promise = new Promise<Dialog>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const signal = this.options.signal;
    if (signal?.aborted === true) {
      this.#fail(new InviteError('cancelled', 487, 'The call was cancelled before it was placed'));
      return promise;
    }
    this.#send();
    if (signal !== undefined) {
      this.#onAbort = () => {
        this.cancel();
      };
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    if (this.#state === 'calling' || this.#state === 'proceeding') this.ctx.pending.add(this);
    return promise;
  }

  /** The user agent closes: the call fails as if the transport had (503). */
  abandon(): void {
    if (this.#state !== 'calling' && this.#state !== 'proceeding') return;
    this.#endEarlyDialogs('failed');
    this.#fail(new InviteError('transport', 503, 'The user agent was closed'));
  }

  /** Asks for the call to be cancelled (the AbortSignal does this). */
  cancel(): void {
    if (this.#state === 'calling') this.#cancel = 'pending';
    else if (this.#state === 'proceeding') this.#sendCancel();
  }

  /** Builds and sends the INVITE, with the credentials the session has (after a challenge). */
  #send(): void {
    const sdp = this.options.sdp;
    const built = buildRequest(this.options, {
      method: 'INVITE',
      identity: this.#identity,
      defaultFrom: this.defaults.defaultFrom,
      host: this.ctx.host,
      allow: this.ctx.allow,
      supported: this.ctx.supported,
      ...(sdp === undefined ? {} : { body: sdp, contentType: 'application/sdp' }),
    });
    let request = built.request;
    for (const field of credentialsFor(this.options.credentials, request)) {
      request = request.withAddedHeader(field.name, field.value);
    }
    this.#destination = built.destination;
    // A transport that fails at once fails the transaction inside sendRequest, before it is
    // known here: the callbacks take any transaction while #transaction is unset.
    this.#transaction = undefined;
    const transaction = this.ctx.transactions.sendRequest(request, built.destination, this);
    if (this.#state === 'calling' || this.#state === 'proceeding') this.#transaction = transaction;
  }

  /** Whether a callback is about the transaction under way (or the one being started). */
  #current(transaction: ClientTransactionView): boolean {
    return this.#transaction === undefined || transaction === this.#transaction;
  }

  onResponse(response: SipResponse, transaction: ClientTransactionView): void {
    const request = transaction.request;
    if (!this.#current(transaction)) {
      // The transaction before an authentication retry: only a late 2xx still matters.
      if (response.status >= 200 && response.status < 300) this.#on2xx(response, request);
      return;
    }
    if (response.status < 200) this.#onProvisional(response, request);
    else if (response.status < 300) this.#on2xx(response, request);
    else this.#onRefused(response, request);
  }

  onFailure(failure: TransactionFailure, transaction: ClientTransactionView): void {
    if (!this.#current(transaction)) return;
    if (this.#state !== 'calling' && this.#state !== 'proceeding') return;
    const cancelled = this.#cancel !== 'none';
    // Proceeding for too long (the transaction's Timer C guard): give up on the call politely.
    if (this.#state === 'proceeding' && failure.kind === 'timeout') this.#sendCancel();
    this.#endEarlyDialogs('failed');
    const kind = cancelled ? 'cancelled' : failure.kind;
    const status = cancelled ? 487 : failure.kind === 'timeout' ? 408 : 503;
    this.#fail(new InviteError(kind, status, `INVITE failed: ${failure.kind}`));
  }

  #onProvisional(response: SipResponse, request: SipRequest): void {
    if (this.#state === 'calling') this.#state = 'proceeding';
    else if (this.#state !== 'proceeding') return;
    if (this.#cancel === 'pending') this.#sendCancel();
    const tag = response.to().tag;
    const dialog =
      response.status > 100 && tag !== undefined
        ? this.#earlyDialog(request, response, tag)
        : undefined;
    const sdp = response.body.length > 0 ? response.body.toString('utf8') : undefined;
    if (sdp !== undefined) dialog?.recordSdp({ remote: sdp });
    try {
      this.options.onProgress?.({
        status: response.status,
        response,
        ...(sdp === undefined ? {} : { sdp }),
        ...(dialog === undefined ? {} : { dialog }),
      });
    } catch (error) {
      this.ctx.reportError(error, response);
    }
  }

  /** §12.1.2: a provisional response with a To tag makes an early dialog, one per tag. */
  #earlyDialog(request: SipRequest, response: SipResponse, tag: string): Dialog | undefined {
    const known = this.#early?.get(tag);
    if (known !== undefined) return known;
    try {
      const dialog = Dialog.forUac(request, response, {
        transport: this.#destination?.transport ?? 'udp',
        host: this.ctx.host,
      });
      (this.#early ??= new Map()).set(tag, dialog);
      this.ctx.dialogs.add(dialog);
      return dialog;
    } catch (error) {
      // A malformed Record-Route or Contact in a 1xx: no early dialog, the call goes on.
      this.ctx.reportError(error, response);
      return undefined;
    }
  }

  #on2xx(response: SipResponse, request: SipRequest): void {
    const tag = response.to().tag ?? '';
    const known = this.#confirmed?.get(tag);
    if (known !== undefined) {
      // A retransmission of a 2xx already acknowledged: the same ACK again (§13.2.2.4).
      const ack = known.ackFor(request.cseq().seq);
      if (ack !== undefined) this.#sendAck(ack.request, ack.destination, response);
      return;
    }
    let dialog = this.#early?.get(tag);
    if (dialog?.state === 'early') {
      this.#early?.delete(tag);
      dialog.confirm(response);
    } else {
      try {
        dialog = Dialog.forUac(request, response, {
          transport: this.#destination?.transport ?? 'udp',
          host: this.ctx.host,
        });
      } catch (error) {
        this.ctx.reportError(error, response);
        return;
      }
      this.ctx.dialogs.add(dialog);
    }
    (this.#confirmed ??= new Map()).set(tag, dialog);
    try {
      const ack = dialog.createRequest('ACK', {
        cseq: request.cseq().seq,
        // §13.2.2.4: the ACK carries the INVITE's credentials.
        headers: request.headers.filter(isCredential),
      });
      dialog.rememberAck(request.cseq().seq, ack);
      this.#sendAck(ack.request, ack.destination, response);
    } catch (error) {
      // A Contact we cannot reach (tel:, another scheme): the call cannot be acknowledged.
      this.ctx.reportError(error, response);
    }
    if (this.options.credentials !== undefined) {
      this.ctx.credentials.set(dialog, this.options.credentials);
    }
    const unwanted =
      this.#state === 'answered' || this.#state === 'failed' || this.#cancel !== 'none';
    if (unwanted) {
      // Another fork answered first, or we cancelled and the answer crossed the CANCEL.
      dialog.bye().catch((error: unknown) => {
        this.ctx.reportError(error, response);
      });
      if (this.#state === 'calling' || this.#state === 'proceeding') {
        this.#endEarlyDialogs('cancelled');
        this.#fail(
          new InviteError(
            'cancelled',
            487,
            'The call was answered after it was cancelled; hung up',
          ),
        );
      }
      return;
    }
    this.#state = 'answered';
    dialog.recordSdp({
      local: this.options.sdp,
      remote: response.body.length > 0 ? response.body.toString('utf8') : undefined,
    });
    // The other forks' early dialogs lost; their 2xx, if any comes, gets ACK and BYE.
    this.#endEarlyDialogs('cancelled');
    this.#cleanup();
    this.#resolve(dialog);
  }

  #onRefused(response: SipResponse, request: SipRequest): void {
    if (this.#state !== 'calling' && this.#state !== 'proceeding') return;
    if (this.#cancel === 'none' && !this.#authRetried) {
      if (worthRetry(this.options.credentials, response)) {
        // §22.2: the same Call-ID and From tag, the next CSeq, a new transaction.
        this.#authRetried = true;
        this.#endEarlyDialogs('rejected');
        this.#state = 'calling';
        this.#identity = { ...this.#identity, cseq: this.#identity.cseq + 1 };
        try {
          this.#send();
          return;
        } catch (error) {
          this.ctx.reportError(error, request);
        }
      }
    }
    this.#endEarlyDialogs('rejected');
    const cancelled = this.#cancel !== 'none' && response.status === 487;
    this.#fail(
      new InviteError(
        cancelled ? 'cancelled' : 'rejected',
        response.status,
        `INVITE to ${serializeUri(request.uri)} refused: ${String(response.status)} ${response.reason}`,
        response,
      ),
    );
  }

  /** §9.1: a CANCEL for the current INVITE; gives up on it after 64·T1 without a final answer. */
  #sendCancel(): void {
    const transaction = this.#transaction;
    if (this.#cancel === 'sent' || transaction === undefined || this.#destination === undefined) {
      return;
    }
    this.#cancel = 'sent';
    try {
      this.ctx.transactions.sendRequest(cancelFor(transaction.request), this.#destination, IGNORE);
    } catch (error) {
      this.ctx.reportError(error, transaction.request);
    }
    this.#cancelTimer = this.ctx.timers.setTimeout(() => {
      this.#cancelTimer = undefined;
      if (this.#state !== 'calling' && this.#state !== 'proceeding') return;
      this.#endEarlyDialogs('cancelled');
      this.#fail(new InviteError('cancelled', 487, 'No final response came after the CANCEL'));
    }, 64 * this.ctx.config.t1);
  }

  #sendAck(ack: SipRequest, destination: Destination, response: SipResponse): void {
    try {
      this.ctx.transactions.sendStateless(ack, destination);
    } catch (error) {
      this.ctx.reportError(error, response);
    }
  }

  #endEarlyDialogs(cause: 'rejected' | 'cancelled' | 'failed'): void {
    const early = this.#early;
    if (early === undefined) return;
    for (const dialog of early.values()) {
      dialog.terminate({ by: cause === 'cancelled' ? 'local' : 'remote', cause });
    }
    early.clear();
  }

  #fail(error: InviteError): void {
    this.#state = 'failed';
    this.#cleanup();
    this.#reject(error);
  }

  #cleanup(): void {
    this.ctx.pending.delete(this);
    if (this.#onAbort !== undefined)
      this.options.signal?.removeEventListener('abort', this.#onAbort);
    if (this.#cancelTimer !== undefined) this.ctx.timers.clearTimeout(this.#cancelTimer);
    this.#cancelTimer = undefined;
  }
}
