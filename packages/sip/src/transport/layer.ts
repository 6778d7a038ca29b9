/**
 * The transport layer as the transaction layer sees it: the transports of one element (UDP and
 * TCP, several listen addresses allowed), the UDP size rule of RFC 3261 §18.1.1 applied when
 * sending requests, and responses routed by their top Via (§18.2.2, RFC 3581 §4).
 */
import {
  formatVia,
  serializeMessage,
  splitHeaderValue,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
import { requestConnectionAddress, responseDestination, isTransportProtocol } from './routing.js';
import {
  TransportError,
  type Endpoint,
  type MessageSource,
  type Transport,
  type TransportProtocol,
} from './types.js';

/** RFC 3261 §18.1.1: requests above this size go over a congestion-controlled transport. */
export const UDP_MAX_REQUEST_SIZE = 1300;

export interface TransportLayerOptions {
  /**
   * Path MTU towards peers, when known: requests within 200 bytes of it go over TCP. Unknown by
   * default, and then the 1,300-byte rule applies (RFC 3261 §18.1.1).
   */
  readonly pathMtu?: number;
}

export interface RequestDestination extends Endpoint {
  /** The transport the target asked for (from its URI, RFC 3263 lookups, or configuration). */
  readonly protocol: TransportProtocol;
}

/** How a request went out: the transport used and the request as sent (its top Via rewritten when the size rule moved it to TCP). */
export interface SentRequest {
  readonly transport: Transport;
  readonly request: SipRequest;
}

export class TransportLayer {
  readonly #transports: readonly Transport[];
  readonly #udpLimit: number;

  /** The first transport of each protocol is the default one for sending. */
  constructor(transports: readonly Transport[], options: TransportLayerOptions = {}) {
    this.#transports = transports;
    this.#udpLimit =
      options.pathMtu === undefined
        ? UDP_MAX_REQUEST_SIZE
        : Math.min(UDP_MAX_REQUEST_SIZE, options.pathMtu - 200);
  }

  get transports(): readonly Transport[] {
    return this.#transports;
  }

  /** The first transport of `protocol`, if any. */
  transport(protocol: TransportProtocol): Transport | undefined {
    return this.#transports.find((transport) => transport.protocol === protocol);
  }

  /**
   * RFC 3261 §18.1.1: the transport for a request of `size` bytes (serialised) when `preferred`
   * was asked for. A UDP request larger than 1,300 bytes (or within 200 bytes of the path MTU)
   * goes over TCP when there is a TCP transport; responses are never moved (§18.2.2 sends them
   * where the request came from). Undefined when there is no transport of the protocol needed.
   */
  selectTransport(
    message: SipMessage,
    size: number,
    preferred: TransportProtocol,
  ): Transport | undefined {
    if (preferred === 'udp' && message.kind === 'request' && size > this.#udpLimit) {
      const tcp = this.transport('tcp');
      if (tcp !== undefined) return tcp;
    }
    return this.transport(preferred);
  }

  /**
   * Sends a request (its top Via already ours, built from `transport(protocol).sentBy`). When the
   * size rule moves it from UDP to TCP, the top Via's transport and sent-by are rewritten to the
   * TCP transport's, and if the TCP connection is refused it goes over UDP after all (§18.1.1).
   * Resolves with what was actually sent, so the transaction layer can set its timers (reliable
   * or not) and match responses.
   */
  async sendRequest(request: SipRequest, destination: RequestDestination): Promise<SentRequest> {
    const bytes = serializeMessage(request);
    const chosen = this.selectTransport(request, bytes.length, destination.protocol);
    if (chosen === undefined) {
      throw new TransportError(
        `no ${destination.protocol.toUpperCase()} transport`,
        destination.protocol,
        destination,
      );
    }
    if (chosen.protocol === destination.protocol) {
      await chosen.sendBytes(bytes, destination);
      return { transport: chosen, request };
    }
    const moved = withTopVia(request, chosen);
    try {
      await chosen.sendBytes(serializeMessage(moved), destination);
      return { transport: chosen, request: moved };
    } catch (error) {
      const fallback = this.transport(destination.protocol);
      if (fallback === undefined || !isRefused(error)) throw error;
      await fallback.sendBytes(bytes, destination);
      return { transport: fallback, request };
    }
  }

  /**
   * Sends a response where RFC 3261 §18.2.2 says: on the request's TCP connection while it is
   * open (`source` is what `onMessage` gave with the request), else to the address its top Via
   * names (received/rport for UDP, RFC 3581 §4; a new connection for TCP). Prefers the transport
   * that received the request.
   */
  async sendResponse(response: SipResponse, source?: MessageSource): Promise<void> {
    const route = responseDestination(response);
    if (!isTransportProtocol(route.protocol)) {
      throw new TransportError(
        `no ${route.protocol.toUpperCase()} transport for a response`,
        'udp',
        route,
      );
    }
    const transport = this.#receiving(route.protocol, source);
    const bytes = serializeMessage(response);
    if (transport.protocol === 'tcp' && source?.connectionId === undefined) {
      // The request's connection may still be pooled under its remote address (rport).
      const remote = requestConnectionAddress(response);
      const id = remote === undefined ? undefined : transport.connectionTo?.(remote);
      if (id !== undefined && remote !== undefined) {
        await transport.sendBytes(bytes, remote, id);
        return;
      }
    }
    await transport.sendBytes(bytes, route, source?.connectionId);
  }

  /** Closes every transport. */
  async close(): Promise<void> {
    await Promise.all(this.#transports.map((transport) => transport.close()));
  }

  #receiving(protocol: TransportProtocol, source: MessageSource | undefined): Transport {
    const own =
      source === undefined
        ? undefined
        : this.#transports.find(
            (transport) =>
              transport.protocol === protocol &&
              transport.local.port === source.local.port &&
              transport.local.host === source.local.host,
          );
    const transport = own ?? this.transport(protocol);
    if (transport === undefined)
      throw new TransportError(`no ${protocol.toUpperCase()} transport`, protocol);
    return transport;
  }
}

/** The request with its top Via naming `transport` (protocol and sent-by), branch and the rest kept. */
function withTopVia(request: SipRequest, transport: Transport): SipRequest {
  const top = request.topVia();
  const values = request.headerValues('Via').flatMap((value) => splitHeaderValue('Via', value));
  values[0] = formatVia({
    ...top,
    transport: transport.protocol.toUpperCase(),
    host: transport.sentBy.host.includes(':')
      ? `[${transport.sentBy.host}]`
      : transport.sentBy.host,
    port: transport.sentBy.port,
  });
  let moved = request.withoutHeader('Via');
  // Re-added in order, each at the top, so the first added ends up last.
  for (let i = values.length - 1; i >= 0; i -= 1)
    moved = moved.withAddedHeader('Via', values[i] ?? '', 'first');
  return moved;
}

function isRefused(error: unknown): boolean {
  const cause = error instanceof TransportError ? error.cause : undefined;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET';
}
