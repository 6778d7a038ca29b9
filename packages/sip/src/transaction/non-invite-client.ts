/** The non-INVITE client transaction (RFC 3261 §17.1.2, figure 6). */
import type { SipRequest, SipResponse } from '../message/index.js';
import {
  TransactionBase,
  type ClientTransactionUser,
  type TerminationListener,
  type TransactionEnvironment,
} from './base.js';
import type { TimerHandle } from './timers.js';
import type { Destination, TransactionFailure } from './transport.js';

export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export class NonInviteClientTransaction extends TransactionBase {
  readonly kind = 'client' as const;
  #state: NonInviteClientState = 'trying';
  #timerE: TimerHandle;
  #intervalE: number;
  #timerF: TimerHandle;
  #timerK: TimerHandle;
  #started = false;

  constructor(
    readonly request: SipRequest,
    destination: Destination,
    private readonly user: ClientTransactionUser,
    env: TransactionEnvironment,
    listener?: TerminationListener,
  ) {
    super(destination, env, listener);
    this.#intervalE = env.config.t1;
  }

  get state(): NonInviteClientState {
    return this.#state;
  }

  /** Sends the request and starts Timer F (and Timer E over an unreliable transport). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#timerF = this.startTimer(() => {
      this.#onTimerF();
    }, 64 * this.env.config.t1);
    if (!this.reliable)
      this.#timerE = this.startTimer(() => {
        this.#onTimerE();
      }, this.#intervalE);
    this.transmit(this.request);
  }

  receiveResponse(response: SipResponse): void {
    if (this.#state !== 'trying' && this.#state !== 'proceeding') return; // Completed absorbs
    if (response.status < 200) {
      this.#state = 'proceeding';
      this.user.onResponse(response, this);
      return;
    }
    this.#state = 'completed';
    this.#timerE = this.stopTimer(this.#timerE);
    this.#timerF = this.stopTimer(this.#timerF);
    // §17.1.2.2: Timer K = T4 over unreliable transports (absorbs retransmissions), else 0.
    this.#timerK = this.startTimer(
      () => {
        this.#onTimerK();
      },
      this.reliable ? 0 : this.env.config.t4,
    );
    this.user.onResponse(response, this);
  }

  protected fail(failure: TransactionFailure): void {
    const inform = this.#state === 'trying' || this.#state === 'proceeding';
    this.enterTerminated();
    if (inform) this.user.onFailure(failure, this);
  }

  protected setTerminated(): void {
    this.#state = 'terminated';
  }

  protected stopTimers(): void {
    this.#timerE = this.stopTimer(this.#timerE);
    this.#timerF = this.stopTimer(this.#timerF);
    this.#timerK = this.stopTimer(this.#timerK);
  }

  /**
   * Timer E: retransmit; in Trying the interval doubles up to T2, in Proceeding it is T2
   * (§17.1.2.2).
   */
  #onTimerE(): void {
    this.#timerE = undefined;
    if (this.#state !== 'trying' && this.#state !== 'proceeding') return;
    const { t2 } = this.env.config;
    this.#intervalE = this.#state === 'trying' ? Math.min(2 * this.#intervalE, t2) : t2;
    this.#timerE = this.startTimer(() => {
      this.#onTimerE();
    }, this.#intervalE);
    this.transmit(this.request);
  }

  #onTimerF(): void {
    this.#timerF = undefined;
    if (this.#state === 'trying' || this.#state === 'proceeding') this.fail({ kind: 'timeout' });
  }

  #onTimerK(): void {
    this.#timerK = undefined;
    if (this.#state === 'completed') this.enterTerminated();
  }
}
