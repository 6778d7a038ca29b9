/**
 * Where a response goes (RFC 3261 §18.2.2 with RFC 3581 §4), read from its top Via.
 */
import type { SipResponse } from '../message/index.js';
import { DEFAULT_SIP_PORT, bareHost } from './inbound.js';
import type { Endpoint, TransportProtocol } from './types.js';

export interface ResponseRoute extends Endpoint {
  /** The Via's transport, lower-cased (`udp`, `tcp`, or another the layer may not have). */
  readonly protocol: string;
}

/**
 * The destination of a response, from its top Via:
 * - `maddr` present: that address, the sent-by port or 5060 (§18.2.2);
 * - UDP with `received` and a filled `rport`: received and rport (RFC 3581 §4);
 * - otherwise `received` when present, else the sent-by host, with the sent-by port or 5060.
 *
 * For TCP the same address is where a new connection goes when the request's connection has
 * closed (§18.2.2); a sent-by that is a domain name is left to the resolver of the socket
 * (RFC 3263 §5 SRV lookups are not done here). Throws `SipMessageError` when the Via is
 * malformed.
 */
export function responseDestination(response: SipResponse): ResponseRoute {
  const via = response.topVia();
  const protocol = via.transport.toLowerCase();
  const sentByPort = via.port ?? DEFAULT_SIP_PORT;
  if (via.maddr !== undefined) return { protocol, host: bareHost(via.maddr), port: sentByPort };
  if (via.received !== undefined) {
    const port =
      protocol === 'udp' && typeof via.rport === 'number' && via.rport > 0 ? via.rport : sentByPort;
    return { protocol, host: bareHost(via.received), port };
  }
  return { protocol, host: bareHost(via.host), port: sentByPort };
}

/**
 * The remote address of the connection a TCP request arrived on, as its Via records it: received
 * and rport (when the client asked for rport). The layer looks for a pooled connection there
 * before opening a new one.
 */
export function requestConnectionAddress(response: SipResponse): Endpoint | undefined {
  const via = response.topVia();
  if (via.received === undefined || typeof via.rport !== 'number') return undefined;
  return { host: bareHost(via.received), port: via.rport };
}

export function isTransportProtocol(value: string): value is TransportProtocol {
  return value === 'udp' || value === 'tcp';
}
