// Syntax of the Digest authentication header values (RFC 3261 §20.7, §20.27, §20.28, §20.44,
// §25.1; RFC 7616 §3.3-§3.4; RFC 7235 §2.1 for the generic challenge list).
//
// Everything here works on one header *value* (the text after "WWW-Authenticate:" and friends),
// so the message layer can hand values in and take values out. The parsers never throw: garbage
// from scanners comes back as an `AuthHeaderError` carrying the status to answer with.

/** Longest header value the parsers read; longer values are refused before scanning. */
export const MAX_AUTH_HEADER_LENGTH = 8192;
/** Parameters per challenge or credentials; Digest defines a dozen. */
const MAX_PARAMS = 64;
/** Challenges per header value. */
const MAX_CHALLENGES = 16;

export type AuthHeaderErrorCode =
  | 'empty'
  | 'too-long'
  | 'too-many'
  | 'syntax'
  | 'not-digest'
  | 'duplicate-param'
  | 'missing-param'
  | 'bad-value';

export interface AuthHeaderError {
  readonly code: AuthHeaderErrorCode;
  readonly message: string;
  /** Offset in the header value where the problem was seen, when there is one place. */
  readonly offset?: number;
  /** RFC 3261 §21.4.1: a request whose credentials cannot be read is answered 400 Bad Request. */
  readonly status: 400;
}

export type AuthHeaderResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: AuthHeaderError };

/** One auth-param as written: the name in lower case (names are case-insensitive, RFC 7235 §2.1). */
export interface AuthParam {
  readonly name: string;
  /** The value with quoted-string escapes removed. */
  readonly value: string;
  /** Whether it was (or is to be) written as a quoted-string. */
  readonly quoted: boolean;
}

/** A `Digest` challenge of WWW-Authenticate or Proxy-Authenticate (RFC 7616 §3.3). */
export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  /** The algorithm token as sent; absent means MD5 (RFC 7616 §3.3). */
  readonly algorithm?: string | undefined;
  /** The qop-options, lower case; absent means an RFC 2069 server. */
  readonly qop?: readonly string[] | undefined;
  readonly opaque?: string | undefined;
  readonly stale?: boolean | undefined;
  readonly domain?: string | undefined;
  readonly charset?: string | undefined;
  readonly userhash?: boolean | undefined;
  /** Parameters this module does not know, kept in order. */
  readonly extra?: readonly AuthParam[] | undefined;
}

/** `Digest` credentials of Authorization or Proxy-Authorization (RFC 7616 §3.4). */
export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  readonly algorithm?: string | undefined;
  readonly cnonce?: string | undefined;
  readonly opaque?: string | undefined;
  /** The single qop chosen, lower case. */
  readonly qop?: string | undefined;
  /** Nonce count as sent: 8 hex digits (RFC 7616 §3.4). */
  readonly nc?: string | undefined;
  readonly userhash?: boolean | undefined;
  readonly extra?: readonly AuthParam[] | undefined;
}

/** A formatter was given a value that cannot be written into a header (a control character...). */
export class AuthHeaderFormatError extends Error {
  override readonly name = 'AuthHeaderFormatError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Character classes (RFC 7230 §3.2.6 tchar, a superset of RFC 3261 §25.1 token; RFC 7235 token68)

const TCHAR = new Uint8Array(128);
const TOKEN68 = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = TOKEN68[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = TOKEN68[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = TOKEN68[c] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TCHAR[ch.charCodeAt(0)] = 1;
for (const ch of '-._~+/') TOKEN68[ch.charCodeAt(0)] = 1;

const SP = 0x20;
const HTAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const EQUALS = 0x3d;

function isTchar(c: number): boolean {
  return c < 128 && TCHAR[c] === 1;
}

/** Whether `value` is a non-empty token (may be written unquoted). */
export function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) if (!isTchar(value.charCodeAt(i))) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Scanner

interface RawAuth {
  readonly scheme: string;
  readonly offset: number;
  token68: string | undefined;
  readonly params: AuthParam[];
}

type Step = 'end' | 'next';

/** Cursor over one header value; the first error found stops the scan. */
class Scanner {
  pos = 0;
  error: AuthHeaderError | undefined;

  constructor(readonly text: string) {}

  /** A method, not a getter: TypeScript would narrow a property across the scanner's moves. */
  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  /** Records the first error; returns null for the caller to pass up. */
  fail(code: AuthHeaderErrorCode, message: string, offset = this.pos): null {
    this.error ??= { code, message, offset, status: 400 };
    return null;
  }

  /** RFC 3261 §25.1 LWS/SWS: spaces, tabs, and a folded line (CRLF then a space or tab). */
  skipLws(): boolean {
    const start = this.pos;
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === SP || c === HTAB) this.pos++;
      else if (c === CR && this.isFoldAt(this.pos)) this.pos += 3;
      else break;
    }
    return this.pos > start;
  }

