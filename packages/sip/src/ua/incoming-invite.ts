/**
 * An INVITE that starts a call to us (RFC 3261 §13.3), as the API user handles it: ring
 * (`progress`), answer (`accept`), refuse (`reject`, `redirect`), and hear a CANCEL through
 * `signal`. One state machine:
 *
 *   ringing ──accept()──> accepted ──ACK──> confirmed
 *      │                     └──no ACK in 64·T1──> failed (BYE sent)
 *      ├──reject()/redirect()──> rejected
 *      ├──CANCEL or BYE from the caller──> cancelled (487)
 *      └──transaction failure──> failed
 *
 * 100 Trying is the INVITE server transaction's own (§17.2.1: after 200 ms without an answer).
 */
import { Dialog, type DialogDelegate, type DialogEnd } from '../dialog/index.js';
import {
  SipMessageError,
  formatNameAddr,
  newTag,
  parseNameAddr,
  type HeaderField,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
import type { Destination, InviteServerTransaction, TransportName } from '../transaction/index.js';
import { AnswerRetransmitter, type AnswerListener } from './answer-retransmitter.js';
import type { ResponseOptions, UaContext } from './context.js';
import { AckTimeoutError, InviteStateError, UaOptionError } from './errors.js';

export type IncomingInviteState =
  'ringing' | 'accepted' | 'confirmed' | 'rejected' | 'cancelled' | 'failed';

/** Why `signal` was aborted. */
export type InviteAbortCause = 'cancel' | 'bye' | 'failed';

export interface ProgressOptions {
  /** SDP answer for early media (183 Session Progress, RFC 3960). */
  readonly sdp?: string;
  readonly reason?: string;
  readonly headers?: readonly HeaderField[];
}

export interface AcceptOptions {
  /** The SDP answer (or our offer, when the INVITE carried none). */
  readonly sdp?: string;
  readonly headers?: readonly HeaderField[];
}

/** IncomingInvite's handler for `RingingCall`, set in its static block. */
let earlyBye: (invite: IncomingInvite) => void;

/**
 * Where a call stands, shared by its `IncomingInvite` and, once answered, its `AnsweredCall`:
 * the answered call reaches its outcome without holding the invite (and its parsed INVITE).
 */
interface CallState {
  state: IncomingInviteState;
  abortCause: InviteAbortCause | undefined;
  /** `accept()`'s promise, settled once. */
  resolve: ((dialog: Dialog) => void) | undefined;
  reject: ((error: Error) => void) | undefined;
}

export class IncomingInvite {
  readonly request: SipRequest;
  readonly source: Destination;
  /** Our tag: every response to this INVITE carries it, so there is one dialog (§12.1.1). */
  readonly localTag = newTag();
  readonly #transaction: InviteServerTransaction;
  readonly #ctx: UaContext;
  /** Made on first use of `signal`: most calls are never cancelled, and nobody asks. */
  #abort: AbortController | undefined;
  #abortReason: Error | undefined;
  readonly #call: CallState = {
    state: 'ringing',
    abortCause: undefined,
    resolve: undefined,
    reject: undefined,
  };
  #dialog: Dialog | undefined;

  static {
    // `RingingCall` (one object a call, below) calls back in through this, not a closure.
    earlyBye = (invite) => {
      invite.#onEarlyBye();
    };
  }

  constructor(
    request: SipRequest,
    transaction: InviteServerTransaction,
    source: Destination,
    ctx: UaContext,
  ) {
    this.request = request;
    this.#transaction = transaction;
    this.source = source;
    this.#ctx = ctx;
  }

  get state(): IncomingInviteState {
    return this.#call.state;
  }

  /**
   * Aborted when the call goes away before it is answered: a CANCEL (§9.2, the INVITE is then
   * answered 487 by the stack), a BYE on the early dialog (§15.1.2) or a transaction failure.
   */
  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
      if (this.#abortReason !== undefined) this.#abort.abort(this.#abortReason);
    }
    return this.#abort.signal;
  }

  get abortCause(): InviteAbortCause | undefined {
    return this.#call.abortCause;
  }

  /** The SDP offer of the INVITE, if it has one. */
  get offer(): string | undefined {
    return this.request.body.length > 0 ? this.request.body.toString('utf8') : undefined;
  }

  /** The dialog, once a response with our tag has been sent. */
  get dialog(): Dialog | undefined {
    return this.#dialog;
  }

  /**
   * Sends a provisional response (180 Ringing by default, 183 with `sdp` for early media). A
   * 101-199 response carries our tag and Contact and sets up the early dialog. False when the
   * call is no longer ringing. Throws RangeError for a status outside 100-199.
   */
  progress(status = 180, options: ProgressOptions = {}): boolean {
    if (!Number.isInteger(status) || status < 100 || status > 199) {
      throw new RangeError(`A provisional response has a status 100-199, not ${String(status)}`);
    }
    if (this.#call.state !== 'ringing') return false;
    if (status === 100) {
      const body = sdpBody(options.sdp, options.reason, options.headers);
      return this.#transaction.respond(this.#ctx.response(this.request, 100, body));
    }
    const dialog = this.#ensureDialog();
    if (options.sdp !== undefined) dialog.recordSdp({ local: options.sdp });
    return this.#transaction.respond(
      this.#dialogResponse(status, options.sdp, options.reason, options.headers),
    );
  }

  /**
   * Answers with 200 OK (our Contact, Allow, Supported, `sdp` as the body) and retransmits it
   * until the ACK arrives (§13.3.1.4). Resolves with the confirmed dialog when the ACK comes;
   * rejects with `AckTimeoutError` when none came in 64·T1 (a BYE is then sent), and with
   * `InviteStateError` when the call is no longer ringing (cancelled, already answered) or the
   * caller hung up before the ACK.
   */
  accept(options: AcceptOptions = {}): Promise<Dialog> {
    if (this.#call.state !== 'ringing') {
      return Promise.reject(
        new InviteStateError(`Cannot accept a call that is ${this.#call.state}`),
      );
    }
    const dialog = this.#ensureDialog();
    const ok = this.#dialogResponse(200, options.sdp, undefined, options.headers);
    if (!this.#transaction.respond(ok)) {
      return Promise.reject(new InviteStateError('The INVITE transaction is over'));
    }
    this.#call.state = 'accepted';
    this.#ctx.inviteAnswered(this.#transaction);
    // §12.1.1: a 2xx sent makes the dialog confirmed; the call is up once the ACK comes.
    dialog.confirm();
    dialog.recordSdp({ local: options.sdp, remote: this.offer });
    const call = this.#call;
    const promise = new Promise<Dialog>((resolve, reject) => {
      call.resolve = resolve;
      call.reject = reject;
    });
    // From here on the call's outcome needs the dialog and the state, not this invite.
    const answered = new AnsweredCall(call, dialog, this.#ctx);
    if (dialog.delegate instanceof RingingCall) dialog.delegate = answered;
    const retransmitter = new AnswerRetransmitter(ok, this.#transaction, this.#ctx, answered);
    this.#ctx.pendingAcks.set(dialog, retransmitter);
    retransmitter.start();
    return promise;
  }

  /**
   * Refuses the call with a final response 300-699 (486 Busy Here, 603 Decline...). False when
   * the call is no longer ringing. Throws RangeError for another status.
   */
  reject(status: number, reason?: string, headers?: readonly HeaderField[]): boolean {
    if (!Number.isInteger(status) || status < 300 || status > 699) {
      throw new RangeError(`A call is rejected with a status 300-699, not ${String(status)}`);
    }
    if (this.#call.state !== 'ringing') return false;
    const sent = this.#transaction.respond(
      this.#ctx.response(this.request, status, {
        toTag: this.localTag,
        ...(reason === undefined ? {} : { reason }),
        ...(headers === undefined ? {} : { headers }),
      }),
    );
    this.#call.state = 'rejected';
    this.#ctx.inviteAnswered(this.#transaction);
    this.#dialog?.terminate({ by: 'local', cause: 'rejected' });
    return sent;
  }

  /**
   * Redirects the caller (RFC 3261 §8.3, §21.3): a 3xx (302 by default) listing `contacts`
   * (URIs or name-addrs). Throws `UaOptionError` for a contact that is no valid name-addr.
   */
  redirect(contacts: readonly string[], status = 302): boolean {
    if (!Number.isInteger(status) || status < 300 || status > 399) {
      throw new RangeError(`A redirect has a status 300-399, not ${String(status)}`);
    }
    const headers = contacts.map((contact, index): HeaderField => {
      const text = contact.trim();
      try {
        return { name: 'Contact', value: formatNameAddr(parseNameAddr(text, 'Contact')) };
      } catch (error) {
        if (error instanceof SipMessageError)
          throw new UaOptionError(`contacts[${String(index)}]`, error.message);
        throw error;
      }
    });
    return this.reject(status, undefined, headers);
  }

  // --- Called by the UA core --------------------------------------------------------------------

  /** A CANCEL matched this INVITE (§9.2): 487 if it is still ringing. True when it was. */
  cancel(): boolean {
    return this.#end('cancel', 'cancelled', 487);
  }

  /** The INVITE server transaction failed (transport error): the call cannot go on. */
  transactionFailed(): void {
    this.#end('failed', 'failed', undefined);
  }

  /** The delegate failed before answering: 500 if nothing was answered yet. */
  failSafe(): void {
    if (this.#call.state === 'ringing') {
      this.#transaction.respond(this.#ctx.response(this.request, 500, { toTag: this.localTag }));
      this.#call.state = 'failed';
      this.#ctx.inviteAnswered(this.#transaction);
      this.#dialog?.terminate({ by: 'local', cause: 'failed' });
    }
  }

  #end(cause: InviteAbortCause, state: IncomingInviteState, status: number | undefined): boolean {
    if (this.#call.state !== 'ringing') return false;
    this.#call.state = state;
    this.#ctx.inviteAnswered(this.#transaction);
    if (status !== undefined) {
      this.#transaction.respond(this.#ctx.response(this.request, status, { toTag: this.localTag }));
    }
    this.#call.abortCause = cause;
    this.#dialog?.terminate({ by: 'remote', cause: cause === 'failed' ? 'failed' : 'cancelled' });
    this.#abortReason = new InviteStateError(
      `The call was ended before it was answered (${cause})`,
    );
    this.#abort?.abort(this.#abortReason);
    return true;
  }

  /** The early dialog, made on the first response with our tag (§12.1.1). */
  #ensureDialog(): Dialog {
    if (this.#dialog !== undefined) return this.#dialog;
    const dialog = Dialog.forUas(this.request, {
      localTag: this.localTag,
      transport: this.source.transport,
      ...(this.source.connectionId === undefined ? {} : { connectionId: this.source.connectionId }),
      host: this.#ctx.host,
    });
    dialog.delegate = new RingingCall(this);
    this.#ctx.dialogs.add(dialog);
    this.#dialog = dialog;
    return dialog;
  }

  /**
   * While the call is not up. A BYE from the caller on the ringing call ends it (§15.1.2: 487 to
   * the INVITE). A dialog that ends between our 2xx and its ACK (the caller's BYE overtook a lost
   * ACK, the user agent closed) makes `accept()` reject.
   */
  #onEarlyBye(): void {
    if (this.#call.state === 'ringing') this.#end('bye', 'cancelled', 487);
  }

  #dialogResponse(
    status: number,
    sdp: string | undefined,
    reason: string | undefined,
    headers: readonly HeaderField[] | undefined,
  ): SipResponse {
    // Built field by field: an object spread per response is measurable at thousands of calls/s.
    const options: DialogResponseOptions = {
      toTag: this.localTag,
      transport: this.source.transport,
    };
    if (reason !== undefined) options.reason = reason;
    if (headers !== undefined) options.headers = headers;
    if (sdp !== undefined) {
      options.body = sdp;
      options.contentType = 'application/sdp';
    }
    return this.#ctx.dialogResponse(this.request, status, options);
  }
}

