/**
 * `parseMessage`: bytes of one SIP message (a UDP datagram, or one message framed by the
 * stream parser) to a {@link SipMessage}, or to the status code to answer with.
 *
 * It never throws. A broken request gives `{ ok: false, error: { status, reason, partial } }`
 * where `partial` holds the raw Via, From, To, Call-ID and CSeq values that could be read, so the
 * transport can still answer a request with 400, 505 or 513 (RFC 3261 §21.4.1, §21.5.7,
 * §21.5.9). A broken response is simply dropped by the caller (RFC 3261 §18.1.2).
 *
 * Beyond framing, it checks what every layer above relies on (RFC 3261 §8.1.1): the start line,
 * the Request-URI, the presence and syntax of Via, From, To, Call-ID and CSeq, Max-Forwards and
 * Contact when present, single instances of the single-valued ones, and that the CSeq method
 * matches the request method. Other header fields are parsed only when read.
 */
import { canonicalHeaderName, headerKey, headerNameAt, type HeaderField } from './headers.js';
import { SipMessageError } from './errors.js';
import { SipRequest, SipResponse, type SipMessage } from './message.js';
import { parseContentLength } from './scalar-headers.js';
import { isToken, isWsp, trimWs } from './syntax.js';
import { parseUri, type Uri } from './uri.js';

export interface ParseOptions {
  /** Largest message accepted, in bytes (default 65,535); larger ones get 513. */
  readonly maxMessageSize?: number;
  /** Most header fields accepted (default 256); more get 400. */
  readonly maxHeaders?: number;
  /** Longest header line in characters (default 8,192); longer ones get 400. */
  readonly maxHeaderLineLength?: number;
  /**
   * `datagram` (default, UDP): a missing Content-Length means the body runs to the end of the
   * datagram and octets beyond Content-Length are discarded (RFC 3261 §18.3, RFC 4475
   * §3.1.1.8). `stream` (TCP, TLS, WebSocket framing): Content-Length is mandatory.
   */
  readonly transport?: 'datagram' | 'stream';
  /** Check the headers every layer relies on (default true). */
  readonly validate?: boolean;
  /**
   * Request-URI schemes this element serves, lower-case (for instance `['sip', 'sips', 'tel']`):
   * a request for another scheme gets 416 (RFC 3261 §8.2.2.1, RFC 4475 §3.3.2). By default any
   * scheme is accepted, as a parser must (the URI is then an `AbsoluteUri`).
   */
  readonly supportedUriSchemes?: readonly string[];
  /**
   * Methods known to this element. A request whose CSeq method differs from its method gets 400,
   * or 501 when the method is not known (RFC 4475 §3.1.2.18). Defaults to every method of the
   * IANA registry (INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, PRACK, SUBSCRIBE, NOTIFY,
   * PUBLISH, INFO, REFER, MESSAGE, UPDATE).
   */
  readonly knownMethods?: readonly string[];
}

/** What could be read of a message that failed to parse (raw field values). */
export interface PartialMessage {
  readonly kind?: 'request' | 'response';
  readonly method?: string;
  readonly requestUri?: string;
  readonly status?: number;
  /** Every Via field value, in order. */
  readonly via: readonly string[];
  readonly from?: string;
  readonly to?: string;
  readonly callId?: string;
  readonly cseq?: string;
}

export interface ParseError {
  /** Status code to answer a request with: 400, 416, 501, 505 or 513. */
  readonly status: number;
  /** What is wrong, fit for a reason phrase (`Missing Call-ID header field`). */
  readonly reason: string;
  readonly partial: PartialMessage;
}

export type ParseResult =
  | { readonly ok: true; readonly message: SipMessage }
  | { readonly ok: false; readonly error: ParseError };

export const DEFAULT_MAX_MESSAGE_SIZE = 65_535;
export const DEFAULT_MAX_HEADERS = 256;
export const DEFAULT_MAX_HEADER_LINE_LENGTH = 8_192;

/** The methods of the IANA "Methods and Response Codes" registry. */
export const KNOWN_METHODS: readonly string[] = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
];

const NO_BODY = Buffer.alloc(0);

