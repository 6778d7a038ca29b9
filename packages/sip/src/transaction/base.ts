/**
 * What every transaction shares: its environment (transport, timers, intervals), sending with
 * transport errors turned into a failure (RFC 3261 §17.1.4, §17.2.4), and termination.
 */
import type { SipMessage, SipRequest, SipResponse } from '../message/index.js';
import type { LingerQueue } from './linger-queue.js';
import type { TimerConfig, TimerHandle, TransactionTimers } from './timers.js';
import type { Destination, TransactionFailure, TransactionTransport } from './transport.js';

export interface TransactionEnvironment {
  readonly transport: TransactionTransport;
  readonly timers: TransactionTimers;
  readonly config: TimerConfig;
  /**
   * Where server transactions wait out Timer L and Timer J (64·T1) together, when the layer
   * has a clock; without it each one sets its own timer.
   */
  readonly linger?: LingerQueue;
}

/** Told when a transaction reaches Terminated, so that its owner (the layer) forgets it. */
export interface TerminationListener {
  transactionTerminated(transaction: Transaction): void;
}

/** Every transaction, client or server. */
export interface Transaction {
  readonly kind: 'client' | 'server';
  readonly state: string;
  /**
   * The request. A client transaction keeps it to the end (it retransmits it and builds its ACK
   * from it). A server transaction lets go of it once its final response is sent: from then on
   * it only absorbs retransmissions for 64·T1 (RFC 3261 §17.2.1, §17.2.2; RFC 6026 §8.7), and a
   * stack answering thousands of calls a second should not hold every parsed request that long.
   */
  readonly request: SipRequest | undefined;
  /** Where requests (client) or responses (server) are sent. */
  readonly destination: Destination;
  /** True when the transport retransmits itself (no Timer A, E, G; timers D, I, J, K are 0). */
  readonly reliable: boolean;
}

/** A client transaction as its TU sees it: the request it sends is there until the end. */
export interface ClientTransactionView extends Transaction {
  readonly kind: 'client';
  readonly request: SipRequest;
}

/** The TU of a client transaction (RFC 3261 §17.1: responses go up to whoever sent the request). */
export interface ClientTransactionUser {
  /**
   * A response for the TU: every provisional one, the first final one, and for an INVITE every
   * 2xx (RFC 6026 §8.4: 2xx retransmissions go up so that the dialog layer re-sends its ACK).
   */
  onResponse(response: SipResponse, transaction: ClientTransactionView): void;
  /**
   * No final response came (Timer B or F: treat as 408) or the transport failed (treat as 503,
   * RFC 3261 §8.1.3.1). Called at most once, and never after a final response went up.
   */
  onFailure(failure: TransactionFailure, transaction: ClientTransactionView): void;
}

/** The TU of a server transaction. */
export interface ServerTransactionUser {
  /**
   * The response could not be delivered: Timer H fired without an ACK for a non-2xx final
   * response (RFC 3261 §17.2.1) or the transport failed (§17.2.4).
   */
  onFailure(failure: TransactionFailure, transaction: Transaction): void;
}

export abstract class TransactionBase implements Transaction {
  abstract readonly kind: 'client' | 'server';
  abstract readonly state: string;
  abstract readonly request: SipRequest | undefined;
  readonly reliable: boolean;
  /**
   * The key the owning `TransactionLayer` files the transaction under (RFC 3261 §17.1.3,
   * §17.2.3), set by the layer; nothing for a TU to use.
   */
  layerKey: string | undefined;
  /**
   * A key the TU files the transaction under, if it does (the UA core's merged-request check,
   * RFC 3261 §8.2.2.2): kept here rather than in a second map of the TU's. Nothing else to use.
   */
  tuKey: string | undefined;

  protected constructor(
    readonly destination: Destination,
    protected readonly env: TransactionEnvironment,
    private readonly listener: TerminationListener | undefined,
  ) {
    this.reliable = env.transport.reliable(destination.transport);
  }

  get terminated(): boolean {
    return this.state === 'terminated';
  }

  /**
   * Schedules `callback` in `ms`. Callers pass a closure made when the timer starts (most
   * transactions start two or three timers in their life) rather than one per timer made with
   * every transaction, which a transaction waiting out Timer L or J would carry for 32 s.
   */
  protected startTimer(callback: () => void, ms: number): TimerHandle {
    return this.env.timers.setTimeout(callback, ms);
  }

  /** Cancels `handle` if set; returns the empty handle to store back in its slot. */
  protected stopTimer(handle: TimerHandle): TimerHandle {
    if (handle !== undefined) this.env.timers.clearTimeout(handle);
    return undefined;
  }

  /** Sends; a transport that throws fails the transaction. False when it failed. */
  protected transmit(message: SipMessage): boolean {
    try {
      this.env.transport.send(message, this.destination);
      return true;
    } catch (error) {
      this.transportError(error);
      return false;
    }
  }

  /** A transport error for a message this transaction sent (RFC 3261 §17.1.4, §17.2.4). */
  transportError(error: unknown): void {
    if (this.terminated) return;
    this.fail({ kind: 'transport', error });
  }

  /** Moves to Terminated and tells the TU when the RFC says so. */
  protected abstract fail(failure: TransactionFailure): void;

  /** Cancels every timer of the transaction. */
  protected abstract stopTimers(): void;

  protected enterTerminated(): void {
    this.setTerminated();
    this.stopTimers();
    this.listener?.transactionTerminated(this);
  }

  protected abstract setTerminated(): void;

  /** Stops the transaction at once, without telling the TU (shutdown). */
  dispose(): void {
    if (!this.terminated) this.enterTerminated();
  }
}
