/**
 * Header field names: case-insensitive (RFC 3261 §7.3.1), with compact forms (RFC 3261 §7.3.3
 * and the IANA "Header Fields" registry), a canonical spelling for serialisation, and which
 * fields hold comma-separated lists (RFC 3261 §7.3.1).
 */
import { splitList } from './syntax.js';

/** A header field as it appeared in (or will be written to) a message, in order. */
export interface HeaderField {
  /** The name as written (`v`, `MaX-fOrWaRdS`); see {@link canonicalHeaderName}. */
  readonly name: string;
  /**
   * The value without leading/trailing whitespace; a folded value (RFC 3261 §7.3.1: CRLF
   * followed by whitespace) is unfolded into a single space, which is what folding means.
   */
  readonly value: string;
}

/** Compact form letter -> canonical long name (IANA SIP Parameters, Header Fields). */
const COMPACT: Readonly<Record<string, string>> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

/** Canonical spellings of the names whose capitalisation is not simply "Word-Word". */
const SPECIAL = [
  'Call-ID',
  'CSeq',
  'WWW-Authenticate',
  'MIME-Version',
  'RAck',
  'RSeq',
  'SIP-ETag',
  'SIP-If-Match',
  'P-Asserted-Identity',
  'P-Preferred-Identity',
  'Min-SE',
];

const compactOf = new Map<string, string>();
const canonicalByKey = new Map<string, string>();
for (const [letter, name] of Object.entries(COMPACT)) {
  compactOf.set(name.toLowerCase(), letter);
  canonicalByKey.set(name.toLowerCase(), name);
}
for (const name of SPECIAL) canonicalByKey.set(name.toLowerCase(), name);

/**
 * The lookup key of a header name: lower-cased, compact forms expanded (`i`, `I`, `call-id` and
 * `Call-ID` all give `call-id`).
 */
export function headerKey(name: string): string {
  const cached = keyCache.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  let key = lower;
  if (lower.length === 1) {
    const long = COMPACT[lower];
    if (long !== undefined) key = long.toLowerCase();
  }
  // Only names of known fields, as spelt by the peers at hand, and only so many: names come
  // from the network and a cache of whatever arrives would grow without bound.
  if (keyCache.size < KEY_CACHE_SIZE && isCommonKey(key)) keyCache.set(name, key);
  return key;
}

/** Header name as written → its key, for the names of common fields (parsing every message). */
const keyCache = new Map<string, string>();
const KEY_CACHE_SIZE = 1024;

/** Fields most messages carry besides those with a compact form or a special spelling. */
const COMMON_KEYS = new Set([
  'max-forwards',
  'user-agent',
  'server',
  'allow',
  'route',
  'record-route',
  'expires',
  'min-expires',
  'authorization',
  'proxy-authorization',
  'www-authenticate',
  'proxy-authenticate',
  'require',
  'proxy-require',
  'unsupported',
  'timestamp',
  'date',
  'reason',
  'accept',
  'retry-after',
  'organization',
  'priority',
  'privacy',
  'p-asserted-identity',
  'p-preferred-identity',
]);

function isCommonKey(key: string): boolean {
  return canonicalByKey.has(key) || COMMON_KEYS.has(key) || LIST_HEADERS.has(key);
}

/** Canonical spelling of a header name (`v` -> `Via`, `call-id` -> `Call-ID`, `x-foo` -> `X-Foo`). */
export function canonicalHeaderName(name: string): string {
  const key = headerKey(name);
  const known = canonicalByKey.get(key);
  if (known !== undefined) return known;
  let out = '';
  let upper = true;
  for (let i = 0; i < key.length; i += 1) {
    const c = key[i] ?? '';
    out += upper ? c.toUpperCase() : c;
    upper = c === '-';
  }
  // Not cached: names come from the network and a cache would grow without bound.
  return out;
}

/** The canonical spelling of a known header field by its key, undefined for unknown ones. */
export function knownHeaderName(key: string): string | undefined {
  return canonicalByKey.get(key);
}

/** The compact form of a header name, or the canonical long name when it has none. */
export function compactHeaderName(name: string): string {
  return compactOf.get(headerKey(name)) ?? canonicalHeaderName(name);
}

/** The compact form of a header field by its key, undefined when it has none. */
export function compactFormOfKey(key: string): string | undefined {
  return compactOf.get(key);
}

/**
 * Header fields known to hold comma-separated lists (RFC 3261 §7.3.1 and the extensions that
 * define their fields as `#` lists). Anything else, in particular WWW-Authenticate,
 * Authorization, Date, and every unknown extension header (RFC 4475 §3.1.1.1), is one value.
 */
const LIST_HEADERS = new Set([
  'accept',
  'accept-contact',
  'accept-encoding',
  'accept-language',
  'alert-info',
  'allow',
  'allow-events',
  'call-info',
  'contact',
  'content-encoding',
  'content-language',
  'error-info',
  'history-info',
  'in-reply-to',
  'p-asserted-identity',
  'p-preferred-identity',
  'path',
  'proxy-require',
  'reason',
  'record-route',
  'reject-contact',
  'request-disposition',
  'require',
  'route',
  'security-client',
  'security-server',
  'security-verify',
  'service-route',
  'supported',
  'unsupported',
  'via',
  'warning',
]);

/** True when the header (by key or name) is a comma-separated list. */
export function isListHeader(name: string): boolean {
  return LIST_HEADERS.has(headerKey(name));
}

/** The list elements of one field value (the value itself for non-list headers). */
export function splitHeaderValue(name: string, value: string): string[] {
  return isListHeader(name) ? splitList(value).filter((element) => element.length > 0) : [value];
}

/**
 * The names most messages carry, as peers spell them (canonical and compact forms), each one
 * string for the life of the process: the parser hands these out instead of cutting a new
 * string for every field of every message, and their keys are found without hashing anew.
 */
const SPELLED: readonly string[] = [
  ...canonicalByKey.values(),
  ...Object.keys(COMPACT),
  'Max-Forwards',
  'User-Agent',
  'Server',
  'Allow',
  'Route',
  'Record-Route',
  'Expires',
  'Min-Expires',
  'Authorization',
  'Proxy-Authorization',
  'Proxy-Authenticate',
  'Require',
  'Proxy-Require',
  'Unsupported',
  'Timestamp',
  'Date',
  'Reason',
  'Accept',
  'Retry-After',
  'Organization',
  'Priority',
  'Privacy',
  'Call-Id',
  'Cseq',
];

/** SPELLED by the character code of their first letter (all ASCII). */
const spelledByFirst: (string[] | undefined)[] = [];
for (const name of SPELLED) {
  const code = name.charCodeAt(0);
  (spelledByFirst[code] ??= []).push(name);
  keyCache.set(name, headerKey(name));
}

/**
 * The header name `text` holds from `start` to `end`: one of the common spellings when it is
 * one (the same string every time), else the slice.
 */
export function headerNameAt(text: string, start: number, end: number): string {
  const candidates = spelledByFirst[text.charCodeAt(start)];
  if (candidates !== undefined) {
    const length = end - start;
    for (const name of candidates) {
      if (name.length === length && text.startsWith(name, start)) return name;
    }
  }
  return text.slice(start, end);
}
