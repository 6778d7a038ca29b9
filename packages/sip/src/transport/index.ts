/** The SIP transport layer (RFC 3261 §18, RFC 3581, RFC 5626 §4.4.1): UDP, TCP, size rule, response routing. */
export {
  TransportError,
  systemTimers,
  type DiscardReason,
  type Endpoint,
  type MessageSource,
  type Timers,
  type Transport,
  type TransportDelegate,
  type TransportProtocol,
} from './types.js';
export { DEFAULT_SIP_PORT, sentByMatches } from './inbound.js';
export { responseDestination, type ResponseRoute } from './routing.js';
export { UdpTransport, type UdpTransportOptions } from './udp.js';
export { TcpTransport, type TcpTransportOptions } from './tcp.js';
export {
  TransportLayer,
  UDP_MAX_REQUEST_SIZE,
  type RequestDestination,
  type SentRequest,
  type TransportLayerOptions,
} from './layer.js';
