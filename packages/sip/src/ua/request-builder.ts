/**
 * Requests outside a dialog (RFC 3261 §8.1.1): Request-URI, To, From with a fresh tag, Call-ID,
 * CSeq, Max-Forwards, Via, Contact where a dialog can result, and the pre-existing route set of
 * an outbound proxy (§8.1.2). Also the CANCEL of an INVITE (§9.1).
 */
import {
  DEFAULT_MAX_FORWARDS,
  applyRouteSet,
  destinationFor,
  looseRoute,
  parseRouteSet,
  type DialogHost,
  type DialogRequest,
} from '../dialog/index.js';
import {
  EMPTY_PARAMS,
  SipMessageError,
  SipRequest,
  formatNameAddr,
  paramsFrom,
  parseNameAddr,
  parseUri,
  splitHeaderValue,
  type HeaderField,
  type NameAddr,
  type Uri,
} from '../message/index.js';
import type { Destination, TransportName } from '../transaction/index.js';
import { UaOptionError } from './errors.js';

/** What `request()` and `invite()` share: where the request goes and who it is from. */
export interface OutgoingRequestOptions {
  /** The Request-URI: `sip:bob@example.org`, `sip:+4930123@trunk.example;user=phone`. */
  readonly uri: string | Uri;
  /** The To value (a name-addr); `<uri>` by default. */
  readonly to?: string;
  /** The From value without tag (a name-addr); the user agent's identity by default. */
  readonly from?: string;
  readonly callId?: string;
  /** Initial CSeq number (1 by default; must stay below 2**31, §8.1.1.5). */
  readonly cseq?: number;
  /** An outbound proxy (sent to first, as a loose router: `;lr` is added when missing). */
  readonly proxy?: string;
  /** A pre-existing route set (§8.1.2), in order; used instead of `proxy`. */
  readonly route?: readonly string[];
  /** The next hop's address, overriding what the route set or the URI say. */
  readonly destination?: Destination;
  /** The transport when the next hop's URI names none (UDP by default). */
  readonly transport?: TransportName;
  /** More header fields (P-Asserted-Identity, Diversion, History-Info, Subject...). */
  readonly headers?: readonly HeaderField[];
}

/** The identity of a request: kept across an authentication retry (§22.2: same Call-ID, From tag). */
export interface RequestIdentity {
  readonly callId: string;
  readonly fromTag: string;
  readonly cseq: number;
}

export interface BuildOptions {
  readonly method: string;
  readonly identity: RequestIdentity;
  /** From value when `options.from` is absent. */
  readonly defaultFrom: string;
  readonly host: DialogHost;
  readonly body?: string | Buffer;
  readonly contentType?: string;
  /** Allow and Supported values to add (INVITE, §13.2.1). */
  readonly allow?: string;
  readonly supported?: string;
}

/** Methods that can set up a dialog and so carry a Contact (§8.1.1.8; RFC 6665, RFC 3515). */
const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);

function uriOption(value: string | Uri, option: string): Uri {
  if (typeof value !== 'string') return value;
  try {
    return parseUri(value.trim());
  } catch (error) {
    if (error instanceof SipMessageError) throw new UaOptionError(option, error.message);
    throw error;
  }
}

function nameAddrOption(value: string, option: string): NameAddr {
  try {
    return parseNameAddr(value.trim(), option);
  } catch (error) {
    if (error instanceof SipMessageError) throw new UaOptionError(option, error.message);
    throw error;
  }
}

/** The route set asked for: `route`, else `proxy` as a loose router, else none. */
function routeSetOption(options: OutgoingRequestOptions): NameAddr[] {
  try {
    if (options.route !== undefined) return parseRouteSet(options.route);
    if (options.proxy !== undefined) return [looseRoute(uriOption(options.proxy, 'proxy'))];
    return [];
  } catch (error) {
    if (error instanceof SipMessageError) throw new UaOptionError('route', error.message);
    throw error;
  }
}

/**
 * Builds an out-of-dialog request and finds its next hop. Throws `UaOptionError` for a bad URI,
 * From, To or route, or when the next hop has no address (a tel: URI without a proxy).
 */
