/**
 * Character classes of the RFC 3261 §25.1 grammar as lookup tables (one bit per class), and the
 * small scanning helpers the header parsers share. Table look-ups instead of regular expressions
 * keep parsing linear and free of backtracking whatever the input.
 */

export const ALPHA = 1;
export const DIGIT = 2;
/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = 4;
/** word: token characters plus ( ) < > : \ DQUOTE / [ ] ? { } (used by Call-ID). */
export const WORD = 8;
/** unreserved = alphanum / mark; mark = - _ . ! ~ * ' ( ) */
export const UNRESERVED = 16;
/** user-unreserved = & = + $ , ; ? / */
export const USER_EXTRA = 32;
/** param-unreserved = [ ] / : & + $ */
export const PARAM_EXTRA = 64;
/** hnv-unreserved = [ ] / ? : + $ */
export const HEADER_EXTRA = 128;
/** characters of a hostname or IPv4 address (liberal: "_" is accepted, as deployed DNS has it). */
export const HOST = 256;
/** password extras: & = + $ , */
export const PASSWORD_EXTRA = 512;

const table = new Uint16Array(128);

function mark(chars: string, flag: number): void {
  for (let i = 0; i < chars.length; i += 1) {
    const code = chars.charCodeAt(i);
    table[code] = (table[code] ?? 0) | flag;
  }
}

for (let c = 0x41; c <= 0x5a; c += 1) table[c] = ALPHA;
for (let c = 0x61; c <= 0x7a; c += 1) table[c] = ALPHA;
for (let c = 0x30; c <= 0x39; c += 1) table[c] = DIGIT;
const alphanum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
mark(alphanum, TOKEN | WORD | UNRESERVED | HOST);
mark("-.!%*_+`'~", TOKEN | WORD);
mark('()<>:\\"/[]?{}', WORD);
mark("-_.!~*'()", UNRESERVED);
mark('&=+$,;?/', USER_EXTRA);
mark('[]/:&+$', PARAM_EXTRA);
mark('[]/?:+$', HEADER_EXTRA);
mark('-._', HOST);
mark('&=+$,', PASSWORD_EXTRA);

/** True when the character code belongs to every class in `flags`. */
export function is(code: number, flags: number): boolean {
  return code < 128 && ((table[code] ?? 0) & flags) === flags;
}

/** True when the character code belongs to at least one class in `flags`. */
export function isAny(code: number, flags: number): boolean {
  return code < 128 && ((table[code] ?? 0) & flags) !== 0;
}

/** True when every character of `text` (non-empty) is a token character. */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i += 1) {
    if (!is(text.charCodeAt(i), TOKEN)) return false;
  }
  return true;
}

/** True when every character of `text` (non-empty) is a word character. */
export function isWord(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i += 1) {
    if (!is(text.charCodeAt(i), WORD)) return false;
  }
  return true;
}

export const SP = 0x20;
export const HTAB = 0x09;

export function isWsp(code: number): boolean {
  return code === SP || code === HTAB;
}

/** Index of the first non-SP/HTAB character at or after `pos`. */
export function skipWs(text: string, pos: number): number {
  let i = pos;
  while (i < text.length && isWsp(text.charCodeAt(i))) i += 1;
  return i;
}

/** `text` without leading and trailing SP/HTAB (String#trim would also eat other spaces). */
export function trimWs(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isWsp(text.charCodeAt(start))) start += 1;
  while (end > start && isWsp(text.charCodeAt(end - 1))) end -= 1;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** True for 1*DIGIT. */
export function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Parses 1*DIGIT as a number no larger than `max`, or returns undefined. Leading zeros are
 * allowed (RFC 4475 §3.1.1.1 has Max-Forwards 0068 and CSeq 0009); overlong values are refused
 * without building huge numbers (RFC 4475 §3.1.2.4).
 */
export function parseBoundedInt(text: string, max: number): number | undefined {
  if (!isDigits(text)) return undefined;
  let value = 0;
  for (let i = 0; i < text.length; i += 1) {
    value = value * 10 + (text.charCodeAt(i) - 0x30);
    if (value > max) return undefined;
  }
  return value;
}

/**
 * Reads a quoted-string starting at `pos` (which must be a DQUOTE). Returns the index just past
 * the closing quote, or -1 when the string is not terminated. RFC 3261 §25.1: a backslash quotes
 * the next character (quoted-pair), which may be any octet but CR or LF.
 */
export function scanQuoted(text: string, pos: number): number {
  let i = pos + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) {
      if (i + 1 >= text.length) return -1;
      i += 2;
    } else if (c === 0x22) {
      return i + 1;
    } else if (c === 0x0d || c === 0x0a) {
      return -1;
    } else {
      i += 1;
    }
  }
  return -1;
}

/** The content of a quoted-string (without the quotes) with its quoted-pairs resolved. */
export function unquote(quoted: string): string {
  if (quoted.length < 2 || quoted.charCodeAt(0) !== 0x22) return quoted;
  const inner = quoted.slice(1, -1);
  if (!inner.includes('\\')) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i += 1) {
    const c = inner[i];
    if (c === '\\' && i + 1 < inner.length) {
      i += 1;
      out += inner[i] ?? '';
    } else {
      out += c ?? '';
    }
  }
  return out;
}

/** `text` as a quoted-string: DQUOTE and backslash are escaped (RFC 3261 §25.1 quoted-pair). */
export function quote(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] ?? '';
    if (c === '"' || c === '\\') out += '\\';
    out += c;
  }
  return `${out}"`;
}

/**
 * Splits a header value at the commas that separate list elements (RFC 3261 §7.3.1), ignoring
 * commas inside quoted strings, angle brackets (URIs may hold commas) and comments. Elements are
 * trimmed; empty elements are kept so that callers can reject them.
 */
export function splitList(value: string): string[] {
  if (!value.includes(',')) return [trimWs(value)];
  const out: string[] = [];
  let start = 0;
  let angle = 0;
  let paren = 0;
  let i = 0;
  while (i < value.length) {
    const c = value.charCodeAt(i);
    if (c === 0x22) {
      const end = scanQuoted(value, i);
      i = end < 0 ? value.length : end;
      continue;
    }
    if (c === 0x3c) angle += 1;
    else if (c === 0x3e && angle > 0) angle -= 1;
    else if (c === 0x28) paren += 1;
    else if (c === 0x29 && paren > 0) paren -= 1;
    else if (c === 0x2c && angle === 0 && paren === 0) {
      out.push(trimWs(value.slice(start, i)));
      start = i + 1;
    }
    i += 1;
  }
  out.push(trimWs(value.slice(start)));
  return out;
}

/**
 * `text` as one flat string, for a key kept a long time (a transaction's 32 s in Timer L or J).
 * Pieces cut out of a parsed message (a branch, a tag) point into the whole header text, and a
 * key joined from them is a tree over those pieces: kept as it is, it keeps each message's
 * header text alive (V8 does not flatten it on its own). Cutting a piece out of a string makes
 * V8 flatten that string first: a copy of just its characters, the tree let go.
 */
export function flatString(text: string): string {
  if (text.length < 13) return text; // V8 copies short strings: nothing to flatten
  return ` ${text}`.slice(1);
}