const CR = 0x0d;
const LF = 0x0a;

/** Header fields that may appear only once (RFC 3261 §7.3.1, RFC 4475 §3.3.8, §3.3.9). */
const SINGLE = ['from', 'to', 'call-id', 'cseq', 'max-forwards', 'content-length', 'content-type'];
/** Header fields every request and response must have (RFC 3261 §8.1.1, §8.2.6.2). */
const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'];
/** Requests whose Contact the parser does not check (see `validate`). */
const CONTACT_UNUSED = new Set(['ACK', 'BYE', 'CANCEL']);

/** Start line of a message: what the parser learnt, or why it failed. */
interface StartLine {
  kind: 'request' | 'response';
  method: string;
  uriText: string;
  status: number;
  reason: string;
  version: string;
  errorStatus: number;
  errorReason: string;
}

/** Parses one SIP message. Never throws; see the module comment. */
export function parseMessage(bytes: Buffer, options: ParseOptions = {}): ParseResult {
  try {
    return parse(bytes, options);
  } catch (error) {
    // Defensive: the parser is written not to throw, but whatever the bytes do, the caller gets
    // a 400 rather than an exception.
    const reason = error instanceof SipMessageError ? error.message : 'Unparseable message';
    return { ok: false, error: { status: 400, reason, partial: { via: [] } } };
  }
}

