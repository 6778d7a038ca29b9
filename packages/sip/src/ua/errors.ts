/** Errors of the user agent layer: typed, each carrying the SIP status it stands for. */
import type { SipResponse } from '../message/index.js';

/** How an outgoing INVITE failed. */
export type InviteFailureKind =
  /** A final response 300-699 came (`response` holds it). */
  | 'rejected'
  /** No final response in time (RFC 3261 §8.1.3.1: treated as 408). */
  | 'timeout'
  /** The transport failed (§8.1.3.1: treated as 503). */
  | 'transport'
  /** Our own AbortSignal cancelled it (§9.1); the status is the 487 or what came instead. */
  | 'cancelled';

/** An outgoing INVITE that did not end in a confirmed dialog. */
export class InviteError extends Error {
  override readonly name = 'InviteError';
  constructor(
    readonly kind: InviteFailureKind,
    /** The final status: the response's, or 408 / 503 / 487 for local outcomes. */
    readonly status: number,
    message: string,
    /** The final response, when one came. */
    readonly response?: SipResponse,
  ) {
    super(message);
  }
}

/** An incoming INVITE used in a state that forbids it (accept after reject, after CANCEL...). */
export class InviteStateError extends Error {
  override readonly name = 'InviteStateError';
}

/** The ACK for our 2xx never came (RFC 3261 §13.3.1.4): the call was hung up with a BYE. */
export class AckTimeoutError extends Error {
  override readonly name = 'AckTimeoutError';
  readonly status = 408;
}

/** An option of an API call that cannot be used (a malformed URI, a tel: target without proxy). */
export class UaOptionError extends TypeError {
  override readonly name = 'UaOptionError';
  constructor(
    /** The option at fault. */
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
  }
}
