/**
 * The Via header field (RFC 3261 §20.42, §25.1) with the rport parameter of RFC 3581:
 *
 *   via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = protocol-name SLASH protocol-version SLASH transport
 *   sent-by       = host [ COLON port ]
 *
 * SLASH and COLON allow whitespace around them (RFC 4475 §3.1.1.1: `SIP  /   2.0 /UDP`).
 */
import { malformed } from './errors.js';
import { formatParams, parseParams } from './params.js';
import { DIGIT, HOST, TOKEN, is, isWsp, parseBoundedInt, skipWs, splitList } from './syntax.js';
import { EMPTY_PARAMS, type Params } from './uri.js';

export interface Via {
  /** protocol-name/protocol-version, upper-cased: `SIP/2.0`. */
  readonly protocol: string;
  /** Upper-cased transport: UDP, TCP, TLS, SCTP, WS, WSS or an extension. */
  readonly transport: string;
  /** sent-by host as written; an IPv6 reference keeps its brackets. */
  readonly host: string;
  readonly port?: number;
  /** Every parameter, known ones included (lower-cased names). */
  readonly params: Params;
  readonly branch?: string;
  readonly received?: string;
  /** RFC 3581: `true` for a bare `;rport` (a request asking for it), the port once filled in. */
  readonly rport?: number | true;
  readonly maddr?: string;
  readonly ttl?: number;
}

const HEADER = 'Via';

/** RFC 3261 §8.1.1.7: branches of RFC 3261 transactions start with this magic cookie. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

/**
 * True when `branch` is an RFC 3261 transaction identifier: the magic cookie followed by at least
 * one character. RFC 4475 §3.2.1 (`branch=z9hG4bK` alone) parses, but is no usable identifier;
 * the transaction layer then falls back to RFC 2543 matching or rejects the request.
 */
export function isRfc3261Branch(branch: string | undefined): branch is string {
  return (
    branch !== undefined &&
    branch.length > BRANCH_MAGIC_COOKIE.length &&
    branch.startsWith(BRANCH_MAGIC_COOKIE)
  );
}

function readToken(text: string, pos: number, what: string): [string, number] {
  let i = pos;
  while (i < text.length && is(text.charCodeAt(i), TOKEN)) i += 1;
  if (i === pos) throw malformed(HEADER, `missing ${what}`);
  return [text.slice(pos, i), i];
}

function expectSlash(text: string, pos: number): number {
  const i = skipWs(text, pos);
  if (text.charCodeAt(i) !== 0x2f) throw malformed(HEADER, 'expected "/" in the sent-protocol');
  return skipWs(text, i + 1);
}

/** Parses one via-parm (a single comma-separated element). */
export function parseViaValue(text: string): Via {
  const [name, afterName] = readToken(text, skipWs(text, 0), 'protocol name');
  const [version, afterVersion] = readToken(text, expectSlash(text, afterName), 'protocol version');
  const [transport, afterTransport] = readToken(text, expectSlash(text, afterVersion), 'transport');
  let i = afterTransport;
  if (i >= text.length || !isWsp(text.charCodeAt(i))) throw malformed(HEADER, 'missing sent-by');
  i = skipWs(text, i);

  let host: string;
  if (text.charCodeAt(i) === 0x5b) {
    const close = text.indexOf(']', i);
    if (close < 0) throw malformed(HEADER, 'unterminated IPv6 reference');
    host = text.slice(i, close + 1);
    i = close + 1;
  } else {
    const start = i;
    while (i < text.length && is(text.charCodeAt(i), HOST)) i += 1;
    host = text.slice(start, i);
    if (host.length === 0) throw malformed(HEADER, 'missing sent-by host');
  }
  let port: number | undefined;
  const afterHost = skipWs(text, i);
  if (text.charCodeAt(afterHost) === 0x3a) {
    const start = skipWs(text, afterHost + 1);
    i = start;
    while (i < text.length && is(text.charCodeAt(i), DIGIT)) i += 1;
    port = parseBoundedInt(text.slice(start, i), 65535);
    if (port === undefined) throw malformed(HEADER, 'invalid sent-by port');
  }
  const params = parseParams(text, i, HEADER);
  // Every property always present (undefined when absent): one object shape for all Vias.
  const via: { -readonly [K in keyof Via]: Via[K] } = {
    protocol: `${name.toUpperCase()}/${version}`,
    transport: transport.toUpperCase(),
    host,
    port,
    params,
    branch: undefined,
    received: undefined,
    rport: undefined,
    maddr: undefined,
    ttl: undefined,
  };
  if (params !== EMPTY_PARAMS) readKnownParams(params, via);
  return via;
}

function readKnownParams(params: Params, via: { -readonly [K in keyof Via]: Via[K] }): void {
  const branch = params.get('branch');
  if (branch === null) throw malformed(HEADER, 'branch without a value');
  via.branch = branch;
  const received = params.get('received');
  if (received === null) throw malformed(HEADER, 'received without a value');
  via.received = received;
  const maddr = params.get('maddr');
  if (maddr === null) throw malformed(HEADER, 'maddr without a value');
  via.maddr = maddr;
  const rport = params.get('rport');
  if (rport === null) via.rport = true;
  else if (rport !== undefined) {
    const value = parseBoundedInt(rport, 65535);
    if (value === undefined) throw malformed(HEADER, 'invalid rport');
    via.rport = value;
  }
  const ttl = params.get('ttl');
  if (ttl !== undefined) {
    const value = ttl === null ? undefined : parseBoundedInt(ttl, 255);
    if (value === undefined) throw malformed(HEADER, 'invalid ttl');
    via.ttl = value;
  }
}

/** Parses a Via header field value (one or more comma-separated via-parms). */
export function parseVia(value: string): Via[] {
  const out: Via[] = [];
  for (const element of splitList(value)) {
    if (element.length === 0) throw malformed(HEADER, 'empty list element');
    out.push(parseViaValue(element));
  }
  return out;
}

/** What {@link formatVia} needs; a parsed {@link Via} is one. */
export interface ViaInit {
  readonly protocol?: string;
  readonly transport: string;
  readonly host: string;
  readonly port?: number;
  readonly branch?: string;
  readonly received?: string;
  readonly rport?: number | true;
  readonly maddr?: string;
  readonly ttl?: number;
  /** Other parameters; the known ones above are taken from their own fields. */
  readonly params?: Params;
}

const KNOWN = new Set(['branch', 'received', 'rport', 'maddr', 'ttl']);

/** One via-parm as text: `SIP/2.0/UDP host:port;branch=...;received=...;rport=...`. */
export function formatVia(via: ViaInit): string {
  let out = `${via.protocol ?? 'SIP/2.0'}/${via.transport.toUpperCase()} ${via.host}`;
  if (via.port !== undefined) out += `:${String(via.port)}`;
  if (via.branch !== undefined) out += `;branch=${via.branch}`;
  if (via.received !== undefined) out += `;received=${via.received}`;
  if (via.rport === true) out += ';rport';
  else if (via.rport !== undefined) out += `;rport=${String(via.rport)}`;
  if (via.maddr !== undefined) out += `;maddr=${via.maddr}`;
  if (via.ttl !== undefined) out += `;ttl=${String(via.ttl)}`;
  if (via.params !== undefined) out += formatParams(via.params, KNOWN);
  return out;
}
