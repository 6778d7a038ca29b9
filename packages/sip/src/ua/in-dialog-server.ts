/**
 * Requests received in a dialog, once the UA core has found the dialog and checked the CSeq
 * order (RFC 3261 §12.2.2): BYE (§15.1.2), re-INVITE (§14.2, glare → 491, one already under way
 * → 500 with Retry-After), UPDATE (RFC 3311), INFO (RFC 6086), OPTIONS (§11.2), and anything else
 * through the dialog's delegate (405 without one, §8.2.1).
 */
import type {
  Dialog,
  DialogDelegate,
  InDialogReply,
  SessionAnswer,
  SessionOffer,
} from '../dialog/index.js';
import type { HeaderField, SipRequest, SipResponse } from '../message/index.js';
import type {
  Destination,
  InviteServerTransaction,
  ServerTransaction,
} from '../transaction/index.js';
import { AnswerRetransmitter } from './answer-retransmitter.js';
import type { UaContext } from './context.js';

/** Something a CANCEL can stop: an INVITE not yet answered. */
export interface Cancellable {
  cancel(): boolean;
}

function bodyText(request: SipRequest): string | undefined {
  return request.body.length > 0 ? request.body.toString('utf8') : undefined;
}

export class InDialogServer {
  constructor(
    private readonly ctx: UaContext,
    /** INVITE server transactions a CANCEL may stop, shared with the core. */
    private readonly cancellables: WeakMap<InviteServerTransaction, Cancellable>,
  ) {}

