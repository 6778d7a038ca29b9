/**
 * The transport layer's shared vocabulary (RFC 3261 §18): where messages come from and go to,
 * what a transport offers, and how it reports to the layer above (the transaction layer, or a
 * stateless core).
 */
import type { SipMessage } from '../message/index.js';

/**
 * The transports of RFC 3261 §18 (UDP, TCP, TLS) and RFC 7118 (WebSocket, plain and secure), as
 * named in lower case; Via headers carry them upper-cased (`SIP/2.0/WSS`).
 */
export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** Every transport protocol, in the order the layer prefers them. */
export const TRANSPORT_PROTOCOLS: readonly TransportProtocol[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

/** Connection-oriented transports (RFC 3261 §18: TCP and TLS; RFC 7118: WS and WSS). */
export type ConnectionProtocol = Exclude<TransportProtocol, 'udp'>;

/** An address and port; `host` is an IP address (IPv6 without brackets) or a name. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** Where a request goes: an address and the transport to reach it by. */
export interface RequestDestination extends Endpoint {
  /** The transport the target asked for (from its URI, RFC 3263 lookups, or configuration). */
  readonly protocol: TransportProtocol;
  /**
   * A connection to prefer (TCP, TLS, WS, WSS): the one a dialog's peer reached us on, which is
   * often the only way back to a phone behind NAT (RFC 5626 §3.2, RFC 7118 §5). Ignored when it
   * has closed or the request goes over another protocol; the address is used then.
   */
  readonly connectionId?: string;
}

/** Where a received message came from, as the transport saw it. */
export interface MessageSource {
  readonly protocol: TransportProtocol;
  /** Source IP address (IPv4-mapped IPv6 addresses are given in dotted IPv4 form). */
  readonly host: string;
  readonly port: number;
  /**
   * The connection it arrived on (TCP, TLS, WS, WSS). Pass the source back to `sendResponse` and the answer
   * goes on the same connection while it is open (RFC 3261 §18.2.2).
   */
  readonly connectionId?: string;
  /** The transport that received it (its local address). */
  readonly local: Endpoint;
}

/** Why a received message was not delivered (for logs and metrics; never an error). */
export type DiscardReason =
  /** Bytes that are no SIP message (parse error without an answer: a response, an ACK, no Via). */
  | 'unparsable'
  /** A request that failed to parse: it was answered with `responseForParseError`. */
  | 'answered-parse-error'
  /** RFC 3261 §18.1.2: a response whose top Via sent-by is not ours. */
  | 'sent-by-mismatch'
  /** A TCP stream whose framing was lost, or that buffered too much: the connection was closed. */
  | 'connection-closed'
  /** A TLS handshake that failed (a scanner, a client that does not trust our certificate). */
  | 'handshake-failed'
  /** A WebSocket upgrade refused: no `sip` subprotocol (RFC 7118 §4), or too many connections. */
  | 'upgrade-refused';

/**
 * What a transport reports. `onMessage` gets every valid message: requests already stamped with
 * received/rport (RFC 3261 §18.2.1, RFC 3581 §4), responses already checked against our sent-by.
 * Implementations must not throw (a throw is caught and reported to `onError`).
 */
export interface TransportDelegate {
  onMessage(message: SipMessage, source: MessageSource): void;
  /** Socket errors and failed background sends (answers to parse errors). */
  onError?(error: TransportError): void;
  onDiscard?(reason: DiscardReason, source: MessageSource, detail: string): void;
}

/** Something failed below SIP: a socket error, a refused connection, a limit reached. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly protocol: TransportProtocol,
    readonly remote?: Endpoint,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/** A listening transport: one protocol on one local address. */
export interface Transport {
  readonly protocol: TransportProtocol;
  /** The bound address and port (the real port when 0 was asked for). */
  readonly local: Endpoint;
  /**
   * The sent-by this transport puts in Via (RFC 3261 §18.1.1) and expects at the top of the
   * responses it receives (§18.1.2). Defaults to `local`.
   */
  readonly sentBy: Endpoint;
  /** Serialises and sends a message. Rejects with a `TransportError` when it cannot. */
  send(message: SipMessage, destination: Endpoint): Promise<void>;
  /**
   * Sends bytes already serialised (the layer serialises once to apply the size rule).
   * `message` is what the bytes hold, when the caller has it: connection-oriented transports
   * read its branch and CSeq so that a connection is not closed as idle while a transaction
   * uses it.
   */
  sendBytes(
    bytes: Buffer,
    destination: Endpoint,
    connectionId?: string,
    message?: SipMessage,
  ): Promise<void>;
  /**
   * Datagram transports: sends at once, with no promise per message (a UAS sends three
   * datagrams a call, thousands of calls a second). A failure found at once (closed socket, bad
   * port) is thrown as a `TransportError`; one found later goes to `listener.sendFailed` with
   * `message`. `sendBytes` does the same behind a promise.
   */
  sendDatagram?(
    bytes: Buffer,
    destination: Endpoint,
    message: SipMessage,
    listener: SendFailureListener,
  ): void;
  /** Connection-oriented transports: the id of an open pooled connection to `remote`. */
  connectionTo?(remote: Endpoint): string | undefined;
  /** Stops listening and closes every socket. */
  close(): Promise<void>;
}

/**
 * Injected timers (idle sweeps, connect timeouts), so tests drive time by hand. Handles are
 * opaque to the transport.
 */
/** Told of a send that failed after it was handed over (`sendDatagram`, `sendResponseNow`...). */
export interface SendFailureListener {
  sendFailed(error: TransportError, message: SipMessage): void;
}

export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Node's timers, unref'd: a transport's housekeeping never keeps the process alive. */
export const systemTimers: Timers = {
  set(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clear(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
