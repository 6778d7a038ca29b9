/**
 * SIP, SIPS (RFC 3261 §19.1, §25.1) and tel (RFC 3966) URIs: parsing, serialisation and the
 * comparison rules of RFC 3261 §19.1.4. Any other scheme is kept as an opaque absoluteURI, since
 * a parser must accept URIs it does not understand (RFC 4475 §3.3.2-§3.3.4).
 *
 * Components are stored percent-decoded (RFC 3261 §19.1.2: an escaped character is equivalent
 * to the character itself, so `sip:%75se%72@example.com` has the user `user`); serialisation
 * escapes again whatever a component may not hold literally. Decoding is never recursive
 * (RFC 4475 §3.1.1.3: `v%61lue%25%34%31` is `value%41`, not `valueA`).
 */
import { SipMessageError } from './errors.js';
import {
  ALPHA,
  DIGIT,
  HEADER_EXTRA,
  HOST,
  PARAM_EXTRA,
  PASSWORD_EXTRA,
  UNRESERVED,
  USER_EXTRA,
  is,
  isAny,
  parseBoundedInt,
} from './syntax.js';

/** Parameters by lower-cased name; `null` for a parameter without a value (`;lr`). */
export type Params = ReadonlyMap<string, string | null>;

export interface UriHeader {
  readonly name: string;
  readonly value: string;
}

export interface SipUri {
  readonly kind: 'sip';
  readonly scheme: 'sip' | 'sips';
  /** Percent-decoded user part (may hold any character, NUL included: RFC 4475 §3.1.1.4). */
  readonly user?: string;
  readonly password?: string;
  /** Host name or IPv4 address as written; an IPv6 reference keeps its brackets. */
  readonly host: string;
  readonly port?: number;
  /** uri-parameters: names lower-cased, names and values percent-decoded. */
  readonly params: Params;
  /** headers component (`?name=value&...`), percent-decoded, in order. */
  readonly headers: readonly UriHeader[];
}

/** RFC 3966 telephone URI. */
export interface TelUri {
  readonly kind: 'tel';
  readonly scheme: 'tel';
  /** The telephone-subscriber number as written (`+1-201-555-0123`, `5678`). */
  readonly number: string;
  readonly params: Params;
}

/** A URI of any other scheme (absoluteURI), kept as written. */
export interface AbsoluteUri {
  readonly kind: 'absolute';
  readonly scheme: string;
  /** Everything after the first colon. */
  readonly opaque: string;
}

export type Uri = SipUri | TelUri | AbsoluteUri;

/** One shared, never mutated, empty parameter map (most URIs have no parameters). */
export const EMPTY_PARAMS: Params = new Map<string, string | null>();

const NO_HEADERS: readonly UriHeader[] = [];

function bad(text: string, detail: string): SipMessageError {
  const shown = text.length > 80 ? `${text.slice(0, 80)}...` : text;
  return new SipMessageError(400, `Invalid URI ${JSON.stringify(shown)}: ${detail}`);
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/** True when `text` only holds characters of `flags` or %HEX HEX escapes. */
function validComponent(text: string, flags: number): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      if (hexValue(text.charCodeAt(i + 1)) < 0 || hexValue(text.charCodeAt(i + 2)) < 0)
        return false;
      i += 2;
    } else if (!isAny(c, flags)) {
      return false;
    }
  }
  return true;
}

/** Percent-decodes a validated ASCII component; the octets are read as UTF-8. */
export function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  const bytes = Buffer.allocUnsafe(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      bytes[n] = hexValue(text.charCodeAt(i + 1)) * 16 + hexValue(text.charCodeAt(i + 2));
      i += 2;
    } else {
      bytes[n] = c;
    }
    n += 1;
  }
  return bytes.toString('utf8', 0, n);
}

const HEX = '0123456789ABCDEF';

/** Escapes every character of `text` that is not in `flags` as %HEX HEX of its UTF-8 octets. */
export function percentEncode(text: string, flags: number): string {
  let plain = true;
  for (let i = 0; i < text.length; i += 1) {
    if (!isAny(text.charCodeAt(i), flags)) {
      plain = false;
      break;
    }
  }
  if (plain) return text;
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (ch.length === 1 && isAny(code, flags)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) {
      out += `%${HEX[byte >> 4] ?? '0'}${HEX[byte & 15] ?? '0'}`;
    }
  }
  return out;
}

