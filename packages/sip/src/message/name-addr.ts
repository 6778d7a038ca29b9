/**
 * name-addr and addr-spec with header parameters, as in From, To, Contact, Route, Record-Route,
 * Reply-To, P-Asserted-Identity (RFC 3261 §20.10, §25.1):
 *
 *   ( name-addr / addr-spec ) *( SEMI generic-param )
 *   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 *   display-name = *(token LWS) / quoted-string
 *
 * In the addr-spec form every ";" starts a header parameter (a URI with parameters, headers or
 * a comma must be written in angle brackets, RFC 3261 §20.10; RFC 4475 §3.3.12 and §3.1.2.13).
 */
import { SipMessageError, malformed } from './errors.js';
import { formatParams, parseParams } from './params.js';
import {
  isToken,
  isWord,
  quote,
  scanQuoted,
  skipWs,
  splitList,
  trimWs,
  unquote,
} from './syntax.js';
import { parseUri, serializeUri, type Params, type Uri } from './uri.js';

export interface NameAddr {
  /** Display name, unquoted and unescaped; absent when the value has none. */
  readonly displayName?: string;
  readonly uri: Uri;
  /** Header parameters (tag, expires, q, lr...): lower-cased names, quoted values kept quoted. */
  readonly params: Params;
}

/** From and To: a NameAddr with its tag parameter at hand. */
export interface FromTo extends NameAddr {
  readonly tag: string | undefined;
}

function uriIn(text: string, header: string): Uri {
  try {
    return parseUri(text);
  } catch (error) {
    if (error instanceof SipMessageError) throw malformed(header, error.message);
    throw error;
  }
}

/**
 * Parses one name-addr or addr-spec with its parameters. `allowAddrSpec: false` requires the
 * angle-bracket form (Route and Record-Route, RFC 3261 §20.30, §20.34). Throws a 400
 * {@link SipMessageError} naming `header` when the value is malformed.
 */
export function parseNameAddr(value: string, header: string, allowAddrSpec = true): NameAddr {
  const len = value.length;
  let i = skipWs(value, 0);
  if (i >= len) throw malformed(header, 'empty value');
  let displayName: string | undefined;
  const first = value.charCodeAt(i);
  if (first === 0x22) {
    const end = scanQuoted(value, i);
    if (end < 0) throw malformed(header, 'unterminated quoted display name');
    displayName = unquote(value.slice(i, end));
    i = skipWs(value, end);
    if (value.charCodeAt(i) !== 0x3c)
      throw malformed(header, 'a display name must be followed by <URI>');
  } else if (first !== 0x3c) {
    const open = value.indexOf('<', i);
    if (open < 0) {
      if (!allowAddrSpec) throw malformed(header, 'the URI must be enclosed in <>');
      const semi = value.indexOf(';', i);
      const end = semi < 0 ? len : semi;
      const text = trimWs(value.slice(i, end));
      if (text.includes('?') || text.includes(',')) {
        throw malformed(header, 'a URI with headers or commas must be enclosed in <>');
      }
      return {
        displayName: undefined,
        uri: uriIn(text, header),
        params: parseParams(value, end, header),
      };
    }
    displayName = tokenDisplayName(value.slice(i, open), header);
    i = open;
  }
  const close = value.indexOf('>', i);
  if (close < 0) throw malformed(header, 'missing ">"');
  const uri = uriIn(value.slice(i + 1, close), header);
  const params = parseParams(value, close + 1, header);
  // Always the same three properties: one object shape keeps the accessors fast.
  return { displayName, uri, params };
}

/**
 * display-name = *(token LWS): tokens joined by single spaces. RFC 4475 §3.1.1.6 accepts a
 * token directly followed by "<" (no LWS), a known RFC 3261 grammar bug; anything that is not a
 * token (RFC 4475 §3.1.2.15: `Bell, Alexander`) must have been quoted.
 */
function tokenDisplayName(text: string, header: string): string | undefined {
  const trimmed = trimWs(text);
  if (trimmed.length === 0) return undefined;
  // One word (the usual `sipp <sip:...>`): no split, no join.
  if (isToken(trimmed)) return trimmed;
  const words = trimmed.split(/[ \t]+/);
  for (const word of words) {
    if (!isToken(word))
      throw malformed(header, 'a display name that is not a token must be quoted');
  }
  return words.join(' ');
}

/** Parses a comma-separated list of name-addr / addr-spec values. */
export function parseNameAddrList(value: string, header: string, allowAddrSpec = true): NameAddr[] {
  const out: NameAddr[] = [];
  for (const element of splitList(value)) {
    if (element.length === 0) throw malformed(header, 'empty list element');
    out.push(parseNameAddr(element, header, allowAddrSpec));
  }
  return out;
}

/** From/To with its tag. */
export function parseFromTo(value: string, header: string): FromTo {
  const { displayName, uri, params } = parseNameAddr(value, header);
  const tag = params.get('tag');
  if (tag === null) throw malformed(header, 'tag parameter without a value');
  return { displayName, uri, params, tag };
}

/** `"Display" <uri>;param=value`, always in the angle-bracket form and with a quoted name. */
export function formatNameAddr(nameAddr: NameAddr): string {
  const name =
    nameAddr.displayName === undefined || nameAddr.displayName === ''
      ? ''
      : `${quote(nameAddr.displayName)} `;
  return `${name}<${serializeUri(nameAddr.uri)}>${formatParams(nameAddr.params)}`;
}

/** True when `text` is a valid Call-ID: `word [ "@" word ]` (RFC 3261 §25.1). */
export function isCallId(text: string): boolean {
  const at = text.indexOf('@');
  if (at < 0) return isWord(text);
  return isWord(text.slice(0, at)) && isWord(text.slice(at + 1));
}