/** The early dialog's delegate while the call rings: a BYE from the caller ends it (§15.1.2). */
class RingingCall implements DialogDelegate {
  constructor(readonly invite: IncomingInvite) {}

  onBye(): void {
    earlyBye(this.invite);
  }
}

/**
 * An answered call waiting for its ACK: the dialog's delegate and the listener of its 2xx
 * retransmission, one object a call where closures would make several. A dialog that ends
 * before the ACK (the caller's BYE overtook a lost ACK, the user agent closed) makes `accept()`
 * reject.
 */
class AnsweredCall implements DialogDelegate, AnswerListener {
  constructor(
    readonly call: CallState,
    readonly dialog: Dialog,
    readonly ctx: UaContext,
  ) {}

  onAcked(ack: SipRequest): void {
    const { call, dialog } = this;
    this.ctx.pendingAcks.delete(dialog);
    call.state = 'confirmed';
    // An INVITE without an offer gets its answer in the ACK (RFC 3264 §4).
    if (ack.body.length > 0) dialog.recordSdp({ remote: ack.body.toString('utf8') });
    if (dialog.delegate === this) dialog.delegate = undefined; // the API user's from now on
    const resolve = call.resolve;
    settled(call);
    resolve?.(dialog);
  }

  onGiveUp(): void {
    const { call, dialog, ctx } = this;
    ctx.pendingAcks.delete(dialog);
    call.state = 'failed';
    if (dialog.delegate === this) dialog.delegate = undefined;
    // §13.3.1.4: the dialog is confirmed but the session is ended with a BYE.
    dialog.terminate({ by: 'local', cause: 'ack-timeout' });
    ctx.host.sendInDialog(dialog, 'BYE', {}).catch((error: unknown) => {
      ctx.reportError(error);
    });
    rejectCall(call, new AckTimeoutError('No ACK came for the 200 OK'));
  }