const USER_CHARS = UNRESERVED | USER_EXTRA;
const PASSWORD_CHARS = UNRESERVED | PASSWORD_EXTRA;
const PARAM_CHARS = UNRESERVED | PARAM_EXTRA;
const HEADER_CHARS = UNRESERVED | HEADER_EXTRA;

/**
 * Parses a URI. Throws a {@link SipMessageError} (status 400) naming what is wrong when the
 * text is not a valid URI.
 */
export function parseUri(text: string): Uri {
  const colon = text.indexOf(':');
  if (colon <= 0) throw bad(text, 'no scheme');
  if (!is(text.charCodeAt(0), ALPHA)) throw bad(text, 'a scheme starts with a letter');
  for (let i = 1; i < colon; i += 1) {
    const c = text.charCodeAt(i);
    if (!isAny(c, ALPHA | DIGIT) && c !== 0x2b && c !== 0x2d && c !== 0x2e) {
      throw bad(text, 'invalid character in the scheme');
    }
  }
  const scheme = text.slice(0, colon).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(text, colon + 1, scheme);
  if (scheme === 'tel') return parseTelUri(text, colon + 1);
  const opaque = text.slice(colon + 1);
  if (opaque.length === 0) throw bad(text, 'empty URI after the scheme');
  for (let i = 0; i < opaque.length; i += 1) {
    const c = opaque.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x22 || c === 0x3c || c === 0x3e) {
      throw bad(text, 'invalid character');
    }
  }
  return { kind: 'absolute', scheme: text.slice(0, colon), opaque };
}

/** Like {@link parseUri} but returns undefined instead of throwing. */
export function tryParseUri(text: string): Uri | undefined {
  try {
    return parseUri(text);
  } catch (error) {
    if (error instanceof SipMessageError) return undefined;
    throw error;
  }
}

function parseSipUri(text: string, start: number, scheme: 'sip' | 'sips'): SipUri {
  const len = text.length;
  let pos = start;
  let user: string | undefined;
  let password: string | undefined;
  // RFC 3261 §25.1: no "@" may appear unescaped outside userinfo, so the first one ends it.
  const at = text.indexOf('@', start);
  if (at >= 0) {
    const colon = text.indexOf(':', start);
    const userEnd = colon >= 0 && colon < at ? colon : at;
    const rawUser = text.slice(start, userEnd);
    if (rawUser.length === 0) throw bad(text, 'empty user part');
    if (!validComponent(rawUser, USER_CHARS)) throw bad(text, 'invalid character in the user part');
    user = percentDecode(rawUser);
    if (userEnd < at) {
      const rawPassword = text.slice(userEnd + 1, at);
      if (!validComponent(rawPassword, PASSWORD_CHARS)) {
        throw bad(text, 'invalid character in the password');
      }
      password = percentDecode(rawPassword);
    }
    pos = at + 1;
  }

  let host: string;
  if (text.charCodeAt(pos) === 0x5b) {
    const close = text.indexOf(']', pos);
    if (close < 0) throw bad(text, 'unterminated IPv6 reference');
    host = text.slice(pos, close + 1);
    if (!validIpv6(host.slice(1, -1))) throw bad(text, 'invalid IPv6 address');
    pos = close + 1;
  } else {
    const hostStart = pos;
    while (pos < len && is(text.charCodeAt(pos), HOST)) pos += 1;
    host = text.slice(hostStart, pos);
    if (host.length === 0) throw bad(text, 'missing host');
  }

  let port: number | undefined;
  if (text.charCodeAt(pos) === 0x3a) {
    const portStart = pos + 1;
    pos = portStart;
    while (pos < len && is(text.charCodeAt(pos), DIGIT)) pos += 1;
    port = parseBoundedInt(text.slice(portStart, pos), 65535);
    if (port === undefined) throw bad(text, 'invalid port');
  }

  let params: Params = EMPTY_PARAMS;
  if (text.charCodeAt(pos) === 0x3b) {
    const map = new Map<string, string | null>();
    while (pos < len && text.charCodeAt(pos) === 0x3b) {
      let end = pos + 1;
      while (end < len) {
        const c = text.charCodeAt(end);
        if (c === 0x3b || c === 0x3f) break;
        end += 1;
      }
      const segment = text.slice(pos + 1, end);
      const eq = segment.indexOf('=');
      const rawName = eq < 0 ? segment : segment.slice(0, eq);
      if (rawName.length === 0 || !validComponent(rawName, PARAM_CHARS)) {
        throw bad(text, 'invalid uri-parameter');
      }
      let value: string | null = null;
      if (eq >= 0) {
        const rawValue = segment.slice(eq + 1);
        if (!validComponent(rawValue, PARAM_CHARS)) throw bad(text, 'invalid uri-parameter value');
        value = percentDecode(rawValue);
      }
      map.set(percentDecode(rawName).toLowerCase(), value);
      pos = end;
    }
    params = map;
  }

  let headers = NO_HEADERS;
  if (text.charCodeAt(pos) === 0x3f) {
    const list: UriHeader[] = [];
    for (const pair of text.slice(pos + 1).split('&')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw bad(text, 'invalid header component');
      const rawName = pair.slice(0, eq);
      const rawValue = pair.slice(eq + 1);
      if (!validComponent(rawName, HEADER_CHARS) || !validComponent(rawValue, HEADER_CHARS)) {
        throw bad(text, 'invalid character in a header component');
      }
      list.push({ name: percentDecode(rawName), value: percentDecode(rawValue) });
    }
    headers = list;
    pos = len;
  }

  if (pos !== len) throw bad(text, `unexpected ${JSON.stringify(text.charAt(pos))}`);
  // Every property always present (undefined when absent): one object shape for all URIs.
  return { kind: 'sip', scheme, user, password, host, port, params, headers };
}