  isFoldAt(at: number): boolean {
    const text = this.text;
    if (text.charCodeAt(at + 1) !== LF) return false;
    const next = text.charCodeAt(at + 2);
    return next === SP || next === HTAB;
  }

  readToken(): string {
    const start = this.pos;
    const text = this.text;
    while (this.pos < text.length && isTchar(text.charCodeAt(this.pos))) this.pos++;
    return text.slice(start, this.pos);
  }

  /** RFC 3261 §25.1 quoted-string; the cursor is on the opening quote. */
  readQuoted(): string | null {
    const text = this.text;
    const open = this.pos;
    this.pos++;
    let out = '';
    let segment = this.pos;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === DQUOTE) {
        out += text.slice(segment, this.pos);
        this.pos++;
        return out;
      }
      if (c === BACKSLASH) {
        // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F): anything but CR and LF.
        const escaped = text.charCodeAt(this.pos + 1);
        if (Number.isNaN(escaped) || escaped === CR || escaped === LF) {
          return this.fail('syntax', 'a backslash must escape a character', this.pos);
        }
        out += text.slice(segment, this.pos) + text.charAt(this.pos + 1);
        this.pos += 2;
        segment = this.pos;
        continue;
      }
      if (c === CR && this.isFoldAt(this.pos)) {
        // A folded line inside qdtext stands for one space (RFC 3261 §7.3.1).
        out += text.slice(segment, this.pos) + ' ';
        this.pos += 3;
        while (this.pos < text.length && isWsp(text.charCodeAt(this.pos))) this.pos++;
        segment = this.pos;
        continue;
      }
      if ((c < SP && c !== HTAB) || c === 0x7f) {
        return this.fail('syntax', 'control character in a quoted string', this.pos);
      }
      this.pos++;
    }
    return this.fail('syntax', 'unterminated quoted string', open);
  }

  /** RFC 7235 §2.1 token68 (e.g. Basic credentials): only when nothing but a comma or end follows. */
  tryToken68(): string | undefined {
    const text = this.text;
    const start = this.pos;
    let at = start;
    while (at < text.length && TOKEN68[text.charCodeAt(at)] === 1) at++;
    if (at === start) return undefined;
    while (at < text.length && text.charCodeAt(at) === EQUALS) at++;
    const end = at;
    this.pos = at;
    this.skipLws();
    if (this.atEnd() || this.peek() === COMMA) return text.slice(start, end);
    this.pos = start;
    return undefined;
  }

  /** After a comma: does an auth-param (token "=") follow, or the next challenge's scheme? */
  paramFollows(): boolean {
    const start = this.pos;
    const name = this.readToken();
    this.skipLws();
    const result = name.length > 0 && !this.atEnd() && this.peek() === EQUALS;
    this.pos = start;
    return result;
  }

  skipCommas(): void {
    while (!this.atEnd() && this.peek() === COMMA) {
      this.pos++;
      this.skipLws();
    }
  }
}

function isWsp(c: number): boolean {
  return c === SP || c === HTAB;
}