  onTerminated(end: DialogEnd): void {
    const call = this.call;
    if (call.state !== 'accepted') return;
    if (this.dialog.delegate === this) this.dialog.delegate = undefined;
    if (end.by === 'remote' && end.cause === 'bye') {
      call.state = 'cancelled';
      call.abortCause = 'bye';
      rejectCall(call, new InviteStateError('The caller hung up before the call was up'));
    } else {
      call.state = 'failed';
      rejectCall(
        call,
        new InviteStateError(`The call ended before it was acknowledged (${end.cause})`),
      );
    }
  }
}

/** `accept()` is settled once: later outcomes find nothing to settle. */
function settled(call: CallState): void {
  call.resolve = undefined;
  call.reject = undefined;
}

function rejectCall(call: CallState, error: Error): void {
  const reject = call.reject;
  settled(call);
  reject?.(error);
}

/** `UaContext.dialogResponse` options, filled one by one. */
type DialogResponseOptions = {
  -readonly [K in keyof ResponseOptions]: ResponseOptions[K];
} & { readonly toTag: string; readonly transport: TransportName };

/** Response options for an optional SDP body. */
function sdpBody(
  sdp: string | undefined,
  reason: string | undefined,
  headers: readonly HeaderField[] | undefined,
): { reason?: string; headers?: readonly HeaderField[]; body?: string; contentType?: string } {
  return {
    ...(reason === undefined ? {} : { reason }),
    ...(headers === undefined ? {} : { headers }),
    ...(sdp === undefined ? {} : { body: sdp, contentType: 'application/sdp' }),
  };
}
