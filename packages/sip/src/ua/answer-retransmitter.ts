/**
 * The UAS core's 2xx retransmission (RFC 3261 §13.3.1.4): an INVITE server transaction sends a
 * 2xx once and leaves it to the TU, which passes it to the transport again at T1, then at
 * intervals doubling up to T2, until the ACK arrives. After 64·T1 without an ACK it gives up and
 * the dialog is hung up with a BYE (the listener's job).
 *
 *   waiting ──ack()──> acked
 *      └──64·T1──> gave-up        (stop() from either: stopped)
 *
 * The RFC asks for this on every transport (a proxy may forward the 2xx over UDP further on), so
 * it runs over TCP too; there the ACK usually arrives before the first retransmission.
 */
import {
  parseMessage,
  serializeMessage,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
import type { InviteServerTransaction, TimerHandle } from '../transaction/index.js';
import type { UaContext } from './context.js';

export type AnswerRetransmitterState = 'waiting' | 'acked' | 'gave-up' | 'stopped';

export interface AnswerListener {
  onAcked(ack: SipRequest): void;
  onGiveUp(): void;
}

export class AnswerRetransmitter {
  #state: AnswerRetransmitterState = 'waiting';
  #timer: TimerHandle;
  #interval: number;
  /** The delay the pending timer was set for. */
  #wait: number;
  #elapsed = 0;
  /** How many times the 2xx was sent again (for tests and metrics). */
  retransmissions = 0;
  readonly #cseq: number;
  /**
   * The 2xx as it is sent (each byte one character), rather than the message: a call answered
   * and not yet acknowledged holds one string instead of a message, its fields and its arrays
   * (at thousands of calls a second, what calls in flight hold is what the garbage collector
   * copies). Parsed again for each retransmission, which is rare.
   */
  readonly #text: string;

  constructor(
    response: SipResponse,
    private readonly transaction: InviteServerTransaction,
    private readonly ctx: UaContext,
    private readonly listener: AnswerListener,
  ) {
    this.#interval = ctx.config.t1;
    this.#wait = this.#interval;
    this.#cseq = response.cseq().seq;
    this.#text = serializeMessage(response).toString('latin1');
  }

  /** The 2xx retransmitted (parsed again from its bytes: an equal message, a new object). */
  get response(): SipResponse {
    const parsed = parseMessage(Buffer.from(this.#text, 'latin1'));
    if (!parsed.ok || parsed.message.kind !== 'response')
      throw new Error('AnswerRetransmitter: the 2xx sent does not parse back');
    return parsed.message;
  }

  get state(): AnswerRetransmitterState {
    return this.#state;
  }

  /** The CSeq number of the INVITE answered: its ACK carries the same (§13.2.2.4). */
  get cseq(): number {
    return this.#cseq;
  }

  start(): void {
    this.#timer = this.ctx.timers.setTimeout(this.#fire, this.#wait);
  }

  /** An ACK for this dialog. True when it acknowledges this 2xx (same CSeq number). */
  ack(ack: SipRequest): boolean {
    if (this.#state !== 'waiting' || ack.cseq().seq !== this.#cseq) return false;
    this.#state = 'acked';
    this.#clear();
    this.listener.onAcked(ack);
    return true;
  }

  /** Stops without telling the listener (the call ended some other way, or shutdown). */
  stop(): void {
    if (this.#state !== 'waiting') return;
    this.#state = 'stopped';
    this.#clear();
  }

  #clear(): void {
    if (this.#timer !== undefined) this.ctx.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    if (this.#state !== 'waiting') return;
    this.#elapsed += this.#wait;
    const limit = 64 * this.ctx.config.t1;
    if (this.#elapsed >= limit) {
      this.#state = 'gave-up';
      this.listener.onGiveUp();
      return;
    }
    this.retransmissions += 1;
    // While the transaction is in Accepted (RFC 6026 §8.7) it passes the 2xx on; once it is
    // gone (Timer L, a transport error) the 2xx goes out statelessly to the same place.
    let response: SipResponse | undefined;
    try {
      response = this.response;
    } catch (error) {
      this.ctx.reportError(error);
    }
    if (response !== undefined && !this.transaction.respond(response)) {
      try {
        this.ctx.transactions.sendStateless(response, this.transaction.destination);
      } catch (error) {
        this.ctx.reportError(error, response);
      }
    }
    this.#interval = Math.min(2 * this.#interval, this.ctx.config.t2);
    // The last wait is cut short so that the give-up falls at 64·T1 exactly.
    this.#wait = Math.min(this.#interval, limit - this.#elapsed);
    this.#timer = this.ctx.timers.setTimeout(this.#fire, this.#wait);
  };
}
