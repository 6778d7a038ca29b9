/** The non-INVITE server transaction (RFC 3261 §17.2.2, figure 8). */
import {
  parseMessage,
  serializeMessage,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
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
  /** The last provisional response, while the request is still being worked on. */
  #lastResponse: SipResponse | undefined;
  /**
   * The final response as it went out (each byte one character), kept for the 64·T1 of Timer J
   * rather than the message: one string instead of a message, its fields and its arrays, for the
   * garbage collector to walk in every full collection. Parsed again if it is sent again.
   */
  #finalText: string | undefined;
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
    return this.#state === 'completed' ? this.#final() : undefined;
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
    if (this.#state === 'completed') {
      // Kept 64·T1 only to be sent again: as its bytes (see #finalText).
      this.#finalText = serializeMessage(response).toString('latin1');
      this.#lastResponse = undefined;
    }
    this.transmit(response);
    return true;
  }

  /** The final response sent, parsed again from what went out. */
  #final(): SipResponse | undefined {
    const text = this.#finalText;
    if (text === undefined) return undefined;
    const parsed = parseMessage(Buffer.from(text, 'latin1'));
    return parsed.ok && parsed.message.kind === 'response' ? parsed.message : undefined;
  }

  /**
   * A retransmission of the request (§17.2.2): discarded in Trying, answered with the last
   * response in Proceeding and Completed.
   */
  receiveRequest(_request: SipRequest): void {
    if (this.#state === 'proceeding' || this.#state === 'completed') {
      const last = this.#state === 'completed' ? this.#final() : this.#lastResponse;
      if (last !== undefined) this.transmit(last);
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
    this.#finalText = undefined;
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
