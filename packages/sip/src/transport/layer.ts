/**
 * The transport layer as the transaction layer sees it: the transports of one element (UDP,
 * TCP, TLS, WS, WSS; several listening addresses allowed), the transport of each request chosen
 * by the destination's transport name with the UDP size rule of RFC 3261 §18.1.1, our Via
 * naming the transport a request really goes over, and responses routed by their top Via
 * (§18.2.2, RFC 3581 §4).
 */
import { isIP } from 'node:net';
import {
  formatVia,
  serializeMessage,
  splitHeaderValue,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
import { isWildcard, sentByMatches } from './inbound.js';
import {
  requestConnectionAddress,
  responseDestination,
  isTransportProtocol,
  type ResponseRoute,
} from './routing.js';
import {
  TransportError,
  type Endpoint,
  type MessageSource,
  type RequestDestination,
  type SendFailureListener,
  type Transport,
  type TransportProtocol,
} from './types.js';

export type { RequestDestination } from './types.js';

/** RFC 3261 §18.1.1: requests above this size go over a congestion-controlled transport. */
export const UDP_MAX_REQUEST_SIZE = 1300;

/** INVITE branches moved to TCP by the size rule, remembered for their ACK and CANCEL. */
const MOVED_BRANCHES = 4_096;

export interface TransportLayerOptions {
  /**
   * Path MTU towards peers, when known: requests within 200 bytes of it go over TCP. Unknown by
   * default, and then requests over 1,300 bytes do (RFC 3261 §18.1.1).
   */
  readonly pathMtu?: number;
}

/** How a request went out: the transport used and the request as sent (its top Via rewritten when needed). */
export interface SentRequest {
  readonly transport: Transport;
  readonly request: SipRequest;
}

export class TransportLayer {
  readonly #transports: readonly Transport[];
  readonly #udpLimit: number;
  /** Branch of an INVITE the size rule moved → the protocol it went over (its ACK and CANCEL follow). */
  readonly #moved = new Map<string, TransportProtocol>();

  /** The first transport of each protocol is the default one for sending. */
  constructor(transports: readonly Transport[], options: TransportLayerOptions = {}) {
    this.#transports = transports;
    // §18.1.1: "within 200 bytes of the path MTU, or ... larger than 1300 bytes and the path
    // MTU is not known" (a known jumbo-frame MTU allows more than 1,300 bytes over UDP).
    this.#udpLimit = options.pathMtu === undefined ? UDP_MAX_REQUEST_SIZE : options.pathMtu - 200;
  }

  get transports(): readonly Transport[] {
    return this.#transports;
  }

  /** The first transport of `protocol`, if any. */
  transport(protocol: TransportProtocol): Transport | undefined {
    // A loop, not find(): called for every message sent.
    for (const transport of this.#transports) if (transport.protocol === protocol) return transport;
    return undefined;
  }

  /**
   * The transport a request to `destination` goes over (before the size rule): one of its
   * protocol, preferring one listening on the address family of the destination when it is an
   * address (an IPv6 peer from an IPv6 socket), else the first. Build the top Via from its
   * `sentBy` and `protocol` (`sendRequest` rewrites a Via that does not match anyway).
   */
  transportFor(destination: RequestDestination): Transport | undefined {
    let first: Transport | undefined;
    const family = isIP(destination.host);
    for (const transport of this.#transports) {
      if (transport.protocol !== destination.protocol) continue;
      if (family === 0) return transport;
      first ??= transport;
      const local = transport.local.host;
      if (isIP(local) === family || (family === 6 && local === '::')) return transport;
    }
    return first;
  }

  /**
   * RFC 3261 §18.1.1: the transport for a request of `size` bytes (serialised) when `preferred`
   * was asked for. A UDP request within 200 bytes of the path MTU (larger than 1,300 bytes when
   * the MTU is not known) goes over TCP when there is a TCP transport; responses are never moved (§18.2.2 sends them
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
   * Sends a request over the transport `destination.protocol` names (`transportFor`), or over
   * TCP when the size rule moves a UDP request (RFC 3261 §18.1.1; if that connection is refused
   * it goes over UDP after all). The ACK and CANCEL of an INVITE that was moved follow it (same
   * branch: §17.1.1.3 and §9.1 send them where the INVITE went). The top Via is rewritten when
   * its transport or sent-by is not the chosen transport's (responses must come back to a
   * sent-by we check, §18.1.2). Resolves with what was actually sent, so the transaction layer
   * can set its timers (reliable or not) and match responses.
   */
  async sendRequest(request: SipRequest, destination: RequestDestination): Promise<SentRequest> {
    const bytes = serializeMessage(request);
    let protocol = destination.protocol;
    let moved = false;
    const branch = request.topVia().branch;
    const earlier = branch === undefined ? undefined : this.#moved.get(branch);
    if (earlier !== undefined && (request.method === 'ACK' || request.method === 'CANCEL')) {
      protocol = earlier;
    } else if (
      protocol === 'udp' &&
      bytes.length > this.#udpLimit &&
      this.transport('tcp') !== undefined
    ) {
      protocol = 'tcp';
      moved = true;
    }
    const chosen = this.transportFor({ ...destination, protocol });
    if (chosen === undefined) {
      throw new TransportError(`no ${protocol.toUpperCase()} transport`, protocol, destination);
    }
    const sent = withTopVia(request, chosen);
    try {
      await chosen.sendBytes(
        sent === request ? bytes : serializeMessage(sent),
        destination,
        chosen.protocol === destination.protocol ? destination.connectionId : undefined,
        sent,
      );
      if (moved && request.method === 'INVITE' && branch !== undefined)
        this.#remember(branch, protocol);
      return { transport: chosen, request: sent };
    } catch (error) {
      const fallback = moved ? this.transportFor(destination) : undefined;
      if (fallback === undefined || !isRefused(error)) throw error;
      const original = withTopVia(request, fallback);
      await fallback.sendBytes(
        original === request ? bytes : serializeMessage(original),
        destination,
        undefined,
        original,
      );
      return { transport: fallback, request: original };
    }
  }

  /**
   * Sends a response where RFC 3261 §18.2.2 says: on the request's connection while it is open
   * (`source` is what `onMessage` gave with the request), else to the address its top Via names
   * (received/rport for UDP, RFC 3581 §4; a new connection for TCP, TLS and WebSocket). Prefers
   * the transport that received the request.
   */
  async sendResponse(response: SipResponse, source?: MessageSource): Promise<void> {
    const route = responseRoute(response);
    const transport = this.#receiving(route.protocol, source);
    await this.#sendResponseBytes(transport, response, serializeMessage(response), route, source);
  }

  /**
   * `sendResponse` without a promise for the caller to wait on: over UDP the datagram goes out
   * synchronously (`Transport.sendDatagram`); over a connection the send runs on. Throws what
   * is found at once (no transport, a closed socket); a failure found later goes to `listener`.
   */
  sendResponseNow(
    response: SipResponse,
    source: MessageSource | undefined,
    listener: SendFailureListener,
  ): void {
    const route = responseRoute(response);
    const transport = this.#receiving(route.protocol, source);
    const bytes = serializeMessage(response);
    if (transport.sendDatagram !== undefined) {
      transport.sendDatagram(bytes, route, response, listener);
      return;
    }
    this.#sendResponseBytes(transport, response, bytes, route, source).catch((error: unknown) => {
      listener.sendFailed(asTransportError(error, transport.protocol, route), response);
    });
  }

  /**
   * `sendRequest` without a promise when it can: a request that goes over UDP as asked (not
   * moved by the size rule, not following a moved INVITE) is sent synchronously; anything else
   * takes `sendRequest`'s path, its failure told to `listener`. Throws what is found at once.
   */
  sendRequestNow(
    request: SipRequest,
    destination: RequestDestination,
    listener: SendFailureListener,
  ): void {
    if (destination.protocol === 'udp' && !this.#followsMoved(request)) {
      const chosen = this.transportFor(destination);
      if (chosen?.sendDatagram !== undefined) {
        const bytes = serializeMessage(request);
        if (bytes.length <= this.#udpLimit || this.transport('tcp') === undefined) {
          const sent = withTopVia(request, chosen);
          chosen.sendDatagram(
            sent === request ? bytes : serializeMessage(sent),
            destination,
            sent,
            listener,
          );
          return;
        }
      }
    }
    this.sendRequest(request, destination).catch((error: unknown) => {
      listener.sendFailed(asTransportError(error, destination.protocol, destination), request);
    });
  }

  async #sendResponseBytes(
    transport: Transport,
    response: SipResponse,
    bytes: Buffer,
    route: Endpoint,
    source: MessageSource | undefined,
  ): Promise<void> {
    if (transport.protocol !== 'udp' && source?.connectionId === undefined) {
      // The request's connection may still be pooled under its remote address (rport).
      const remote = requestConnectionAddress(response);
      const id = remote === undefined ? undefined : transport.connectionTo?.(remote);
      if (id !== undefined && remote !== undefined) {
        await transport.sendBytes(bytes, remote, id, response);
        return;
      }
    }
    await transport.sendBytes(bytes, route, source?.connectionId, response);
  }

  /** Closes every transport. */
  async close(): Promise<void> {
    await Promise.all(this.#transports.map((transport) => transport.close()));
  }

  #receiving(protocol: TransportProtocol, source: MessageSource | undefined): Transport {
    let own: Transport | undefined;
    if (source !== undefined) {
      for (const transport of this.#transports) {
        const local = transport.local;
        if (
          transport.protocol === protocol &&
          (local === source.local ||
            (local.port === source.local.port && local.host === source.local.host))
        ) {
          own = transport;
          break;
        }
      }
    }
    const transport = own ?? this.transport(protocol);
    if (transport === undefined)
      throw new TransportError(`no ${protocol.toUpperCase()} transport`, protocol);
    return transport;
  }

  /** An ACK or CANCEL whose INVITE the size rule moved (it goes the same way). */
  #followsMoved(request: SipRequest): boolean {
    if (this.#moved.size === 0 || (request.method !== 'ACK' && request.method !== 'CANCEL'))
      return false;
    const branch = request.topVia().branch;
    return branch !== undefined && this.#moved.has(branch);
  }

  #remember(branch: string, protocol: TransportProtocol): void {
    if (this.#moved.size >= MOVED_BRANCHES) {
      const oldest = this.#moved.keys().next();
      if (oldest.done !== true) this.#moved.delete(oldest.value);
    }
    this.#moved.set(branch, protocol);
  }
}

