/** The non-INVITE server transaction (RFC 3261 §17.2.2, figure 8). */
import type { SipRequest, SipResponse } from '../message/index.js';
import { forgetParsedFields } from '../message/message.js';
import {
  TransactionBase,
  type ServerTransactionUser,
  type TerminationListener,
  type TransactionEnvironment,
} from './base.js';
import type { TimerHandle } from './timers.js';
import type { Destination, TransactionFailure } from './transport.js';

export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export class NonInviteServerTransaction extends TransactionBase {
  readonly kind = 'server' as const;
  #state: NonInviteServerState = 'trying';
  /** Held until the final response is sent (see `Transaction.request`). */
  #request: SipRequest | undefined;
  #lastResponse: SipResponse | undefined;
  #finalStatus: number | undefined;
  #timerJ: TimerHandle;

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
  }

  get state(): NonInviteServerState {
    return this.#state;
  }

  /** The request, until the final response is sent. */
  get request(): SipRequest | undefined {
    return this.#request;
  }

  /** The final response sent, once there is one (held until Terminated: it is sent again). */
  get finalResponse(): SipResponse | undefined {
    return this.#state === 'completed' ? this.#lastResponse : undefined;
  }

  /** The status of the final response sent, once there is one. */
  get finalStatus(): number | undefined {
    return this.#finalStatus;
  }

  /** Nothing to start: a non-INVITE server transaction waits for the TU (no timer in Trying). */
  start(): void {
    // Present so that every transaction is driven the same way.
  }

  /** Sends a response from the TU; false (nothing sent) once a final response has gone. */
  respond(response: SipResponse): boolean {
    if (this.#state !== 'trying' && this.#state !== 'proceeding') return false;
    this.#lastResponse = response;
    if (response.status < 200) {
      this.#state = 'proceeding';
    } else {
      this.#state = 'completed';
      this.#finalStatus = response.status;
      // Completed only answers retransmissions with the last response.
      this.#request = undefined;
      // §17.2.2: Timer J = 64*T1 over unreliable transports, 0 over reliable ones.
      const linger = this.env.linger;
      const delay = this.reliable ? 0 : 64 * this.env.config.t1;
      if (delay > 0 && linger !== undefined && linger.delay === delay) linger.add(this);
      else
        this.#timerJ = this.startTimer(() => {
          this.#onTimerJ();
        }, delay);
    }
    this.transmit(response);
    // Kept 64·T1 only to be sent again: its parsed fields can go (parsed again if it is).
    if (this.#state === 'completed') forgetParsedFields(response);
    return true;
  }

  /**
   * A retransmission of the request (§17.2.2): discarded in Trying, answered with the last
   * response in Proceeding and Completed.
   */
  receiveRequest(_request: SipRequest): void {
    if (this.#state === 'proceeding' || this.#state === 'completed') {
      if (this.#lastResponse !== undefined) this.transmit(this.#lastResponse);
    }
  }

  protected fail(failure: TransactionFailure): void {
    this.enterTerminated();
    this.user.onFailure(failure, this);
  }

  protected setTerminated(): void {
    this.#state = 'terminated';
    this.#request = undefined;
    this.#lastResponse = undefined;
  }

  protected stopTimers(): void {
    this.#timerJ = this.stopTimer(this.#timerJ);
  }

  #onTimerJ(): void {
    this.#timerJ = undefined;
    if (this.#state === 'completed') this.enterTerminated();
  }

  /** Timer J, when the layer's `LingerQueue` keeps it (see `TransactionEnvironment.linger`). */
  lingerExpired(): void {
    this.#onTimerJ();
  }
}