function parse(bytes: Buffer, options: ParseOptions): ParseResult {
  const maxSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  const maxHeaders = options.maxHeaders ?? DEFAULT_MAX_HEADERS;
  const maxLine = options.maxHeaderLineLength ?? DEFAULT_MAX_HEADER_LINE_LENGTH;
  const stream = options.transport === 'stream';
  const len = bytes.length;

  // RFC 3261 §7.5: CRLFs before the start line are ignored.
  let start = 0;
  while (start < len && (bytes[start] === CR || bytes[start] === LF)) start += 1;
  if (start >= len) return failure(400, 'Empty message', { via: [] });

  let errorStatus = 0;
  let errorReason = '';
  if (len > maxSize) {
    errorStatus = 513;
    errorReason = `Message Too Large (over ${String(maxSize)} bytes)`;
  }

  // Find the empty line ending the header section. Lines end with CRLF, or a bare LF, which is
  // tolerated as so many implementations do.
  let headEnd = len;
  let bodyStart = len;
  let lineStart = start;
  for (;;) {
    const lf = bytes.indexOf(LF, lineStart);
    if (lf < 0) break;
    if (lf - lineStart > maxLine + 1 && errorStatus === 0) {
      errorStatus = 400;
      errorReason = `Header line longer than ${String(maxLine)} characters`;
    }
    const next = lf + 1;
    if (next >= len) {
      headEnd = lf;
      break;
    }
    if (bytes[next] === LF) {
      headEnd = lf;
      bodyStart = next + 1;
      break;
    }
    if (bytes[next] === CR && next + 1 < len && bytes[next + 1] === LF) {
      headEnd = lf;
      bodyStart = next + 2;
      break;
    }
    lineStart = next;
  }
  if (headEnd === len && len - lineStart > maxLine + 1 && errorStatus === 0) {
    errorStatus = 400;
    errorReason = `Header line longer than ${String(maxLine)} characters`;
  }

  const text = bytes.toString('utf8', start, headEnd);
  let firstEnd = text.indexOf('\n');
  if (firstEnd < 0) firstEnd = text.length;
  const line = text.slice(
    0,
    firstEnd > 0 && text.charCodeAt(firstEnd - 1) === CR ? firstEnd - 1 : firstEnd,
  );
  const startLine = parseStartLine(line);
  if (startLine.errorStatus !== 0 && errorStatus === 0) {
    errorStatus = startLine.errorStatus;
    errorReason = startLine.errorReason;
  }

  // Header fields, unfolding continuation lines (RFC 3261 §7.3.1). Names and values are cut
  // out already trimmed: one substring each.
  const headers: HeaderField[] = [];
  const keys: string[] = [];
  let name = '';
  let value = '';
  /** Pieces of a folded value, joined once at the end (no quadratic re-copying). */
  let folds: string[] | undefined;
  let pending = false;
  let pos = firstEnd + 1;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const contentEnd = end > pos && text.charCodeAt(end - 1) === CR ? end - 1 : end;
    if (isWsp(text.charCodeAt(pos))) {
      if (pending) {
        // LWS = [*WSP CRLF] 1*WSP: the whole fold is one SP.
        folds ??= [value];
        folds.push(trimWs(text.slice(pos, contentEnd)));
      } else if (errorStatus === 0) {
        errorStatus = 400;
        errorReason = 'Continuation line without a header field';
      }
    } else {
      if (pending)
        addHeader(headers, keys, name, folds === undefined ? value : trimWs(folds.join(' ')));
      folds = undefined;
      // The colon is looked for within this line only, keeping the scan linear.
      let colon = pos;
      while (colon < contentEnd && text.charCodeAt(colon) !== 0x3a) colon += 1;
      pending = false;
      if (colon === contentEnd) {
        if (errorStatus === 0 && contentEnd > pos) {
          errorStatus = 400;
          errorReason = 'Header line without a colon';
        }
      } else {
        // The line starts with no whitespace (that would be a fold): trim before the colon.
        let nameEnd = colon;
        while (nameEnd > pos && isWsp(text.charCodeAt(nameEnd - 1))) nameEnd -= 1;
        let valueStart = colon + 1;
        while (valueStart < contentEnd && isWsp(text.charCodeAt(valueStart))) valueStart += 1;
        let valueEnd = contentEnd;
        while (valueEnd > valueStart && isWsp(text.charCodeAt(valueEnd - 1))) valueEnd -= 1;
        name = headerNameAt(text, pos, nameEnd);
        value = text.slice(valueStart, valueEnd);
        if (isToken(name)) {
          pending = true;
        } else if (errorStatus === 0) {
          errorStatus = 400;
          errorReason = 'Invalid header field name';
        }
      }
    }
    pos = end + 1;
  }
  if (pending)
    addHeader(headers, keys, name, folds === undefined ? value : trimWs(folds.join(' ')));

  if (errorStatus === 0) {
    if (headers.length > maxHeaders) {
      errorStatus = 400;
      errorReason = `More than ${String(maxHeaders)} header fields`;
    } else {
      for (let i = 0; i < headers.length; i += 1) {
        const field = headers[i];
        if (field !== undefined && field.name.length + field.value.length + 2 > maxLine) {
          errorStatus = 400;
          errorReason = `Header field ${canonicalHeaderName(field.name)} longer than ${String(maxLine)} characters`;
          break;
        }
      }
    }
  }

  // Content-Length and the body (RFC 3261 §18.3, RFC 4475 §3.1.2.2, §3.1.2.3, §3.3.9).
  let contentLength: number | undefined;
  const clIndex = keys.indexOf('content-length');
  if (clIndex >= 0 && errorStatus === 0) {
    if (keys.indexOf('content-length', clIndex + 1) >= 0) {
      errorStatus = 400;
      errorReason = 'Multiple Content-Length header fields';
    } else {
      const clText = headers[clIndex]?.value ?? '';
      contentLength = parseContentLength(clText, Number.MAX_SAFE_INTEGER);
      if (contentLength === undefined) {
        errorStatus = 400;
        errorReason = 'Content-Length is not a non-negative number';
      } else if (contentLength > maxSize) {
        errorStatus = 513;
        errorReason = `Message Too Large (Content-Length over ${String(maxSize)} bytes)`;
      } else if (bodyStart + contentLength > len) {
        errorStatus = 400;
        errorReason = 'Content-Length larger than the message body';
      }
    }
  } else if (clIndex < 0 && stream && errorStatus === 0) {
    errorStatus = 400;
    errorReason = 'Missing Content-Length header field (required on stream transports)';
  }

  if (errorStatus !== 0)
    return failure(errorStatus, errorReason, partialOf(startLine, headers, keys));

  const bodyEnd = contentLength === undefined ? len : bodyStart + contentLength;
  // Most messages have no body (ACK, BYE, most responses): one shared empty buffer, rather than
  // a view that keeps the whole datagram alive as long as the message.
  const body = bodyEnd > bodyStart ? bytes.subarray(bodyStart, bodyEnd) : NO_BODY;

  let message: SipMessage;
  if (startLine.kind === 'request') {
    let uri: Uri;
    try {
      uri = parseUri(startLine.uriText);
    } catch (error) {
      const reason =
        error instanceof SipMessageError ? `Bad Request-URI: ${error.message}` : 'Bad Request-URI';
      return failure(400, reason, partialOf(startLine, headers, keys));
    }
    // RFC 3261 §19.1.1, Table 1: a Request-URI has no headers component (RFC 4475 §3.1.2.11).
    if (uri.kind === 'sip' && uri.headers.length > 0) {
      return failure(
        400,
        'Request-URI must not contain headers',
        partialOf(startLine, headers, keys),
      );
    }
    message = new SipRequest({
      method: startLine.method,
      uri,
      version: startLine.version,
      headers,
      headerKeys: keys,
      body,
    });
  } else {
    message = new SipResponse({
      status: startLine.status,
      reason: startLine.reason,
      version: startLine.version,
      headers,
      headerKeys: keys,
      body,
    });
  }

  if (options.validate !== false) {
    const problem = validate(message, keys, options);
    if (problem !== undefined)
      return failure(problem.status, problem.message, partialOf(startLine, headers, keys));
  }
  return { ok: true, message };
}

