/**
 * Header field parameters: `*( SEMI generic-param )` with `generic-param = token [ EQUAL
 * gen-value ]` and `gen-value = token / host / quoted-string` (RFC 3261 §25.1), where
 * SEMI and EQUAL allow whitespace around them (RFC 4475 §3.1.1.1 has `; tag = 98asjd8`).
 */
import { malformed } from './errors.js';
import { TOKEN, is, isToken, quote, scanQuoted, skipWs } from './syntax.js';
import { EMPTY_PARAMS, type Params } from './uri.js';

/** Characters of a token or host gen-value; ":" "[" "]" for IPv6 (Via received=, RFC 3261). */
function isValueChar(code: number): boolean {
  return is(code, TOKEN) || code === 0x3a || code === 0x5b || code === 0x5d;
}

/**
 * Parses the parameters of `text` from `pos` to the end. Names are lower-cased; a valueless
 * parameter maps to null; a quoted value is kept with its quotes (use `unquote` to read it).
 * Throws a 400 {@link SipMessageError} naming `header` on an empty or malformed parameter.
 */
export function parseParams(text: string, pos: number, header: string): Params {
  const len = text.length;
  let i = skipWs(text, pos);
  if (i >= len) return EMPTY_PARAMS;
  const params = new Map<string, string | null>();
  while (i < len) {
    if (text.charCodeAt(i) !== 0x3b) {
      throw malformed(
        header,
        `unexpected ${JSON.stringify(text.charAt(i))} where ";" was expected`,
      );
    }
    i = skipWs(text, i + 1);
    const nameStart = i;
    while (i < len && is(text.charCodeAt(i), TOKEN)) i += 1;
    if (i === nameStart) throw malformed(header, 'empty parameter');
    const name = text.slice(nameStart, i).toLowerCase();
    i = skipWs(text, i);
    let value: string | null = null;
    if (text.charCodeAt(i) === 0x3d) {
      i = skipWs(text, i + 1);
      if (text.charCodeAt(i) === 0x22) {
        const end = scanQuoted(text, i);
        if (end < 0) throw malformed(header, `unterminated quoted value of parameter ${name}`);
        value = text.slice(i, end);
        i = end;
      } else {
        const valueStart = i;
        while (i < len && isValueChar(text.charCodeAt(i))) i += 1;
        if (i === valueStart) throw malformed(header, `parameter ${name} has an empty value`);
        value = text.slice(valueStart, i);
      }
      i = skipWs(text, i);
    }
    params.set(name, value);
  }
  return params;
}

function isGenValue(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i += 1) {
    if (!isValueChar(value.charCodeAt(i))) return false;
  }
  return true;
}

/**
 * `;name=value` for each parameter (names in `skip` left out). A value that is neither a token,
 * a host nor already a quoted-string is quoted, so a builder cannot produce an invalid field.
 */
export function formatParams(params: Params, skip?: ReadonlySet<string>): string {
  let out = '';
  for (const [name, value] of params) {
    if (skip?.has(name) === true || !isToken(name)) continue;
    out += `;${name}`;
    if (value === null) continue;
    const quoted =
      value.length >= 2 && value.startsWith('"') && scanQuoted(value, 0) === value.length;
    out += `=${quoted || isGenValue(value) ? value : quote(value)}`;
  }
  return out;
}
