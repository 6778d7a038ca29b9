/**
 * What every transport does with a received message before handing it up (RFC 3261 §18.1.2,
 * §18.2.1, RFC 3581 §4), shared by UDP, TCP, TLS and WebSocket so all behave alike.
 */
import {
  responseForParseError,
  serializeMessage,
  withReceived,
  type ParseError,
  type SipMessage,
  type Via,
} from '../message/index.js';
import type { DiscardReason, Endpoint } from './types.js';

/** The port a sent-by without one means for UDP and TCP (RFC 3261 §18.1.1, §19.1.2). */
export const DEFAULT_SIP_PORT = 5060;
/** The same for TLS (RFC 3261 §19.1.2, §26.2: sips). */
export const DEFAULT_SIPS_PORT = 5061;

/**
 * The port a Via sent-by or a URI without one means, by transport name (any case): 5061 for
 * TLS (RFC 3261 §18.2.2, §19.1.2), 80 and 443 for WS and WSS (the ws/wss URI defaults of
 * RFC 6455 §3, which RFC 7118 leaves in place), 5060 for the rest.
 */
export function defaultPort(transport: string): number {
  switch (transport.toLowerCase()) {
    case 'tls':
      return DEFAULT_SIPS_PORT;
    case 'ws':
      return 80;
    case 'wss':
      return 443;
    default:
      return DEFAULT_SIP_PORT;
  }
}

export type Inbound =
  | { readonly action: 'deliver'; readonly message: SipMessage }
  | { readonly action: 'answer'; readonly bytes: Buffer; readonly detail: string }
  | { readonly action: 'drop'; readonly reason: DiscardReason; readonly detail: string };

/** `::ffff:192.0.2.1` (a dual-stack socket's view of an IPv4 peer) as `192.0.2.1`. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** A Via or URI host without the brackets of an IPv6 reference. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** True for an unspecified listening address (`0.0.0.0`, `::`). */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/**
 * RFC 3261 §18.1.2: a response is ours when its top Via's sent-by is the one we insert (a
 * missing port meaning the transport's default). A transport listening on a wildcard address
 * with no configured sent-by can only check the port.
 */
export function sentByMatches(via: Via, sentBy: Endpoint): boolean {
  if ((via.port ?? defaultPort(via.transport)) !== sentBy.port) return false;
  if (isWildcard(sentBy.host)) return true;
  return bareHost(via.host).toLowerCase() === bareHost(sentBy.host).toLowerCase();
}

/**
 * A parsed message: a request gets received/rport stamped on its top Via (RFC 3261 §18.2.1,
 * RFC 3581 §4); a response must carry our sent-by at the top (§18.1.2) or it is dropped.
 */
export function inboundMessage(
  message: SipMessage,
  source: { readonly host: string; readonly port: number },
  sentBy: Endpoint,
): Inbound {
  if (message.kind === 'request') {
    // The parser checked the Via header (validate is on), so topVia() does not throw here.
    return {
      action: 'deliver',
      message: withReceived(message, { address: source.host, port: source.port }),
    };
  }
  const top = message.topVia();
  if (!sentByMatches(top, sentBy)) {
    const port = top.port === undefined ? '' : `:${String(top.port)}`;
    return {
      action: 'drop',
      reason: 'sent-by-mismatch',
      detail: `top Via sent-by ${top.host}${port}`,
    };
  }
  return { action: 'deliver', message };
}

/**
 * A message that failed to parse: a request is answered with the status the parser chose
 * (400, 416, 501, 505, 513); anything else (a response, an ACK, bytes with no Via) is dropped.
 */
export function inboundParseError(error: ParseError): Inbound {
  const detail = `${String(error.status)} ${error.reason}`;
  let bytes: Buffer;
  try {
    const answer = responseForParseError(error);
    if (answer === undefined) return { action: 'drop', reason: 'unparsable', detail };
    bytes = serializeMessage(answer);
  } catch (cause) {
    // responseForParseError throws when a copied value holds a control character (a NUL in
    // the To, say: found by the transport fuzz test). Such a request is not worth an answer.
    const why = cause instanceof Error ? cause.message : String(cause);
    return { action: 'drop', reason: 'unparsable', detail: `${detail} (no answer: ${why})` };
  }
  return { action: 'answer', bytes, detail };
}
