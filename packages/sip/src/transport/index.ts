/**
 * The SIP transport layer (RFC 3261 §18, RFC 3581, RFC 5626 §4.4.1, RFC 7118): UDP, TCP, TLS,
 * WebSocket, the size rule, connection reuse and idle close, response routing.
 */
export {
  TRANSPORT_PROTOCOLS,
  TransportError,
  systemTimers,
  type ConnectionProtocol,
  type DiscardReason,
  type Endpoint,
  type MessageSource,
  type RequestDestination,
  type SendFailureListener,
  type Timers,
  type Transport,
  type TransportDelegate,
  type TransportProtocol,
} from './types.js';
export { DEFAULT_SIP_PORT, DEFAULT_SIPS_PORT, defaultPort, sentByMatches } from './inbound.js';
export {
  isTransportProtocol,
  responseDestination,
  uriDestination,
  type ResponseRoute,
} from './routing.js';
export type { ConnectionLimits } from './connection-pool.js';
export {
  DEFAULT_UDP_BUFFER_SIZE,
  UdpTransport,
  type UdpBufferOptions,
  type UdpBufferSizes,
  type UdpTransportOptions,
} from './udp.js';
export { StreamTransport, type StreamTransportOptions } from './stream.js';
export { TcpTransport, type TcpTransportOptions } from './tcp.js';
export { TlsTransport, type TlsTransportOptions } from './tls.js';
export type { TlsOptions } from './tls-options.js';
export { SIP_SUBPROTOCOL, WsTransport, type WsTransportOptions } from './ws.js';
export {
  TransportLayer,
  UDP_MAX_REQUEST_SIZE,
  type SentRequest,
  type TransportLayerOptions,
} from './layer.js';