/** Parses `1#( challenge / credentials )`: schemes with auth-params or a token68. */
function scanAuthList(value: string): AuthHeaderResult<RawAuth[]> {
  if (value.length > MAX_AUTH_HEADER_LENGTH) {
    return failure('too-long', `header value longer than ${MAX_AUTH_HEADER_LENGTH} characters`);
  }
  const sc = new Scanner(value);
  const items: RawAuth[] = [];
  sc.skipLws();
  for (;;) {
    sc.skipCommas();
    if (sc.atEnd()) break;
    if (items.length >= MAX_CHALLENGES) {
      return failure('too-many', `more than ${MAX_CHALLENGES} schemes in one value`, sc.pos);
    }
    const offset = sc.pos;
    const scheme = sc.readToken();
    if (scheme.length === 0) return failure('syntax', 'expected an auth scheme', sc.pos);
    const item: RawAuth = { scheme, offset, token68: undefined, params: [] };
    items.push(item);
    const spaced = sc.skipLws();
    if (sc.atEnd()) break;
    if (sc.peek() === COMMA) continue;
    if (!spaced) return failure('syntax', 'expected a space after the auth scheme', sc.pos);
    const step = scanParams(sc, item);
    if (step === null) return { ok: false, error: sc.error ?? syntaxError(sc.pos) };
    if (step === 'end') break;
  }
  if (items.length === 0) return failure('empty', 'empty header value');
  return { ok: true, value: items };
}

function scanParams(sc: Scanner, item: RawAuth): Step | null {
  let first = true;
  for (;;) {
    if (first) {
      const token68 = sc.tryToken68();
      if (token68 !== undefined) {
        item.token68 = token68;
        sc.skipCommas();
        return sc.atEnd() ? 'end' : 'next';
      }
      first = false;
    }
    const nameAt = sc.pos;
    const name = sc.readToken();
    if (name.length === 0) return sc.fail('syntax', 'expected a parameter name');
    sc.skipLws();
    if (sc.atEnd() || sc.peek() !== EQUALS)
      return sc.fail('syntax', `expected "=" after "${name}"`);
    sc.pos++;
    sc.skipLws();
    let value: string | null;
    let quoted = false;
    if (!sc.atEnd() && sc.peek() === DQUOTE) {
      value = sc.readQuoted();
      if (value === null) return null;
      quoted = true;
    } else {
      value = sc.readToken();
      if (value.length === 0) return sc.fail('syntax', `expected a value for "${name}"`);
    }
    const lower = name.toLowerCase();
    if (item.params.length >= MAX_PARAMS) {
      return sc.fail('too-many', `more than ${MAX_PARAMS} parameters`, nameAt);
    }
    for (const seen of item.params) {
      // RFC 7235 §2.1: each parameter name MUST only occur once per challenge.
      if (seen.name === lower) return sc.fail('duplicate-param', `"${lower}" given twice`, nameAt);
    }
    item.params.push({ name: lower, value, quoted });
    sc.skipLws();
    if (sc.atEnd()) return 'end';
    if (sc.peek() !== COMMA) return sc.fail('syntax', 'expected "," between parameters');
    sc.skipCommas();
    if (sc.atEnd()) return 'end';
    if (!sc.paramFollows()) return 'next';
  }
}

function failure<T>(
  code: AuthHeaderErrorCode,
  message: string,
  offset?: number,
): AuthHeaderResult<T> {
  const error: AuthHeaderError =
    offset === undefined ? { code, message, status: 400 } : { code, message, offset, status: 400 };
  return { ok: false, error };
}

function syntaxError(offset: number): AuthHeaderError {
  return { code: 'syntax', message: 'malformed header value', offset, status: 400 };
}

// ---------------------------------------------------------------------------------------------
// Digest challenges

/**
 * Parses a WWW-Authenticate or Proxy-Authenticate value into its Digest challenges. A value may
 * hold several challenges (RFC 7235 §4.1); challenges of other schemes (Basic...) are checked
 * for syntax and skipped. Fails when there is no Digest challenge or one is incomplete.
 */
export function parseChallenges(value: string): AuthHeaderResult<DigestChallenge[]> {
  const scanned = scanAuthList(value);
  if (!scanned.ok) return scanned;
  const challenges: DigestChallenge[] = [];
  for (const item of scanned.value) {
    if (item.scheme.toLowerCase() !== 'digest') continue;
    const challenge = toChallenge(item);
    if (!challenge.ok) return challenge;
    challenges.push(challenge.value);
  }
  if (challenges.length === 0) return failure('not-digest', 'no Digest challenge');
  return { ok: true, value: challenges };
}

