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
  type TransportDelegate,
  type TransportLayer,
  type TransportProtocol,
} from '../transport/index.js';

/**
 * A `Destination` built from a received message's source. The server transaction keeps it as its
 * `destination`, so its responses find the transport and connection the request came in on.
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
export class TransportAdapter implements TransactionTransport, TransportDelegate {
  #transports: TransportLayer | undefined;
  #transactions: TransactionLayer | undefined;
  readonly #options: TransportAdapterOptions;

  constructor(options: TransportAdapterOptions = {}) {
    this.#options = options;
  }

  /** Connects the two layers; messages received before this are dropped (UDP peers retransmit). */
  bind(transports: TransportLayer, transactions: TransactionLayer): void {
    this.#transports = transports;
    this.#transactions = transactions;
  }

  // --- TransportDelegate: from the sockets up -------------------------------------------------

  onMessage(message: SipMessage, source: MessageSource): void {
    const destination: SourcedDestination = {
      host: source.host,
      port: source.port,
      transport: source.protocol,
      ...(source.connectionId === undefined ? {} : { connectionId: source.connectionId }),
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
   * Starts the send and returns at once. No transport for the protocol (a stack that does not
   * listen on TLS, say) or no bound layer is a synchronous throw, which the transaction takes as
   * a transport error; a failure found later (refused connection, failed TLS handshake, socket
   * error) goes to `transportError`.
   */
  send(message: SipMessage, destination: Destination): void {
    const transports = this.#transports;
    if (transports === undefined) throw new Error('TransportAdapter used before bind()');
    const protocol: TransportProtocol = destination.transport;
    if (transports.transport(protocol) === undefined)
      throw new TransportError(`no ${protocol.toUpperCase()} transport`, protocol, destination);
    const sending =
      message.kind === 'request'
        ? transports.sendRequest(message, {
            protocol,
            host: destination.host,
            port: destination.port,
            ...(destination.connectionId === undefined
              ? {}
              : { connectionId: destination.connectionId }),
          })
        : transports.sendResponse(message, sourceOf(destination, protocol, transports));
    sending.catch((error: unknown) => {
      this.#options.onError?.(error, message);
      this.#transactions?.transportError(message, error);
    });
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
  return {
    protocol,
    host: destination.host,
    port: destination.port,
    ...(destination.connectionId === undefined ? {} : { connectionId: destination.connectionId }),
    local: transport.local,
  };
}
