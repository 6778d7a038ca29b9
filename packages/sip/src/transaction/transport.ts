/**
 * The little the transaction layer needs from a transport (RFC 3261 §18). The transport layer
 * (src/transport/) adapts to it; tests use `FakeTransport` from src/testing.
 */
import type { SipMessage } from '../message/index.js';

/** RFC 3261 §18 (UDP, TCP, TLS) and RFC 7118 (WS, WSS: WebSocket and secure WebSocket). */
export type TransportName = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/**
 * Where a message goes, or where one came from. A server transaction sends its responses to the
 * source of its request: the transport routes them by their top Via (RFC 3261 §18.2.2, RFC 3581
 * §4) and reuses the connection named here when it is still open.
 */
export interface Destination {
  /** IP address or host name (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  readonly transport: TransportName;
  /** The connection a request arrived on (reliable transports), for its responses. */
  readonly connectionId?: string;
}

export interface TransactionTransport {
  /**
   * Sends `message`. A synchronous throw is a transport error for the transaction (RFC 3261
   * §17.1.4, §17.2.4); an error found later (a TCP connect that fails) is reported back through
   * `TransactionLayer.transportError(message, error)`.
   */
  send(message: SipMessage, destination: Destination): void;
  /** True for transports that retransmit themselves (TCP, TLS, WS, WSS): no Timer A, E or G. */
  reliable(transport: TransportName): boolean;
}

/** Why a transaction failed; the TU treats `timeout` as a 408 and `transport` as a 503 (§8.1.3.1). */
export type TransactionFailure =
  { readonly kind: 'timeout' } | { readonly kind: 'transport'; readonly error: unknown };