function toChallenge(item: RawAuth): AuthHeaderResult<DigestChallenge> {
  if (item.token68 !== undefined) {
    return failure('syntax', 'a Digest challenge takes parameters', item.offset);
  }
  let realm: string | undefined;
  let nonce: string | undefined;
  let algorithm: string | undefined;
  let qop: string[] | undefined;
  let opaque: string | undefined;
  let stale: boolean | undefined;
  let domain: string | undefined;
  let charset: string | undefined;
  let userhash: boolean | undefined;
  const extra: AuthParam[] = [];
  for (const param of item.params) {
    switch (param.name) {
      case 'realm':
        realm = param.value;
        break;
      case 'nonce':
        nonce = param.value;
        break;
      case 'algorithm':
        algorithm = param.value;
        break;
      case 'qop':
        qop = splitList(param.value);
        break;
      case 'opaque':
        opaque = param.value;
        break;
      case 'stale':
        // RFC 7616 §3.3: "true" (case-insensitive) means stale; anything else is not.
        stale = param.value.toLowerCase() === 'true';
        break;
      case 'domain':
        domain = param.value;
        break;
      case 'charset':
        charset = param.value;
        break;
      case 'userhash':
        userhash = param.value.toLowerCase() === 'true';
        break;
      default:
        extra.push(param);
    }
  }
  if (realm === undefined) return missing('realm', item.offset);
  if (nonce === undefined) return missing('nonce', item.offset);
  return {
    ok: true,
    value: { realm, nonce, algorithm, qop, opaque, stale, domain, charset, userhash, extra },
  };
}

/** qop-options is a quoted comma-separated list (RFC 7616 §3.3); tokens compare case-insensitively. */
function splitList(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const token = part.trim().toLowerCase();
    if (token.length > 0) out.push(token);
  }
  return out;
}

function missing<T>(name: string, offset: number): AuthHeaderResult<T> {
  return failure('missing-param', `"${name}" is missing`, offset);
}

// ---------------------------------------------------------------------------------------------
// Digest credentials

/**
 * Parses an Authorization or Proxy-Authorization value holding one set of Digest credentials
 * (RFC 3261 §7.3.1: these header fields are never combined, so one value is one credentials).
 */
export function parseCredentials(value: string): AuthHeaderResult<DigestCredentials> {
  const scanned = scanAuthList(value);
  if (!scanned.ok) return scanned;
  const items = scanned.value;
  const item = items[0];
  if (item === undefined) return failure('empty', 'empty header value');
  if (items.length > 1) {
    return failure('syntax', 'one Authorization value holds one credentials', items[1]?.offset);
  }
  if (item.scheme.toLowerCase() !== 'digest') {
    return failure('not-digest', `scheme "${item.scheme}" is not Digest`, item.offset);
  }
  if (item.token68 !== undefined) {
    return failure('syntax', 'Digest credentials take parameters', item.offset);
  }
  const known: Record<string, string | undefined> = {};
  let userhash: boolean | undefined;
  const extra: AuthParam[] = [];
  for (const param of item.params) {
    switch (param.name) {
      case 'username':
      case 'realm':
      case 'nonce':
      case 'uri':
      case 'response':
      case 'algorithm':
      case 'cnonce':
      case 'opaque':
      case 'qop':
      case 'nc':
        known[param.name] = param.value;
        break;
      case 'userhash':
        userhash = param.value.toLowerCase() === 'true';
        break;
      default:
        extra.push(param);
    }
  }
  const { username, realm, nonce, uri, response, algorithm, cnonce, opaque, nc } = known;
  if (username === undefined) return missing('username', item.offset);
  if (realm === undefined) return missing('realm', item.offset);
  if (nonce === undefined) return missing('nonce', item.offset);
  if (uri === undefined) return missing('uri', item.offset);
  if (response === undefined) return missing('response', item.offset);
  const qop = known.qop?.trim().toLowerCase();
  if (qop !== undefined) {
    // RFC 7616 §3.4: cnonce and nc MUST be sent when qop is.
    if (cnonce === undefined) return missing('cnonce', item.offset);
    if (nc === undefined) return missing('nc', item.offset);
  }
  if (nc !== undefined && !isNonceCount(nc)) {
    return failure('bad-value', '"nc" must be 8 hexadecimal digits', item.offset);
  }
  return {
    ok: true,
    value: {
      username,
      realm,
      nonce,
      uri,
      response,
      algorithm,
      cnonce,
      opaque,
      qop,
      nc,
      userhash,
      extra,
    },
  };
}

