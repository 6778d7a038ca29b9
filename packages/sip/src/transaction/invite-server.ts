/**
 * The INVITE server transaction (RFC 3261 §17.2.1, figure 7) with the Accepted state of
 * RFC 6026 §8.7: after a 2xx the transaction absorbs INVITE retransmissions, passes the TU's 2xx
 * retransmissions to the transport and hands ACKs to the TU until Timer L fires.
 */
import { createResponse, type SipRequest, type SipResponse } from '../message/index.js';
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
  #lastProvisional: SipResponse | undefined;
  #final: SipResponse | undefined;
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
    super(request, destination, env, listener);
    this.#intervalG = env.config.t1;
  }

  get state(): InviteServerState {
    return this.#state;
  }

  /** The final response sent, once there is one. */
  get finalResponse(): SipResponse | undefined {
    return this.#final;
  }

  /** Starts the 200 ms wait after which 100 Trying goes out if the TU has said nothing. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#timerTrying = this.startTimer(this.onTimerTrying, this.env.config.trying);
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
    } else if (status < 300) {
      this.#state = 'accepted';
      this.#final = response;
      this.#timerL = this.startTimer(this.onTimerL, 64 * this.env.config.t1);
      this.transmit(response);
    } else {
      this.#state = 'completed';
      this.#final = response;
      this.#timerH = this.startTimer(this.onTimerH, 64 * this.env.config.t1);
      if (!this.reliable) this.#timerG = this.startTimer(this.onTimerG, this.#intervalG);
      this.transmit(response);
    }
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
      this.#timerG = this.stopTimer(this.#timerG);
      this.#timerH = this.stopTimer(this.#timerH);
      this.#timerI = this.startTimer(this.onTimerI, this.reliable ? 0 : this.env.config.t4);
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
  }

  protected stopTimers(): void {
    this.#timerTrying = this.stopTimer(this.#timerTrying);
    this.#timerG = this.stopTimer(this.#timerG);
    this.#timerH = this.stopTimer(this.#timerH);
    this.#timerI = this.stopTimer(this.#timerI);
    this.#timerL = this.stopTimer(this.#timerL);
  }

  /** §17.2.1: 100 Trying unless the TU answers within 200 ms. */
  private readonly onTimerTrying = (): void => {
    this.#timerTrying = undefined;
    if (this.#state !== 'proceeding' || this.#lastProvisional !== undefined) return;
    this.#lastProvisional = createResponse(this.request, 100);
    this.transmit(this.#lastProvisional);
  };

  /** Timer G: retransmit the final response, doubling up to T2 (§17.2.1). */
  private readonly onTimerG = (): void => {
    this.#timerG = undefined;
    if (this.#state !== 'completed' || this.#final === undefined) return;
    this.#intervalG = Math.min(2 * this.#intervalG, this.env.config.t2);
    this.#timerG = this.startTimer(this.onTimerG, this.#intervalG);
    this.transmit(this.#final);
  };

  /** Timer H: no ACK came (§17.2.1). */
  private readonly onTimerH = (): void => {
    this.#timerH = undefined;
    if (this.#state === 'completed') this.fail({ kind: 'timeout' });
  };

  private readonly onTimerI = (): void => {
    this.#timerI = undefined;
    if (this.#state === 'confirmed') this.enterTerminated();
  };

  private readonly onTimerL = (): void => {
    this.#timerL = undefined;
    if (this.#state === 'accepted') this.enterTerminated();
  };
}
