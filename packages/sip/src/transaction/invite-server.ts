/**
 * The INVITE server transaction (RFC 3261 §17.2.1, figure 7) with the Accepted state of
 * RFC 6026 §8.7: after a 2xx the transaction absorbs INVITE retransmissions, passes the TU's 2xx
 * retransmissions to the transport and hands ACKs to the TU until Timer L fires.
 */
import { createResponse, type SipRequest, type SipResponse } from '../message/index.js';
import { forgetParsedFields } from '../message/message.js';
import {
  TransactionBase,
  type ServerTransactionUser,
  type TerminationListener,
  type TransactionEnvironment,
} from './base.js';
import type { TimerHandle } from './timers.js';
import type { Destination, TransactionFailure } from './transport.js';

export type InviteServerState =
  'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';

export class InviteServerTransaction extends TransactionBase {
  readonly kind = 'server' as const;
  #state: InviteServerState = 'proceeding';
  /** Held until the final response is sent (see `Transaction.request`). */
  #request: SipRequest | undefined;
  #lastProvisional: SipResponse | undefined;
  /** A non-2xx final response, held while it may have to be sent again (Completed). */
  #final: SipResponse | undefined;
  #finalStatus: number | undefined;
  #finalToTag: string | undefined;
  #timerTrying: TimerHandle;
  #timerG: TimerHandle;
  #intervalG: number;
  #timerH: TimerHandle;
  #timerI: TimerHandle;
  #timerL: TimerHandle;
  #started = false;

  constructor(
    request: SipRequest,
    /** The request's source: responses go back there (see `Destination`). */
    destination: Destination,
    private readonly user: ServerTransactionUser,
    env: TransactionEnvironment,
    listener?: TerminationListener,
  ) {
    super(destination, env, listener);
    this.#request = request;
    this.#intervalG = env.config.t1;
  }

  get state(): InviteServerState {
    return this.#state;
  }

  /** The INVITE, until the final response is sent. */
  get request(): SipRequest | undefined {
    return this.#request;
  }

  /**
   * The final response while the transaction holds it: a non-2xx until its ACK came (it is
   * retransmitted until then, §17.2.1). A 2xx is not kept: the TU retransmits its own 2xx
   * (RFC 6026 §8.7, RFC 3261 §13.3.1.4). `finalStatus` tells whether a final response went.
   */
  get finalResponse(): SipResponse | undefined {
    return this.#final;
  }

  /** The status of the final response sent, once there is one. */
  get finalStatus(): number | undefined {
    return this.#finalStatus;
  }

  /**
   * The To tag of the final response sent, once there is one (§9.2: a CANCEL arriving after it
   * is answered with the same tag).
   */
  get finalToTag(): string | undefined {
    return this.#finalToTag;
  }