/** RFC 3261 §25.1 nonce-count = "nc" EQUAL 8LHEX (upper case accepted too). */
function isNonceCount(value: string): boolean {
  if (value.length !== 8) return false;
  for (let i = 0; i < 8; i++) {
    const c = value.charCodeAt(i);
    const hex = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
    if (!hex) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Formatting

/**
 * Writes a Digest challenge as a WWW-Authenticate / Proxy-Authenticate value. Quoting follows
 * RFC 7616 §3.3: realm, domain, nonce, opaque and qop quoted; algorithm, stale, charset and
 * userhash as tokens. Throws `AuthHeaderFormatError` for a value that cannot be written.
 */
export function formatChallenge(challenge: DigestChallenge): string {
  let out = `Digest realm=${quote('realm', challenge.realm)}`;
  if (challenge.domain !== undefined) out += `, domain=${quote('domain', challenge.domain)}`;
  out += `, nonce=${quote('nonce', challenge.nonce)}`;
  if (challenge.opaque !== undefined) out += `, opaque=${quote('opaque', challenge.opaque)}`;
  if (challenge.stale === true) out += ', stale=true';
  if (challenge.algorithm !== undefined)
    out += `, algorithm=${token('algorithm', challenge.algorithm)}`;
  if (challenge.qop !== undefined && challenge.qop.length > 0) {
    out += `, qop="${challenge.qop.map((q) => token('qop', q)).join(',')}"`;
  }
  if (challenge.charset !== undefined) out += `, charset=${token('charset', challenge.charset)}`;
  if (challenge.userhash !== undefined) out += `, userhash=${String(challenge.userhash)}`;
  return out + formatExtra(challenge.extra);
}

/**
 * Writes Digest credentials as an Authorization / Proxy-Authorization value. Quoting follows
 * RFC 7616 §3.4: algorithm, qop and nc are never quoted ("for historical reasons").
 */
export function formatCredentials(credentials: DigestCredentials): string {
  let out = `Digest username=${quote('username', credentials.username)}`;
  out += `, realm=${quote('realm', credentials.realm)}`;
  out += `, nonce=${quote('nonce', credentials.nonce)}`;
  out += `, uri=${quote('uri', credentials.uri)}`;
  out += `, response=${quote('response', credentials.response)}`;
  if (credentials.algorithm !== undefined) {
    out += `, algorithm=${token('algorithm', credentials.algorithm)}`;
  }
  if (credentials.cnonce !== undefined) out += `, cnonce=${quote('cnonce', credentials.cnonce)}`;
  if (credentials.opaque !== undefined) out += `, opaque=${quote('opaque', credentials.opaque)}`;
  if (credentials.qop !== undefined) out += `, qop=${token('qop', credentials.qop)}`;
  if (credentials.nc !== undefined) {
    if (!isNonceCount(credentials.nc)) {
      throw new AuthHeaderFormatError('nc', '"nc" must be 8 hexadecimal digits');
    }
    out += `, nc=${credentials.nc}`;
  }
  if (credentials.userhash !== undefined) out += `, userhash=${String(credentials.userhash)}`;
  return out + formatExtra(credentials.extra);
}

function formatExtra(extra: readonly AuthParam[] | undefined): string {
  if (extra === undefined) return '';
  let out = '';
  for (const param of extra) {
    const name = token('parameter name', param.name);
    const value = param.quoted || !isToken(param.value) ? quote(name, param.value) : param.value;
    out += `, ${name}=${value}`;
  }
  return out;
}

/** quoted-string with `"` and `\` escaped; control characters would end or split the header. */
function quote(field: string, value: string): string {
  let out = '"';
  let segment = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < SP && c !== HTAB) || c === 0x7f) {
      throw new AuthHeaderFormatError(field, `"${field}" holds a control character`);
    }
    if (c === DQUOTE || c === BACKSLASH) {
      out += value.slice(segment, i) + '\\' + value.charAt(i);
      segment = i + 1;
    }
  }
  return out + value.slice(segment) + '"';
}

function token(field: string, value: string): string {
  if (!isToken(value)) throw new AuthHeaderFormatError(field, `"${field}" must be a token`);
  return value;
}
