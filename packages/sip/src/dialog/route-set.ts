/**
 * Where a request goes: the Request-URI and Route fields built from a route set and a remote
 * target (RFC 3261 §12.2.1.1, strict routers of §16.12.1.1 included), and the transport
 * destination of the next hop (§8.1.2, §18.1.1; RFC 3263 without DNS: host names are resolved by
 * the socket, SRV records are not looked up).
 */
import {
  EMPTY_PARAMS,
  formatNameAddr,
  parseNameAddr,
  type NameAddr,
  type SipUri,
  type Uri,
} from '../message/index.js';
import type { Destination, TransportName } from '../transaction/index.js';

/** The Request-URI, the Route values and the URI whose address the request is sent to. */
export interface RoutedRequest {
  readonly requestUri: Uri;
  /** Route header values, in order (each a name-addr). */
  readonly routes: readonly string[];
  /** The next hop (§8.1.2): the first route when there is a route set, else the Request-URI. */
  readonly nextHop: Uri;
}

/** True when a route URI has the `lr` parameter: a loose router (RFC 3261 §19.1.1). */
export function isLooseRouter(uri: Uri): boolean {
  return uri.kind === 'sip' && uri.params.has('lr');
}

/**
 * RFC 3261 §12.2.1.1: with an empty route set the Request-URI is the remote target and there is
 * no Route. When the first route is a loose router (`lr`), the Request-URI is the remote target
 * and the Route fields are the route set in order. Otherwise (a strict router, RFC 2543) the
 * Request-URI is the first route's URI without the parameters a Request-URI may not have, and
 * the Route fields are the rest of the route set followed by the remote target (§16.12.1.1
 * explains why: a strict router replaces the Request-URI with the next Route). Either way the
 * request is sent to the first route (§8.1.2).
 */
export function applyRouteSet(remoteTarget: Uri, routeSet: readonly NameAddr[]): RoutedRequest {
  const first = routeSet[0];
  if (first === undefined) return { requestUri: remoteTarget, routes: [], nextHop: remoteTarget };
  if (isLooseRouter(first.uri)) {
    return {
      requestUri: remoteTarget,
      routes: routeSet.map((route) => formatNameAddr(route)),
      nextHop: first.uri,
    };
  }
  const routes = routeSet.slice(1).map((route) => formatNameAddr(route));
  routes.push(formatNameAddr({ displayName: undefined, uri: remoteTarget, params: EMPTY_PARAMS }));
  const requestUri = requestUriFrom(first.uri);
  return { requestUri, routes, nextHop: requestUri };
}

/**
 * A URI fit for the Request-URI (RFC 3261 §19.1.1 table 1): no `method` parameter and no
 * headers component.
 */
function requestUriFrom(uri: Uri): Uri {
  if (uri.kind !== 'sip' || (uri.headers.length === 0 && !uri.params.has('method'))) return uri;
  const params = new Map(uri.params);
  params.delete('method');
  const stripped: SipUri = { ...uri, params, headers: [] };
  return stripped;
}

/**
 * A route set from Route-like values given by an API user (`sip:proxy.example;lr`, or
 * `<sip:proxy.example;lr>`). Throws the message layer's 400 `SipMessageError` for a bad one.
 */
export function parseRouteSet(values: readonly string[]): NameAddr[] {
  return values.map((value) => {
    const text = value.trim();
    return parseNameAddr(text.startsWith('<') ? text : `<${text}>`, 'Route', false);
  });
}

/** Transport names a URI's `transport` parameter may ask for, as the transaction layer names them. */
const URI_TRANSPORTS: Readonly<Record<string, TransportName>> = {
  udp: 'udp',
  tcp: 'tcp',
  tls: 'tls',
  ws: 'ws',
  wss: 'wss',
};

/**
 * The transport destination of a SIP or SIPS URI (RFC 3263 §4.1 without DNS): the `maddr`
 * parameter or the host, the port (5060, or 5061 for TLS), and the transport: the `transport`
 * parameter (WSS instead of WS and TLS instead of the others for `sips:`, §26.2), else `fallback` (the transport a dialog was set up on,
 * see `Dialog`), else UDP. Undefined for a URI that names no host (tel:, other schemes).
 */
export function destinationFor(uri: Uri, fallback?: TransportName): Destination | undefined {
  if (uri.kind !== 'sip') return undefined;
  const param = uri.params.get('transport');
  let transport: TransportName =
    typeof param === 'string'
      ? (URI_TRANSPORTS[param.toLowerCase()] ?? 'udp')
      : (fallback ?? 'udp');
  // §26.2: sips: needs TLS on the hop; RFC 7118 §5.2: over WebSocket that is WSS.
  if (uri.scheme === 'sips') transport = transport === 'ws' || transport === 'wss' ? 'wss' : 'tls';
  const maddr = uri.params.get('maddr');
  const host = typeof maddr === 'string' && maddr.length > 0 ? maddr : uri.host;
  return {
    host: host.startsWith('[') ? host.slice(1, -1) : host,
    port: uri.port ?? (transport === 'tls' ? 5061 : 5060),
    transport,
  };
}

/** `<uri>` with the `lr` parameter added when missing: an outbound proxy as a loose router. */
export function looseRoute(uri: Uri): NameAddr {
  if (uri.kind !== 'sip' || uri.params.has('lr')) {
    return { displayName: undefined, uri, params: EMPTY_PARAMS };
  }
  const params = new Map(uri.params);
  params.set('lr', null);
  return { displayName: undefined, uri: { ...uri, params }, params: EMPTY_PARAMS };
}