  /**
   * Starts the 200 ms wait after which 100 Trying goes out if the TU has said nothing; nothing
   * to wait for when it has already answered (the layer starts a transaction once its TU had
   * the request).
   */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    if (this.#state !== 'proceeding' || this.#lastProvisional !== undefined) return;
    this.#timerTrying = this.startTimer(() => {
      this.#onTimerTrying();
    }, this.env.config.trying);
  }

  /**
   * Sends a response from the TU. False (and nothing sent) when the state does not allow it:
   * after a non-2xx final response, or anything but a 2xx in Accepted.
   */
  respond(response: SipResponse): boolean {
    const status = response.status;
    if (this.#state === 'accepted') {
      // RFC 6026 §8.7: the TU's 2xx retransmissions pass through.
      if (status < 200 || status >= 300) return false;
      this.transmit(response);
      return true;
    }
    if (this.#state !== 'proceeding') return false;
    this.#timerTrying = this.stopTimer(this.#timerTrying);
    if (status < 200) {
      this.#lastProvisional = response;
      this.transmit(response);
      return true;
    }
    this.#finalStatus = status;
    this.#finalToTag = toTagOf(response);
    // From here on the transaction only absorbs retransmissions: what it no longer needs goes.
    this.#request = undefined;
    this.#lastProvisional = undefined;
    if (status < 300) {
      this.#state = 'accepted';
      const linger = this.env.linger;
      if (linger !== undefined && linger.delay === 64 * this.env.config.t1) linger.add(this);
      else
        this.#timerL = this.startTimer(() => {
          this.#onTimerL();
        }, 64 * this.env.config.t1);
    } else {
      this.#state = 'completed';
      this.#final = response;
      this.#timerH = this.startTimer(() => {
        this.#onTimerH();
      }, 64 * this.env.config.t1);
      if (!this.reliable) this.#startTimerG();
    }
    this.transmit(response);
    // A non-2xx is kept until its ACK only to be sent again: its parsed fields can go.
    if (this.#state === 'completed') forgetParsedFields(response);
    return true;
  }

  /** A retransmission of the INVITE (§17.2.1): answered again, never passed to the TU. */
  receiveRequest(_request: SipRequest): void {
    if (this.#state === 'proceeding') {
      if (this.#lastProvisional !== undefined) this.transmit(this.#lastProvisional);
    } else if (this.#state === 'completed') {
      if (this.#final !== undefined) this.transmit(this.#final);
    }
    // Accepted (RFC 6026 §8.7) and Confirmed absorb it.
  }

  /**
   * An ACK matching this transaction (§17.2.1). True when it is for the TU: in Accepted it
   * acknowledges a 2xx and belongs to the dialog layer (RFC 6026 §8.7); elsewhere it is absorbed.
   */
  receiveAck(_ack: SipRequest): boolean {
    if (this.#state === 'completed') {
      this.#state = 'confirmed';
      this.#final = undefined; // Confirmed only absorbs ACKs
      this.#timerG = this.stopTimer(this.#timerG);
      this.#timerH = this.stopTimer(this.#timerH);
      this.#timerI = this.startTimer(
        () => {
          this.#onTimerI();
        },
        this.reliable ? 0 : this.env.config.t4,
      );
      return false;
    }
    return this.#state === 'accepted';
  }

  protected fail(failure: TransactionFailure): void {
    this.enterTerminated();
    this.user.onFailure(failure, this);
  }

  protected setTerminated(): void {
    this.#state = 'terminated';
    this.#request = undefined;
    this.#lastProvisional = undefined;
    this.#final = undefined;
  }

  protected stopTimers(): void {
    this.#timerTrying = this.stopTimer(this.#timerTrying);
    this.#timerG = this.stopTimer(this.#timerG);
    this.#timerH = this.stopTimer(this.#timerH);
    this.#timerI = this.stopTimer(this.#timerI);
    this.#timerL = this.stopTimer(this.#timerL);
  }

  /** §17.2.1: 100 Trying unless the TU answers within 200 ms. */
  #onTimerTrying(): void {
    this.#timerTrying = undefined;
    const request = this.#request;
    if (this.#state !== 'proceeding' || this.#lastProvisional !== undefined) return;
    if (request === undefined) return;
    this.#lastProvisional = createResponse(request, 100);
    this.transmit(this.#lastProvisional);
  }

  #startTimerG(): void {
    this.#timerG = this.startTimer(() => {
      this.#onTimerG();
    }, this.#intervalG);
  }

  /** Timer G: retransmit the final response, doubling up to T2 (§17.2.1). */
  #onTimerG(): void {
    this.#timerG = undefined;
    if (this.#state !== 'completed' || this.#final === undefined) return;
    this.#intervalG = Math.min(2 * this.#intervalG, this.env.config.t2);
    this.#startTimerG();
    this.transmit(this.#final);
  }

  /** Timer H: no ACK came (§17.2.1). */
  #onTimerH(): void {
    this.#timerH = undefined;
    if (this.#state === 'completed') this.fail({ kind: 'timeout' });
  }

  #onTimerI(): void {
    this.#timerI = undefined;
    if (this.#state === 'confirmed') this.enterTerminated();
  }

  #onTimerL(): void {
    this.#timerL = undefined;
    if (this.#state === 'accepted') this.enterTerminated();
  }

  /** Timer L, when the layer's `LingerQueue` keeps it (see `TransactionEnvironment.linger`). */
  lingerExpired(): void {
    this.#onTimerL();
  }
}

/** The To tag of a response the TU built; undefined when it has none or its To is unreadable. */
function toTagOf(response: SipResponse): string | undefined {
  try {
    return response.to().tag;
  } catch {
    return undefined;
  }
}
