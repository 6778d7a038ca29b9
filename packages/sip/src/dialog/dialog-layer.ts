/**
 * The dialogs of a user agent, by Call-ID and tags (RFC 3261 §12), so that a request with a To
 * tag finds its dialog (§12.2.2) and a response to one of our requests finds the dialog it
 * belongs to (§13.2.2.4: a retransmitted 2xx gets the ACK again).
 */
import type { SipRequest, SipResponse } from '../message/index.js';
import { dialogKey, type Dialog } from './dialog.js';

export class DialogLayer {
  readonly #dialogs = new Map<string, Dialog>();

  /** Dialogs not yet terminated. */
  get size(): number {
    return this.#dialogs.size;
  }

  add(dialog: Dialog): void {
    this.#dialogs.set(dialog.key, dialog);
  }

  /** Forgets `dialog` (only that object: a newer dialog under the same key stays). */
  remove(dialog: Dialog): void {
    if (this.#dialogs.get(dialog.key) === dialog) this.#dialogs.delete(dialog.key);
  }

  get(callId: string, localTag: string, remoteTag: string | undefined): Dialog | undefined {
    return this.#dialogs.get(dialogKey(callId, localTag, remoteTag));
  }

  /**
   * The dialog of an incoming request (§12.2.2): its To tag is our local tag, its From tag the
   * remote one. Undefined for a request without a To tag, or one that matches nothing (481).
   * Throws the message layer's `SipMessageError` (400) for an unreadable From or To.
   */
  forRequest(request: SipRequest): Dialog | undefined {
    const localTag = request.to().tag;
    if (localTag === undefined) return undefined;
    return this.get(request.callId, localTag, request.from().tag);
  }

  /** The dialog a response to our request belongs to: From tag local, To tag remote. */
  forResponse(response: SipResponse): Dialog | undefined {
    const localTag = response.from().tag;
    if (localTag === undefined) return undefined;
    return this.get(response.callId, localTag, response.to().tag);
  }

  /** Every dialog, for shutdown. */
  all(): Dialog[] {
    return [...this.#dialogs.values()];
  }
}
