/**
 * The dialog layer's vocabulary: what identifies a dialog, how it ends, what the API user hears
 * from it (`DialogDelegate`) and what it needs from the user agent core below the API
 * (`DialogHost`: local addresses for Via and Contact, and a way to send requests).
 */
import type { HeaderField, SipRequest, SipResponse } from '../message/index.js';
import type { TransportName } from '../transaction/index.js';
import type { Dialog } from './dialog.js';

/** RFC 3261 §12: a dialog is early until a 2xx, confirmed after, terminated at the end. */
export type DialogState = 'early' | 'confirmed' | 'terminated';

/** RFC 3261 §12: Call-ID, local tag and remote tag identify a dialog. */
export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  /** Undefined only for a UAS dialog with an RFC 2543 caller that sent no From tag (§12.1.1). */
  readonly remoteTag: string | undefined;
}

/** Why a dialog ended. */
export type DialogEndCause =
  /** A BYE was sent or received (RFC 3261 §15). */
  | 'bye'
  /** The INVITE got a non-2xx final response (an early dialog ends, §12.3). */
  | 'rejected'
  /** The INVITE was cancelled before it was answered (§9). */
  | 'cancelled'
  /** Our 2xx was never acknowledged (§13.3.1.4): the dialog was confirmed, then hung up. */
  | 'ack-timeout'
  /** An in-dialog request got 481 or 408, or could not be sent (§12.2.1.2). */
  | 'failed'
  /** The user agent was closed. */
  | 'closed';

export interface DialogEnd {
  /** `local`: this side ended it; `remote`: the peer did. */
  readonly by: 'local' | 'remote';
  readonly cause: DialogEndCause;
  /** The Reason header value (RFC 3326) of the BYE that ended it, when it had one. */
  readonly reason?: string;
  /** The request that ended it (the BYE received), when there was one. */
  readonly request?: SipRequest;
}

/** A new SDP offer in a re-INVITE or UPDATE (RFC 3264 §8, RFC 3311 §5.2). */
export interface SessionOffer {
  readonly method: 'INVITE' | 'UPDATE';
  /**
   * The offer. Undefined for a re-INVITE without a body: the answer then carries our offer and
   * the peer's answer comes in the ACK (RFC 3261 §14.2, RFC 3264 §4).
   */
  readonly sdp: string | undefined;
  readonly request: SipRequest;
  readonly dialog: Dialog;
}

/** What the API user answers to a {@link SessionOffer}: an SDP answer, or a refusal. */
export type SessionAnswer =
  | { readonly sdp: string; readonly headers?: readonly HeaderField[] }
  | {
      readonly status: number;
      readonly reason?: string;
      readonly headers?: readonly HeaderField[];
    };

/** A response to an in-dialog request, chosen by the API user. */
export interface InDialogReply {
  readonly status: number;
  readonly reason?: string;
  readonly headers?: readonly HeaderField[];
  readonly body?: string | Buffer;
  readonly contentType?: string;
}

/**
 * What the API user hears from a dialog (typed delegate, no string events). Every member is
 * optional; without one the user agent answers for itself (see the UA core's README section).
 */
export interface DialogDelegate {
  /** The peer hung up with a BYE (already answered 200; the dialog is terminated). */
  onBye?(bye: SipRequest): void;
  /**
   * A re-INVITE or UPDATE with a new offer. Without this member the last SDP we sent is
   * answered again (a session refresh keeps the media as it is).
   */
  onOffer?(offer: SessionOffer): SessionAnswer | Promise<SessionAnswer>;
  /** INFO (RFC 6086): answered with the status returned, 200 by default. */
  onInfo?(info: SipRequest): InDialogReply | undefined | Promise<InDialogReply | undefined>;
  /** Another in-dialog request (NOTIFY, REFER, MESSAGE...): 405 without this member. */
  onRequest?(request: SipRequest): InDialogReply | Promise<InDialogReply>;
  /** The dialog ended, whatever the cause (called once). */
  onTerminated?(end: DialogEnd): void;
}

/** Extra header fields and a body for a request sent in a dialog. */
export interface DialogRequestOptions {
  readonly headers?: readonly HeaderField[];
  readonly body?: string | Buffer;
  /** Content-Type of `body` (`application/sdp` for an SDP offer). */
  readonly contentType?: string;
}

/**
 * What a dialog needs from the user agent core: our addresses, and the transaction layer to send
 * requests through (the core implements it; dialogs never touch a transport themselves).
 */
export interface DialogHost {
  /** A Via value for a request sent over `transport`, with a fresh branch (RFC 3261 §8.1.1.7). */
  via(transport: TransportName): string;
  /** Our Contact value (a name-addr) for `transport`; `secure` asks for a `sips:` URI (§12.1.1). */
  contact(transport: TransportName, secure: boolean): string;
  /** User-Agent header value, if any. */
  readonly userAgent: string | undefined;
  /**
   * Sends a request in `dialog` (built with `dialog.createRequest`) and resolves with its final
   * response (a local 408 or 503 when none came). INVITE: a 2xx is acknowledged before it
   * resolves (RFC 3261 §13.2.2.4).
   */
  sendInDialog(dialog: Dialog, method: string, options: DialogRequestOptions): Promise<SipResponse>;
  /** The dialog reached Terminated: forget it. */
  dialogTerminated(dialog: Dialog): void;
}