  /** Handles `request` in `dialog` (CSeq already checked). Never throws. */
  handle(
    dialog: Dialog,
    request: SipRequest,
    transaction: ServerTransaction,
    source: Destination,
  ): void {
    switch (request.method) {
      case 'BYE':
        this.#bye(dialog, request, transaction);
        return;
      case 'INVITE':
        void this.#reinvite(dialog, request, transaction as InviteServerTransaction, source);
        return;
      case 'UPDATE':
        void this.#update(dialog, request, transaction, source);
        return;
      case 'INFO':
        void this.#reply(request, transaction, dialog.delegate?.onInfo?.bind(dialog.delegate), 200);
        return;
      case 'OPTIONS':
        transaction.respond(this.optionsResponse(request));
        return;
      default:
        void this.#reply(
          request,
          transaction,
          dialog.delegate?.onRequest?.bind(dialog.delegate),
          405,
        );
    }
  }

  /** 200 to OPTIONS with what we can do (RFC 3261 §11.2). */
  optionsResponse(request: SipRequest, toTag?: string): SipResponse {
    const headers: HeaderField[] = [
      { name: 'Allow', value: this.ctx.allow },
      { name: 'Accept', value: 'application/sdp' },
    ];
    if (this.ctx.supported !== '') headers.push({ name: 'Supported', value: this.ctx.supported });
    return this.ctx.response(request, 200, {
      headers,
      ...(toTag === undefined ? {} : { toTag }),
    });
  }

  /** §15.1.2: 200, the dialog ends, pending requests in it get 487. */
  #bye(dialog: Dialog, request: SipRequest, transaction: ServerTransaction): void {
    transaction.respond(this.ctx.response(request, 200));
    const pending = this.ctx.pendingAcks.get(dialog);
    // A re-INVITE answered but not yet acknowledged needs no more retransmissions.
    if (pending !== undefined) {
      pending.stop();
      this.ctx.pendingAcks.delete(dialog);
    }
    const delegate: DialogDelegate | undefined = dialog.delegate;
    const reason = request.header('Reason');
    dialog.terminate({
      by: 'remote',
      cause: 'bye',
      request,
      ...(reason === undefined ? {} : { reason }),
    });
    delegate?.onBye?.(request);
  }

  /** §14.2: a re-INVITE. */
  async #reinvite(
    dialog: Dialog,
    request: SipRequest,
    transaction: InviteServerTransaction,
    source: Destination,
  ): Promise<void> {
    const refusal = dialog.modification.refusal(() => this.ctx.random());
    if (refusal !== undefined || this.ctx.pendingAcks.has(dialog)) {
      const retryAfter = refusal?.retryAfter ?? Math.floor(this.ctx.random() * 11);
      transaction.respond(
        this.ctx.response(request, refusal?.status ?? 500, {
          ...(refusal?.status === 491
            ? {}
            : { headers: [{ name: 'Retry-After', value: String(retryAfter) }] }),
        }),
      );
      return;
    }
    dialog.modification.beginRemote();
    this.cancellables.set(transaction, {
      cancel: () => {
        if (transaction.state !== 'proceeding') return false;
        dialog.modification.end();
        transaction.respond(this.ctx.response(request, 487));
        return true;
      },
    });
    const answer = await this.#answerOffer(dialog, request, 'INVITE');
    // Cancelled (487 sent) or failed while the offer was being answered.
    if (transaction.state !== 'proceeding') return;
    this.ctx.inviteAnswered(transaction);
    dialog.modification.end();
    if ('status' in answer) {
      transaction.respond(this.#refusalResponse(request, answer));
      return;
    }
    // RFC 3261 §12.2.2 / RFC 6141: the target is refreshed by the re-INVITE we accept.
    dialog.refreshTarget(request);
    const ok = this.ctx.dialogResponse(request, 200, {
      toTag: dialog.id.localTag,
      transport: source.transport,
      body: answer.sdp,
      contentType: 'application/sdp',
      ...(answer.headers === undefined ? {} : { headers: answer.headers }),
    });
    if (!transaction.respond(ok)) return;
    dialog.recordSdp({ local: answer.sdp, remote: bodyText(request) });
    const retransmitter = new AnswerRetransmitter(ok, transaction, this.ctx, {
      onAcked: (ack) => {
        this.ctx.pendingAcks.delete(dialog);
        if (ack.body.length > 0) dialog.recordSdp({ remote: ack.body.toString('utf8') });
      },
      onGiveUp: () => {
        this.ctx.pendingAcks.delete(dialog);
        dialog.terminate({ by: 'local', cause: 'ack-timeout' });
        this.ctx.host.sendInDialog(dialog, 'BYE', {}).catch((error: unknown) => {
          this.ctx.reportError(error);
        });
      },
    });
    this.ctx.pendingAcks.set(dialog, retransmitter);
    retransmitter.start();
  }

  /** RFC 3311: UPDATE, with or without an offer. */
  async #update(
    dialog: Dialog,
    request: SipRequest,
    transaction: ServerTransaction,
    source: Destination,
  ): Promise<void> {
    const offer = bodyText(request);
    if (offer === undefined) {
      dialog.refreshTarget(request);
      transaction.respond(
        this.ctx.dialogResponse(request, 200, {
          toTag: dialog.id.localTag,
          transport: source.transport,
        }),
      );
      return;
    }
    // RFC 3311 §5.2: an offer while ours is unanswered → 491; while theirs is → 500.
    const refusal = dialog.modification.refusal(() => this.ctx.random());
    if (refusal !== undefined) {
      transaction.respond(
        this.ctx.response(request, refusal.status, {
          ...(refusal.retryAfter === undefined
            ? {}
            : { headers: [{ name: 'Retry-After', value: String(refusal.retryAfter) }] }),
        }),
      );
      return;
    }
    dialog.modification.beginRemote();
    const answer = await this.#answerOffer(dialog, request, 'UPDATE');
    dialog.modification.end();
    if ('status' in answer) {
      transaction.respond(this.#refusalResponse(request, answer));
      return;
    }
    dialog.refreshTarget(request);
    dialog.recordSdp({ local: answer.sdp, remote: offer });
    transaction.respond(
      this.ctx.dialogResponse(request, 200, {
        toTag: dialog.id.localTag,
        transport: source.transport,
        body: answer.sdp,
        contentType: 'application/sdp',
        ...(answer.headers === undefined ? {} : { headers: answer.headers }),
      }),
    );
  }

  /**
   * The API user's answer to an offer, or the default: the last SDP we sent again (a session
   * refresh leaves the media as it is), 488 when we never sent one. A throwing delegate is
   * reported and answered 500.
   */
  async #answerOffer(
    dialog: Dialog,
    request: SipRequest,
    method: 'INVITE' | 'UPDATE',
  ): Promise<SessionAnswer> {
    const delegate = dialog.delegate;
    if (delegate?.onOffer === undefined) {
      const local = dialog.localSdp;
      return local === undefined ? { status: 488 } : { sdp: local };
    }
    const offer: SessionOffer = { method, sdp: bodyText(request), request, dialog };
    try {
      return await delegate.onOffer(offer);
    } catch (error) {
      this.ctx.reportError(error, request);
      return { status: 500 };
    }
  }

  #refusalResponse(
    request: SipRequest,
    answer: {
      readonly status: number;
      readonly reason?: string;
      readonly headers?: readonly HeaderField[];
    },
  ): SipResponse {
    const status = answer.status >= 300 && answer.status <= 699 ? answer.status : 500;
    return this.ctx.response(request, status, {
      ...(answer.reason === undefined ? {} : { reason: answer.reason }),
      ...(answer.headers === undefined ? {} : { headers: answer.headers }),
    });
  }

  /** Answers with what `handler` returns, `fallback` without a handler, 500 when it throws. */
  async #reply(
    request: SipRequest,
    transaction: ServerTransaction,
    handler:
      | ((request: SipRequest) => InDialogReply | undefined | Promise<InDialogReply | undefined>)
      | undefined,
    fallback: number,
  ): Promise<void> {
    let reply: InDialogReply | undefined;
    try {
      reply = handler === undefined ? undefined : await handler(request);
    } catch (error) {
      this.ctx.reportError(error, request);
      reply = { status: 500 };
    }
    if (reply === undefined) {
      transaction.respond(
        this.ctx.response(request, fallback, {
          ...(fallback === 405 ? { headers: [{ name: 'Allow', value: this.ctx.allow }] } : {}),
        }),
      );
      return;
    }
    const status = reply.status >= 200 && reply.status <= 699 ? reply.status : 500;
    transaction.respond(
      this.ctx.response(request, status, {
        ...(reply.reason === undefined ? {} : { reason: reply.reason }),
        ...(reply.headers === undefined ? {} : { headers: reply.headers }),
        ...(reply.body === undefined ? {} : { body: reply.body }),
        ...(reply.contentType === undefined ? {} : { contentType: reply.contentType }),
      }),
    );
  }
}