/** Adds an unfolded field (its value already trimmed). */
function addHeader(headers: HeaderField[], keys: string[], name: string, value: string): void {
  headers.push({ name, value });
  keys.push(headerKey(name));
}

function failure(status: number, reason: string, partial: PartialMessage): ParseResult {
  return { ok: false, error: { status, reason, partial } };
}

function partialOf(
  startLine: StartLine,
  headers: readonly HeaderField[],
  keys: readonly string[],
): PartialMessage {
  const via: string[] = [];
  const partial: { -readonly [K in keyof PartialMessage]: PartialMessage[K] } = { via };
  partial.kind = startLine.kind;
  if (startLine.method !== '') partial.method = startLine.method;
  if (startLine.uriText !== '') partial.requestUri = startLine.uriText;
  if (startLine.status !== 0) partial.status = startLine.status;
  for (let i = 0; i < keys.length; i += 1) {
    const value = headers[i]?.value;
    if (value === undefined) continue;
    switch (keys[i]) {
      case 'via':
        via.push(value);
        break;
      case 'from':
        partial.from ??= value;
        break;
      case 'to':
        partial.to ??= value;
        break;
      case 'call-id':
        partial.callId ??= value;
        break;
      case 'cseq':
        partial.cseq ??= value;
        break;
      default:
        break;
    }
  }
  return partial;
}

function isVersion(text: string): boolean {
  // SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT, case-insensitive (RFC 3261 §7.1).
  if (text.length < 7 || text.slice(0, 4).toUpperCase() !== 'SIP/') return false;
  const dot = text.indexOf('.', 4);
  if (dot < 5 || dot === text.length - 1) return false;
  for (let i = 4; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (i !== dot && (c < 0x30 || c > 0x39)) return false;
  }
  return true;
}