function validIpv6(inner: string): boolean {
  if (inner.length < 2 || !inner.includes(':')) return false;
  for (let i = 0; i < inner.length; i += 1) {
    const c = inner.charCodeAt(i);
    if (hexValue(c) < 0 && c !== 0x3a && c !== 0x2e) return false;
  }
  return true;
}

function parseTelUri(text: string, start: number): TelUri {
  const semi = text.indexOf(';', start);
  const number = text.slice(start, semi < 0 ? text.length : semi);
  if (number.length === 0) throw bad(text, 'empty telephone number');
  const global = number.charCodeAt(0) === 0x2b;
  let digits = 0;
  for (let i = global ? 1 : 0; i < number.length; i += 1) {
    const c = number.charCodeAt(i);
    // RFC 3966 §3: visual-separator = "-" / "." / "(" / ")"
    if (c === 0x2d || c === 0x2e || c === 0x28 || c === 0x29) continue;
    const ok = global ? is(c, DIGIT) : hexValue(c) >= 0 || c === 0x2a || c === 0x23;
    if (!ok) throw bad(text, 'invalid character in the telephone number');
    digits += 1;
  }
  if (digits === 0) throw bad(text, 'telephone number without digits');
  let params: Params = EMPTY_PARAMS;
  if (semi >= 0) {
    const map = new Map<string, string | null>();
    for (const segment of text.slice(semi + 1).split(';')) {
      const eq = segment.indexOf('=');
      const rawName = eq < 0 ? segment : segment.slice(0, eq);
      const rawValue = eq < 0 ? null : segment.slice(eq + 1);
      if (rawName.length === 0 || !validComponent(rawName, PARAM_CHARS)) {
        throw bad(text, 'invalid parameter');
      }
      if (rawValue !== null && !validComponent(rawValue, PARAM_CHARS)) {
        throw bad(text, 'invalid parameter value');
      }
      map.set(rawName.toLowerCase(), rawValue === null ? null : percentDecode(rawValue));
    }
    params = map;
  }
  return { kind: 'tel', scheme: 'tel', number, params };
}

function formatParams(params: Params): string {
  let out = '';
  for (const [name, value] of params) {
    out += `;${percentEncode(name, PARAM_CHARS)}`;
    if (value !== null) out += `=${percentEncode(value, PARAM_CHARS)}`;
  }
  return out;
}

/** The URI as text, escaping what each component may not hold literally. */
export function serializeUri(uri: Uri): string {
  if (uri.kind === 'absolute') return `${uri.scheme}:${uri.opaque}`;
  if (uri.kind === 'tel') return `tel:${uri.number}${formatParams(uri.params)}`;
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) {
    out += percentEncode(uri.user, USER_CHARS);
    if (uri.password !== undefined) out += `:${percentEncode(uri.password, PASSWORD_CHARS)}`;
    out += '@';
  }
  out += uri.host;
  if (uri.port !== undefined) out += `:${String(uri.port)}`;
  out += formatParams(uri.params);
  if (uri.headers.length > 0) {
    out += '?';
    out += uri.headers
      .map((h) => `${percentEncode(h.name, HEADER_CHARS)}=${percentEncode(h.value, HEADER_CHARS)}`)
      .join('&');
  }
  return out;
}