export function buildRequest(options: OutgoingRequestOptions, build: BuildOptions): DialogRequest {
  const { method, identity } = build;
  const uri = uriOption(options.uri, 'uri');
  const routed = applyRouteSet(uri, routeSetOption(options));
  const destination = options.destination ?? destinationFor(routed.nextHop, options.transport);
  if (destination === undefined) {
    throw new UaOptionError('uri', 'no address to send to: give a proxy or a destination');
  }
  const from = nameAddrOption(options.from ?? build.defaultFrom, 'from');
  const to =
    options.to === undefined
      ? { displayName: undefined, uri, params: EMPTY_PARAMS }
      : nameAddrOption(options.to, 'to');
  const fromParams = new Map(from.params);
  fromParams.set('tag', identity.fromTag);
  const toParams = new Map(to.params);
  toParams.delete('tag');
  const headers: HeaderField[] = [
    { name: 'Via', value: build.host.via(destination.transport) },
    { name: 'Max-Forwards', value: String(DEFAULT_MAX_FORWARDS) },
  ];
  for (const route of routed.routes) headers.push({ name: 'Route', value: route });
  headers.push(
    { name: 'From', value: formatNameAddr({ ...from, params: paramsFrom(fromParams) }) },
    { name: 'To', value: formatNameAddr({ ...to, params: paramsFrom(toParams) }) },
    { name: 'Call-ID', value: identity.callId },
    { name: 'CSeq', value: `${String(identity.cseq)} ${method}` },
  );
  const extra = options.headers ?? [];
  const hasContact = extra.some((field) => field.name.toLowerCase() === 'contact');
  if (DIALOG_CREATING.has(method) && !hasContact) {
    headers.push({
      name: 'Contact',
      value: build.host.contact(destination.transport, uri.scheme === 'sips'),
    });
  }
  const userAgent = build.host.userAgent;
  if (userAgent !== undefined) headers.push({ name: 'User-Agent', value: userAgent });
  if (build.allow !== undefined) headers.push({ name: 'Allow', value: build.allow });
  if (build.supported !== undefined && build.supported !== '') {
    headers.push({ name: 'Supported', value: build.supported });
  }
  headers.push(...extra);
  if (build.body !== undefined && build.contentType !== undefined) {
    headers.push({ name: 'Content-Type', value: build.contentType });
  }
  let request: SipRequest;
  try {
    request = new SipRequest({
      method,
      uri: routed.requestUri,
      headers,
      ...(build.body === undefined ? {} : { body: build.body }),
    });
  } catch (error) {
    // A header value with CR or LF, a bad header name: the caller's extra headers.
    if (error instanceof SipMessageError) throw new UaOptionError('headers', error.message);
    throw error;
  }
  return { request, destination };
}

/**
 * The CANCEL of an INVITE (RFC 3261 §9.1): the INVITE's Request-URI, Call-ID, To, From and CSeq
 * number, a single Via equal to the INVITE's top Via (so it reaches the same transaction), its
 * Route fields, and the CSeq method CANCEL.
 */
export function cancelFor(invite: SipRequest): SipRequest {
  const headers: HeaderField[] = [];
  const keys: string[] = [];
  let viaDone = false;
  for (let i = 0; i < invite.headers.length; i += 1) {
    const field = invite.headers[i];
    const key = invite.headerKeys[i];
    if (field === undefined || key === undefined) continue;
    if (key === 'via') {
      if (viaDone) continue;
      viaDone = true;
      headers.push({ name: field.name, value: splitHeaderValue('via', field.value)[0] ?? '' });
    } else if (key === 'cseq') {
      headers.push({ name: field.name, value: `${String(invite.cseq().seq)} CANCEL` });
    } else if (
      key === 'from' ||
      key === 'to' ||
      key === 'call-id' ||
      key === 'route' ||
      key === 'max-forwards'
    ) {
      headers.push(field);
    } else {
      continue;
    }
    keys.push(key);
  }
  return new SipRequest({ method: 'CANCEL', uri: invite.uri, headers, headerKeys: keys });
}