function parseStartLine(line: string): StartLine {
  const result: StartLine = {
    kind: 'request',
    method: '',
    uriText: '',
    status: 0,
    reason: '',
    version: 'SIP/2.0',
    errorStatus: 0,
    errorReason: '',
  };
  const sp1 = line.indexOf(' ');
  // A response starts with the version; "/" cannot appear in a method (token), so no request
  // can start with "SIP/".
  if (line.length >= 4 && line.slice(0, 4).toUpperCase() === 'SIP/') {
    result.kind = 'response';
    const version = sp1 < 0 ? line : line.slice(0, sp1);
    const rest = sp1 < 0 ? '' : line.slice(sp1 + 1);
    const sp2 = rest.indexOf(' ');
    const code = sp2 < 0 ? rest : rest.slice(0, sp2);
    const reason = sp2 < 0 ? '' : rest.slice(sp2 + 1);
    const status = code.length === 3 ? Number(code) : Number.NaN;
    if (!isVersion(version)) return fail(result, 400, 'Malformed SIP-Version');
    if (version.toUpperCase() !== 'SIP/2.0') return fail(result, 505, 'Version Not Supported');
    if (!/^[1-6][0-9][0-9]$/.test(code) || Number.isNaN(status)) {
      return fail(result, 400, 'Status-Code must be three digits from 100 to 699');
    }
    for (let i = 0; i < reason.length; i += 1) {
      const c = reason.charCodeAt(i);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f)
        return fail(result, 400, 'Control character in the Reason-Phrase');
    }
    result.status = status;
    result.reason = reason;
    result.version = 'SIP/2.0';
    return result;
  }
  // Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 §7.1): exactly two single
  // spaces (RFC 4475 §3.1.2.8, §3.1.2.9, §3.1.2.10 are rejected).
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (
    sp1 <= 0 ||
    sp2 < 0 ||
    sp2 === sp1 + 1 ||
    sp2 === line.length - 1 ||
    line.indexOf(' ', sp2 + 1) >= 0
  ) {
    const method = sp1 > 0 ? line.slice(0, sp1) : '';
    if (isToken(method)) result.method = method;
    return fail(result, 400, 'Malformed Request-Line');
  }
  const method = line.slice(0, sp1);
  const version = line.slice(sp2 + 1);
  result.uriText = line.slice(sp1 + 1, sp2);
  if (!isToken(method)) return fail(result, 400, 'Invalid method');
  result.method = method;
  if (!isVersion(version)) return fail(result, 400, 'Malformed SIP-Version');
  // RFC 3261 §21.5.7: an unsupported version is answered with 505 (RFC 4475 §3.1.2.16).
  if (version.toUpperCase() !== 'SIP/2.0') return fail(result, 505, 'Version Not Supported');
  result.version = 'SIP/2.0';
  return result;
}

function fail(result: StartLine, status: number, reason: string): StartLine {
  result.errorStatus = status;
  result.errorReason = reason;
  return result;
}

function count(keys: readonly string[], key: string): number {
  let n = 0;
  for (const k of keys) if (k === key) n += 1;
  return n;
}

/** The checks every layer relies on; the first problem found, or undefined. */
function validate(
  message: SipMessage,
  keys: readonly string[],
  options: ParseOptions,
): SipMessageError | undefined {
  for (const key of REQUIRED) {
    if (!keys.includes(key)) {
      const name = canonicalHeaderName(key);
      return new SipMessageError(400, `Missing ${name} header field`, name);
    }
  }
  for (const key of SINGLE) {
    if (count(keys, key) > 1) {
      const name = canonicalHeaderName(key);
      return new SipMessageError(400, `Multiple ${name} header fields`, name);
    }
  }
  let method: string;
  try {
    // Parsing them here also fills the accessors' caches, so the layers above read them free.
    message.via();
    message.from();
    message.to();
    if (message.callId.length === 0) return new SipMessageError(400, 'Empty Call-ID', 'Call-ID');
    method = message.cseq().method;
    message.maxForwards();
    // Lazy where nothing reads it: the Contact of an ACK, BYE or CANCEL changes nothing
    // (§12.2.1.2: only target refresh requests update the remote target), so a call's last
    // messages are not made to parse it. It is parsed (and a bad one refused) if asked for.
    if (message.kind === 'response' || !CONTACT_UNUSED.has(message.method)) message.contact();
  } catch (error) {
    if (error instanceof SipMessageError) return error;
    throw error;
  }
  if (message.kind === 'request') {
    if (method !== message.method) {
      const known = (options.knownMethods ?? KNOWN_METHODS).includes(message.method);
      return new SipMessageError(
        known ? 400 : 501,
        `CSeq method ${method} does not match the request method ${message.method}`,
        'CSeq',
      );
    }
    const schemes = options.supportedUriSchemes;
    if (schemes !== undefined && !schemes.includes(message.uri.scheme.toLowerCase())) {
      return new SipMessageError(416, `Unsupported URI Scheme ${message.uri.scheme}`);
    }
  }
  return undefined;
}