/** Fields for {@link sipUri}; params may be given as a plain record. */
export interface SipUriInit {
  readonly scheme?: 'sip' | 'sips';
  readonly user?: string;
  readonly password?: string;
  readonly host: string;
  readonly port?: number;
  readonly params?: Params | Readonly<Record<string, string | null>>;
  readonly headers?: readonly UriHeader[];
}

/** A Params map from a record or a map (names lower-cased); the shared empty map for none. */
export function paramsFrom(
  params: Readonly<Record<string, string | null>> | Params | undefined,
): Params {
  if (params === undefined) return EMPTY_PARAMS;
  const entries: [string, string | null][] = isParams(params)
    ? [...params]
    : Object.entries(params);
  if (entries.length === 0) return EMPTY_PARAMS;
  return new Map(
    entries.map(([name, value]): [string, string | null] => [name.toLowerCase(), value]),
  );
}

function isParams(value: Readonly<Record<string, string | null>> | Params): value is Params {
  return value instanceof Map;
}

/** Builds a SipUri from its parts (parameter names are lower-cased). */
export function sipUri(init: SipUriInit): SipUri {
  return {
    kind: 'sip',
    scheme: init.scheme ?? 'sip',
    user: init.user,
    password: init.password,
    host: init.host,
    port: init.port,
    params: paramsFrom(init.params),
    headers: init.headers ?? NO_HEADERS,
  };
}

function sameText(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  return a.toLowerCase() === b.toLowerCase();
}

/** uri-parameters that, present in one URI, must be present and equal in the other. */
const STRICT_PARAMS = ['user', 'ttl', 'method', 'maddr', 'transport'] as const;

/**
 * URI equality by RFC 3261 §19.1.4 for sip/sips (user and password case-sensitive after
 * unescaping, host case-insensitive, an absent port differs from an explicit 5060, the
 * transport/user/ttl/method/maddr parameters must match when either URI has them, other
 * parameters only when both have them, every header component must match), RFC 3966 §4 for tel
 * (visual separators ignored, parameters must all match, case-insensitive) and exact text for
 * other schemes (scheme case-insensitive).
 */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind === 'absolute' || b.kind === 'absolute') {
    return (
      a.kind === b.kind &&
      a.scheme.toLowerCase() === b.scheme.toLowerCase() &&
      serializeUri(a).slice(a.scheme.length) === serializeUri(b).slice(b.scheme.length)
    );
  }
  if (a.kind === 'tel' || b.kind === 'tel') {
    if (a.kind !== 'tel' || b.kind !== 'tel') return false;
    if (telDigits(a.number) !== telDigits(b.number)) return false;
    if (a.params.size !== b.params.size) return false;
    for (const [name, value] of a.params) {
      if (!b.params.has(name) || !sameText(value, b.params.get(name))) return false;
    }
    return true;
  }
  if (a.scheme !== b.scheme) return false;
  if (a.user !== b.user || a.password !== b.password) return false;
  if (a.host.toLowerCase() !== b.host.toLowerCase()) return false;
  if (a.port !== b.port) return false;
  for (const name of STRICT_PARAMS) {
    if (
      (a.params.has(name) || b.params.has(name)) &&
      !sameText(a.params.get(name), b.params.get(name))
    ) {
      return false;
    }
  }
  for (const [name, value] of a.params) {
    if (b.params.has(name) && !sameText(value, b.params.get(name))) return false;
  }
  if (a.headers.length !== b.headers.length) return false;
  const unmatched = [...b.headers];
  for (const header of a.headers) {
    const index = unmatched.findIndex(
      (other) =>
        other.name.toLowerCase() === header.name.toLowerCase() && other.value === header.value,
    );
    if (index < 0) return false;
    unmatched.splice(index, 1);
  }
  return true;
}

function telDigits(number: string): string {
  let out = '';
  for (let i = 0; i < number.length; i += 1) {
    const c = number[i] ?? '';
    if (c !== '-' && c !== '.' && c !== '(' && c !== ')') out += c.toLowerCase();
  }
  return out;
}
