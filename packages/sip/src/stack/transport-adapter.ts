/**
 * The glue between the transport layer (src/transport/, promise-based, `MessageSource`) and the
 * transaction layer (src/transaction/, synchronous `TransactionTransport`, `Destination`):
 * messages received go up into `TransactionLayer.receive`, messages the transactions send go down
 * through `TransportLayer.sendRequest` / `sendResponse`, and a send that fails later is reported
 * back with `TransactionLayer.transportError` (RFC 3261 §17.1.4, §17.2.4).
 *
 * Timers: the transport layer takes `Timers` (`set`/`clear`, unref'd by default: housekeeping)
 * and the transaction layer `TransactionTimers` (`setTimeout`/`clearTimeout`, not unref'd: a TU
 * must get its Timer B/F failure). They are kept apart on purpose for now, since the two system
 * implementations differ in unref; `FakeTimers` (src/testing) implements both, so one fake drives
 * a whole stack in tests.
 */
import type { SipMessage } from '../message/index.js';
import type {
  Destination,
  TransactionLayer,
  TransactionTransport,
  TransportName,
} from '../transaction/index.js';
import {
  TransportError,
  type DiscardReason,
  type MessageSource,
  type SendFailureListener,
  type TransportDelegate,
  type TransportLayer,
  type TransportProtocol,
} from '../transport/index.js';

/**
 * A `Destination` built from a received message's source. The server transaction keeps it as its
 * `destination`, so its responses find the transport and connection the request came in on.
 * (With a single UDP transport, a UDP request's destination is a plain `Destination`: there is
 * only one socket for its responses to leave from.)
 */
export interface SourcedDestination extends Destination {
  readonly source: MessageSource;
}

export interface TransportAdapterOptions {
  /** Socket errors and failed sends, whichever transaction they concerned (for logs). */
  readonly onError?: (error: unknown, message?: SipMessage) => void;
  /** Messages the transport dropped (unparsable, sent-by mismatch...), for logs and metrics. */
  readonly onDiscard?: (reason: DiscardReason, source: MessageSource, detail: string) => void;
}

/**
 * Both sides of the glue in one object: the transports' `TransportDelegate` and the transaction
 * layer's `TransactionTransport`. The layers need each other at construction, so create the
 * adapter first, pass it to both, then `bind()` them (see `startSipStack`).
 */
export class TransportAdapter
  implements TransactionTransport, TransportDelegate, SendFailureListener
{
  #transports: TransportLayer | undefined;
  #transactions: TransactionLayer | undefined;
  readonly #options: TransportAdapterOptions;
  /**
   * One UDP transport only: a UDP request's destination need not keep its source (the one UDP
   * socket is where its responses leave from), one object less per server transaction for the
   * 64·T1 it lingers.
   */
  #soleUdp = false;

  constructor(options: TransportAdapterOptions = {}) {
    this.#options = options;
  }

  /** Connects the two layers; messages received before this are dropped (UDP peers retransmit). */
  bind(transports: TransportLayer, transactions: TransactionLayer): void {
    this.#transports = transports;
    this.#transactions = transactions;
    let udp = 0;
    for (const transport of transports.transports) if (transport.protocol === 'udp') udp += 1;
    this.#soleUdp = udp === 1;
  }

  // --- TransportDelegate: from the sockets up -------------------------------------------------

  onMessage(message: SipMessage, source: MessageSource): void {
    // Two shapes written out rather than a spread: this runs for every message received.
    const destination: Destination | SourcedDestination =
      source.protocol === 'udp' && this.#soleUdp
        ? { host: source.host, port: source.port, transport: 'udp' }
        : source.connectionId === undefined
          ? { host: source.host, port: source.port, transport: source.protocol, source }
          : {
              host: source.host,
              port: source.port,
              transport: source.protocol,
              connectionId: source.connectionId,
              source,
            };
    this.#transactions?.receive(message, destination);
  }

  onError(error: TransportError): void {
    this.#options.onError?.(error);
  }

  onDiscard(reason: DiscardReason, source: MessageSource, detail: string): void {
    this.#options.onDiscard?.(reason, source, detail);
  }

  // --- TransactionTransport: from the transactions down ---------------------------------------

  reliable(transport: TransportName): boolean {
    return transport !== 'udp';
  }

  /**
   * Sends and returns at once: a UDP datagram goes out synchronously, no promise per message;
   * over a connection the send runs on. What fails at once (no transport for the protocol, a
   * stack that does not listen on TLS, say; a closed socket) is reported to `onError` and thrown,
   * which the transaction takes as a transport error; a failure found later (refused
   * connection, failed TLS handshake, socket error) comes back through `sendFailed`.
   */
  send(message: SipMessage, destination: Destination): void {
    const transports = this.#transports;
    if (transports === undefined) throw new Error('TransportAdapter used before bind()');
    const protocol: TransportProtocol = destination.transport;
    if (transports.transport(protocol) === undefined)
      throw new TransportError(`no ${protocol.toUpperCase()} transport`, protocol, destination);
    try {
      if (message.kind === 'request') {
        transports.sendRequestNow(
          message,
          destination.connectionId === undefined
            ? { protocol, host: destination.host, port: destination.port }
            : {
                protocol,
                host: destination.host,
                port: destination.port,
                connectionId: destination.connectionId,
              },
          this,
        );
      } else {
        transports.sendResponseNow(message, sourceOf(destination, protocol, transports), this);
      }
    } catch (error) {
      this.#options.onError?.(error, message);
      throw error;
    }
  }

  /** `SendFailureListener`: a send that failed after `send` returned. */
  sendFailed(error: TransportError, message: SipMessage): void {
    this.#options.onError?.(error, message);
    this.#transactions?.transportError(message, error);
  }
}

/**
 * The source a response goes back to: the one kept on the destination when the request was
 * received here, else one rebuilt from the destination (a response sent for a request that came
 * some other way), naming the first transport of the protocol as the receiving one.
 */
function sourceOf(
  destination: Destination,
  protocol: TransportProtocol,
  transports: TransportLayer,
): MessageSource | undefined {
  if ('source' in destination) return (destination as SourcedDestination).source;
  const transport = transports.transport(protocol);
  if (transport === undefined) return undefined;
  const { host, port, connectionId } = destination;
  return connectionId === undefined
    ? { protocol, host, port, local: transport.local }
    : { protocol, host, port, connectionId, local: transport.local };
}