/**
 * The request with its top Via naming `transport` (protocol and sent-by; branch and the rest
 * kept), or the request itself when it already does. A transport on a wildcard address without
 * a configured sent-by has no host to write: the Via keeps its host and takes the port.
 */
function withTopVia(request: SipRequest, transport: Transport): SipRequest {
  const top = request.topVia();
  const name = transport.protocol.toUpperCase();
  const { sentBy } = transport;
  if (top.transport === name && sentByMatches(top, sentBy)) return request;
  const values = request.headerValues('Via').flatMap((value) => splitHeaderValue('Via', value));
  values[0] = formatVia({
    ...top,
    transport: name,
    host: isWildcard(sentBy.host)
      ? top.host
      : sentBy.host.includes(':')
        ? `[${sentBy.host}]`
        : sentBy.host,
    port: sentBy.port,
  });
  let moved = request.withoutHeader('Via');
  // Re-added in order, each at the top, so the first added ends up last.
  for (let i = values.length - 1; i >= 0; i -= 1)
    moved = moved.withAddedHeader('Via', values[i] ?? '', 'first');
  return moved;
}

/** Where a response goes (§18.2.2), its protocol one we have a name for. */
function responseRoute(response: SipResponse): Endpoint & { readonly protocol: TransportProtocol } {
  const route = responseDestination(response);
  if (!hasTransportProtocol(route)) {
    const name = route.protocol.toUpperCase();
    throw new TransportError(`no ${name} transport for a response`, 'udp', route);
  }
  return route;
}

function hasTransportProtocol(
  route: ResponseRoute,
): route is ResponseRoute & { readonly protocol: TransportProtocol } {
  return isTransportProtocol(route.protocol);
}

function asTransportError(
  error: unknown,
  protocol: TransportProtocol,
  remote: Endpoint,
): TransportError {
  return error instanceof TransportError
    ? error
    : new TransportError(`${protocol.toUpperCase()} send failed`, protocol, remote, {
        cause: error,
      });
}

function isRefused(error: unknown): boolean {
  const cause = error instanceof TransportError ? error.cause : undefined;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET';
}
