/**
 * Where messages go: responses by their top Via (RFC 3261 §18.2.2 with RFC 3581 §4), requests
 * by their target URI's scheme and transport parameter (RFC 3263 §4.1 without DNS lookups,
 * RFC 7118 §5.3 for WebSocket).
 */
import type { SipResponse, SipUri } from '../message/index.js';
import { bareHost, defaultPort } from './inbound.js';
import {
  TransportError,
  type Endpoint,
  type RequestDestination,
  type TransportProtocol,
} from './types.js';

export interface ResponseRoute extends Endpoint {
  /** The Via's transport, lower-cased (`udp`, `tcp`, `tls`, `ws`, `wss`, or one the layer may not have). */
  readonly protocol: string;
}

/**
 * The destination of a response, from its top Via:
 * - `maddr` present: that address, the sent-by port or the transport's default (§18.2.2);
 * - UDP with `received` and a filled `rport`: received and rport (RFC 3581 §4);
 * - otherwise `received` when present, else the sent-by host, with the sent-by port or the
 *   transport's default (5060; 5061 for TLS).
 *
 * For connection-oriented transports the same address is where a new connection goes when the
 * request's connection has closed (§18.2.2); a sent-by that is a domain name is left to the
 * resolver of the socket (RFC 3263 §5 SRV lookups are not done here). Throws `SipMessageError`
 * when the Via is malformed.
 */
export function responseDestination(response: SipResponse): ResponseRoute {
  const via = response.topVia();
  const protocol = via.transport.toLowerCase();
  const sentByPort = via.port ?? defaultPort(protocol);
  if (via.maddr !== undefined) return { protocol, host: bareHost(via.maddr), port: sentByPort };
  if (via.received !== undefined) {
    const port =
      protocol === 'udp' && typeof via.rport === 'number' && via.rport > 0 ? via.rport : sentByPort;
    return { protocol, host: bareHost(via.received), port };
  }
  return { protocol, host: bareHost(via.host), port: sentByPort };
}

/**
 * The remote address of the connection a request arrived on, as its Via records it: received
 * and rport (when the client asked for rport). The layer looks for a pooled connection there
 * before opening a new one.
 */
export function requestConnectionAddress(response: SipResponse): Endpoint | undefined {
  const via = response.topVia();
  if (via.received === undefined || typeof via.rport !== 'number') return undefined;
  return { host: bareHost(via.received), port: via.rport };
}

export function isTransportProtocol(value: string): value is TransportProtocol {
  return value === 'udp' || value === 'tcp' || value === 'tls' || value === 'ws' || value === 'wss';
}

/**
 * Where a request for `uri` goes when no DNS is involved (RFC 3263 §4.1, §4.2 for a numeric
 * host or a host with a port): `maddr` if present (§19.1.1), else the host; the port given, else
 * the transport's default; the transport from the `transport` parameter, else UDP for `sip:`
 * and TLS for `sips:`. A `sips:` URI never goes over an insecure transport (RFC 3261 §26.2.2):
 * `transport=tcp` means TLS and `transport=ws` means WSS (RFC 7118 §5.3), and `transport=udp`
 * is refused. Throws a `TransportError` for a transport this stack does not speak (SCTP...).
 */
export function uriDestination(uri: SipUri): RequestDestination {
  const param = uri.params.get('transport');
  const asked = typeof param === 'string' ? param.toLowerCase() : undefined;
  const secure = uri.scheme === 'sips';
  let protocol: TransportProtocol;
  if (asked === undefined) protocol = secure ? 'tls' : 'udp';
  else if (asked === 'udp') {
    if (secure) throw new TransportError('a sips: URI cannot be reached over UDP', 'udp');
    protocol = 'udp';
  } else if (asked === 'tcp' || asked === 'tls')
    protocol = secure || asked === 'tls' ? 'tls' : 'tcp';
  else if (asked === 'ws' || asked === 'wss') protocol = secure || asked === 'wss' ? 'wss' : 'ws';
  else throw new TransportError(`no ${asked.toUpperCase()} transport`, secure ? 'tls' : 'udp');
  const maddr = uri.params.get('maddr');
  const host = bareHost(typeof maddr === 'string' && maddr.length > 0 ? maddr : uri.host);
  return { protocol, host, port: uri.port ?? defaultPort(protocol) };
}
