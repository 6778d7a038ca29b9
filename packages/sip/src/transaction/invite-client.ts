/**
 * The INVITE client transaction (RFC 3261 §17.1.1, figure 5) with the Accepted state of
 * RFC 6026 §8.4: 2xx responses and their retransmissions go up to the TU until Timer M fires.
 */
import type { SipRequest, SipResponse } from '../message/index.js';
import { ackForFinalResponse } from './ack.js';
import {
  TransactionBase,
  type ClientTransactionUser,
  type TerminationListener,
  type TransactionEnvironment,
} from './base.js';
import type { TimerHandle } from './timers.js';
import type { Destination, TransactionFailure } from './transport.js';

export type InviteClientState = 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated';

/** RFC 3261 §17.1.1.2: Timer D is at least 32 s over unreliable transports, whatever T1 is. */
const TIMER_D_UNRELIABLE = 32_000;

export class InviteClientTransaction extends TransactionBase {
  readonly kind = 'client' as const;
  #state: InviteClientState = 'calling';
  #timerA: TimerHandle;
  #intervalA: number;
  #timerB: TimerHandle;
  #timerD: TimerHandle;
  #timerM: TimerHandle;
  #timerC: TimerHandle;
  #ack: SipRequest | undefined;

  constructor(
    readonly request: SipRequest,
    destination: Destination,
    private readonly user: ClientTransactionUser,
    env: TransactionEnvironment,
    listener?: TerminationListener,
  ) {
    super(destination, env, listener);
    this.#intervalA = env.config.t1;
  }

  get state(): InviteClientState {
    return this.#state;
  }

  /** The ACK sent for a non-2xx final response, once there is one. */
  get ack(): SipRequest | undefined {
    return this.#ack;
  }

  /** Sends the INVITE and starts Timer B (and Timer A over an unreliable transport). */
  start(): void {
    if (this.#state !== 'calling' || this.#timerB !== undefined) return;
    this.#timerB = this.startTimer(() => {
      this.#onTimerB();
    }, 64 * this.env.config.t1);
    if (!this.reliable)
      this.#timerA = this.startTimer(() => {
        this.#onTimerA();
      }, this.#intervalA);
    this.transmit(this.request);
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.#state) {
      case 'calling':
      case 'proceeding':
        this.#timerA = this.stopTimer(this.#timerA);
        this.#timerB = this.stopTimer(this.#timerB);
        this.#timerC = this.stopTimer(this.#timerC);
        if (status < 200) {
          this.#state = 'proceeding';
          this.#timerC = this.startTimer(() => {
            this.#onTimerC();
          }, this.env.config.proceeding);
          this.user.onResponse(response, this);
        } else if (status < 300) {
          // RFC 6026 §8.4: the TU (dialog) sends the ACK for a 2xx, end to end.
          this.#state = 'accepted';
          this.#timerM = this.startTimer(() => {
            this.#onTimerM();
          }, 64 * this.env.config.t1);
          this.user.onResponse(response, this);
        } else {
          this.#state = 'completed';
          this.#timerD = this.startTimer(
            () => {
              this.#onTimerD();
            },
            this.reliable ? 0 : TIMER_D_UNRELIABLE,
          );
          this.#ack = ackForFinalResponse(this.request, response);
          this.user.onResponse(response, this);
          if (!this.terminated) this.transmit(this.#ack);
        }
        return;
      case 'accepted':
        if (status >= 200 && status < 300) this.user.onResponse(response, this);
        return;
      case 'completed':
        // §17.1.1.2: a retransmitted final response gets the ACK again and does not go up.
        if (status >= 300 && this.#ack !== undefined) this.transmit(this.#ack);
        return;
      case 'terminated':
        return;
    }
  }

  protected fail(failure: TransactionFailure): void {
    // Once a final response went up the TU has its answer: a lost ACK only ends the transaction.
    const inform = this.#state === 'calling' || this.#state === 'proceeding';
    this.enterTerminated();
    if (inform) this.user.onFailure(failure, this);
  }

  protected setTerminated(): void {
    this.#state = 'terminated';
  }

  protected stopTimers(): void {
    this.#timerA = this.stopTimer(this.#timerA);
    this.#timerB = this.stopTimer(this.#timerB);
    this.#timerD = this.stopTimer(this.#timerD);
    this.#timerM = this.stopTimer(this.#timerM);
    this.#timerC = this.stopTimer(this.#timerC);
  }

  /** Timer A: retransmit, doubling the interval (§17.1.1.2; INVITE has no T2 cap). */
  #onTimerA(): void {
    this.#timerA = undefined;
    if (this.#state !== 'calling') return;
    this.#intervalA *= 2;
    this.#timerA = this.startTimer(() => {
      this.#onTimerA();
    }, this.#intervalA);
    this.transmit(this.request);
  }

  /** Timer B: no response at all (§17.1.1.2). */
  #onTimerB(): void {
    this.#timerB = undefined;
    if (this.#state === 'calling') this.fail({ kind: 'timeout' });
  }

  /** Proceeding for too long without a final response: the TU hears a timeout (and CANCELs). */
  #onTimerC(): void {
    this.#timerC = undefined;
    if (this.#state === 'proceeding') this.fail({ kind: 'timeout' });
  }

  #onTimerD(): void {
    this.#timerD = undefined;
    if (this.#state === 'completed') this.enterTerminated();
  }

  #onTimerM(): void {
    this.#timerM = undefined;
    if (this.#state === 'accepted') this.enterTerminated();
  }
}
