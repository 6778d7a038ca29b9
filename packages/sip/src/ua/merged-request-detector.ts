/**
 * Merged requests (RFC 3261 §8.2.2.2): a request without a To tag whose From tag, Call-ID and
 * CSeq are those of a transaction still under way, but which belongs to another transaction, is
 * a copy that reached us twice through a forking proxy (or a loop); it gets 482 (Loop Detected).
 * Keeps one entry per live server transaction, dropped when the transaction terminates.
 */
import type { SipRequest } from '../message/index.js';
import { flatString } from '../message/syntax.js';
import type { ServerTransaction } from '../transaction/index.js';

export class MergedRequestDetector {
  /**
   * Live transactions by key. Each one recorded carries its key (`tuKey`), so `forget` needs no
   * second map: one entry per call for 32 s is enough for the garbage collector to walk.
   */
  readonly #live = new Map<string, ServerTransaction>();

  /** Entries held (live transactions of requests without a To tag). */
  get size(): number {
    return this.#live.size;
  }

  /**
   * True when `request` (arriving in the new `transaction`) merges with another live
   * transaction; otherwise it is recorded and false is returned. Requests with a To tag (in a
   * dialog) are never merged. Throws `SipMessageError` (400) for an unreadable From or CSeq.
   */
  isMerged(request: SipRequest, transaction: ServerTransaction): boolean {
    if (request.to().tag !== undefined) return false;
    const cseq = request.cseq();
    // Flat: kept for the transaction's life (32 s after a 2xx), not its request (see flatString).
    const key = flatString(
      `${request.from().tag ?? ''}\n${request.callId}\n${String(cseq.seq)}\n${cseq.method}`,
    );
    const existing = this.#live.get(key);
    if (existing !== undefined && existing !== transaction && existing.state !== 'terminated') {
      return true;
    }
    this.#live.set(key, transaction);
    transaction.tuKey = key;
    return false;
  }

  /** The transaction ended: its request no longer merges with anything. */
  forget(transaction: ServerTransaction): void {
    const key = transaction.tuKey;
    if (key === undefined) return;
    transaction.tuKey = undefined;
    if (this.#live.get(key) === transaction) this.#live.delete(key);
  }
}
