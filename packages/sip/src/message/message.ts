/**
 * SIP messages (RFC 3261 §7): a request or a response with its start line, the header fields in
 * their original order with their values as text, and the body as bytes.
 *
 * Typed accessors (`via()`, `cseq()`, `from()`...) parse their header field the first time they
 * are called and keep the result, so a message pays only for the headers somebody reads. A
 * malformed field makes its accessor throw a {@link SipMessageError} with status 400 (the
 * parser has already checked Via, From, To, Call-ID, CSeq, Max-Forwards and Contact of every
 * message it returns, so on those the accessors do not throw).
 *
 * Messages are immutable: `withHeader`, `withAddedHeader`, `withoutHeader`, `withBody` (and
 * `withUri` on requests) return a new message sharing what did not change.
 */
import { SipMessageError, malformed } from './errors.js';
import { headerKey, isListHeader, type HeaderField } from './headers.js';
import {
  isCallId,
  parseFromTo,
  parseNameAddrList,
  type FromTo,
  type NameAddr,
} from './name-addr.js';
import {
  parseCSeq,
  parseContentType,
  parseDeltaSeconds,
  parseMaxForwards,
  type CSeq,
  type ContentType,
} from './scalar-headers.js';
import { flatString, isToken, splitList, trimWs } from './syntax.js';
import { parseUri, type Uri } from './uri.js';
import { parseVia, type Via } from './via.js';

export interface MessageInit {
  readonly headers?: readonly HeaderField[];
  /** Text is encoded as UTF-8. */
  readonly body?: Buffer | string;
  /** Defaults to `SIP/2.0`. */
  readonly version?: string;
  /**
   * Lookup keys of `headers` (see {@link headerKey}), when the caller already has them; the
   * fields are then taken as they are. Without keys, every field is checked (a token name, no
   * CR or LF in the value) and a bad one throws a SipMessageError (status 500).
   */
  readonly headerKeys?: readonly string[];
}

export interface RequestInit extends MessageInit {
  readonly method: string;
  /** A URI or its text (parsed; a malformed one throws a 400 SipMessageError). */
  readonly uri: Uri | string;
}

export interface ResponseInit extends MessageInit {
  readonly status: number;
  /** Defaults to the RFC 3261 §21 phrase of the status code. */
  readonly reason?: string;
}

const EMPTY_BODY = Buffer.alloc(0);
const NO_HEADERS: readonly HeaderField[] = [];

/** Where {@link SipMessageBase.withAddedHeader} puts the new field. */
export type HeaderPosition = 'first' | 'last';

let copyParsed:
  | ((from: SipMessageBase, to: SipMessageBase, withTo: boolean, addedTag?: string) => void)
  | undefined;
let dropParsed: ((message: SipMessageBase) => void) | undefined;

/**
 * Gives `to`, a message just built with `from`'s Via, From, Call-ID and CSeq fields unchanged
 * (a response, RFC 3261 §8.2.6.2), the values `from` has parsed of them, and of To with
 * `withTo` (when the To field is unchanged too), so they are not parsed again. Without
 * `withTo`, `addedTag` says the To field is `from`'s with `;tag=<addedTag>` appended (a response
 * given our tag, §8.2.6.2): its parsed value is `from`'s with that tag. Internal (the builders
 * use it): the fields must really be the same.
 */
export function copyParsedFields(
  from: SipMessageBase,
  to: SipMessageBase,
  withTo: boolean,
  addedTag?: string,
): void {
  copyParsed?.(from, to, withTo, addedTag);
}

/**
 * Drops what `message` has parsed (it parses again when asked) and makes its field values flat
 * copies (equal values, not pieces of another message's text): for a message kept a long time
 * only to be sent again, such as a final response waiting out Timer J. Internal.
 */
export function forgetParsedFields(message: SipMessageBase): void {
  dropParsed?.(message);
}

/**
 * Throws a SipMessageError (500) for a field that cannot be written: a name that is no token,
 * a CR or LF in the value. Internal (the builders check the fields they add with it).
 */
export function checkHeader(name: string, value: string): void {
  if (!isToken(name)) throw new SipMessageError(500, `Invalid header name ${JSON.stringify(name)}`);
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    // A CR or LF would end the field early and let the value inject header fields or a body.
    if (c === 0x0d || c === 0x0a) {
      throw new SipMessageError(500, `Invalid character in the value of header ${name}`);
    }
  }
}

function toBody(body: Buffer | string | undefined): Buffer {
  if (body === undefined) return EMPTY_BODY;
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** What requests and responses share. */
export abstract class SipMessageBase {
  /** Header fields in message order. */
  readonly headers: readonly HeaderField[];
  /** Lookup key of each entry of `headers` (lower-case, compact forms expanded). */
  readonly headerKeys: readonly string[];
  readonly body: Buffer;
  readonly version: string;

  #via: readonly Via[] | undefined;
  #cseq: CSeq | undefined;
  #from: FromTo | undefined;
  #to: FromTo | undefined;
  #contact: readonly NameAddr[] | '*' | undefined;
  #contentType: ContentType | null | undefined;
  #callId: string | undefined;

  static {
    copyParsed = (from, to, withTo, addedTag) => {
      to.#via = from.#via;
      to.#cseq = from.#cseq;
      to.#from = from.#from;
      to.#callId = from.#callId;
      const parsedTo = from.#to;
      if (withTo) to.#to = parsedTo;
      else if (
        addedTag !== undefined &&
        parsedTo !== undefined &&
        !parsedTo.params.has('tag') &&
        isToken(addedTag)
      ) {
        // What parsing `<To>;tag=<addedTag>` gives: the same, the tag last among the params.
        const params = new Map(parsedTo.params);
        params.set('tag', addedTag);
        to.#to = { ...parsedTo, params, tag: addedTag };
      }
    };
    dropParsed = (message) => {
      // The copied fields' values are pieces of the request's text (V8 sliced strings): flat
      // copies let that text go, some 500 bytes a call for the 32 s of Timer J.
      (message as { headers: readonly HeaderField[] }).headers = message.headers.map((field) => ({
        name: field.name,
        value: flatString(field.value),
      }));
      message.#via = undefined;
      message.#cseq = undefined;
      message.#from = undefined;
      message.#to = undefined;
      message.#callId = undefined;
      message.#contact = undefined;
      message.#contentType = undefined;
    };
  }

  protected constructor(init: MessageInit) {
    const headers = init.headers ?? NO_HEADERS;
    this.headers = headers;
    if (init.headerKeys === undefined) {
      // Fields given by a caller are checked; the parser and the builders pass their keys along
      // with fields that are already known to be sound.
      for (const field of headers) checkHeader(field.name, field.value);
      this.headerKeys = headers.map((field) => headerKey(field.name));
    } else {
      this.headerKeys = init.headerKeys;
    }
    this.body = toBody(init.body);
    this.version = init.version ?? 'SIP/2.0';
  }

  /** A copy with other headers and body (the start line unchanged). */
  protected abstract rebuild(
    headers: readonly HeaderField[],
    keys: readonly string[],
    body: Buffer,
  ): this;

  private indexOf(key: string): number {
    return this.headerKeys.indexOf(key);
  }

  /** The value of the first field with this name (case-insensitive, compact forms understood). */
  header(name: string): string | undefined {
    const index = this.indexOf(headerKey(name));
    return index < 0 ? undefined : this.headers[index]?.value;
  }

  /** True when at least one field has this name. */
  hasHeader(name: string): boolean {
    return this.indexOf(headerKey(name)) >= 0;
  }

  /** The values of every field with this name, in order, as written (one entry per field). */
  headerValues(name: string): string[] {
    return this.valuesOf(headerKey(name));
  }

  private valuesOf(key: string): string[] {
    const out: string[] = [];
    const keys = this.headerKeys;
    for (let i = 0; i < keys.length; i += 1) {
      if (keys[i] === key) out.push(this.headers[i]?.value ?? '');
    }
    return out;
  }

  /**
   * Every element of a list header across all its fields (`Via: a, b` + `Via: c` gives
   * `[a, b, c]`, RFC 3261 §7.3.1). Headers that are not lists (Authorization, WWW-Authenticate,
   * Date, unknown extensions...) give one element per field.
   */
  headerList(name: string): string[] {
    const key = headerKey(name);
    const values = this.valuesOf(key);
    if (!isListHeader(key)) return values;
    const out: string[] = [];
    for (const value of values) {
      for (const element of splitList(value)) if (element.length > 0) out.push(element);
    }
    return out;
  }

  private requiredValue(key: string, canonical: string): string {
    const index = this.indexOf(key);
    const value = index < 0 ? undefined : this.headers[index]?.value;
    if (value === undefined)
      throw new SipMessageError(400, `Missing ${canonical} header field`, canonical);
    return value;
  }

  /** Every Via value, top first (all Via fields in order). Empty when there is none. */
  via(): readonly Via[] {
    if (this.#via === undefined) {
      const out: Via[] = [];
      for (const value of this.valuesOf('via')) out.push(...parseVia(value));
      this.#via = out;
    }
    return this.#via;
  }

  /** The topmost Via value (RFC 3261 §17.2.3 transaction matching uses its branch and sent-by). */
  topVia(): Via {
    const top = this.via()[0];
    if (top === undefined) throw new SipMessageError(400, 'Missing Via header field', 'Via');
    return top;
  }

  cseq(): CSeq {
    this.#cseq ??= parseCSeq(this.requiredValue('cseq', 'CSeq'));
    return this.#cseq;
  }

  /** The Call-ID (RFC 3261 §20.8: compared case-sensitively, byte by byte). */
  get callId(): string {
    if (this.#callId === undefined) {
      const value = trimWs(this.requiredValue('call-id', 'Call-ID'));
      if (!isCallId(value)) throw malformed('Call-ID', 'expected word [ "@" word ]');
      this.#callId = value;
    }
    return this.#callId;
  }

  from(): FromTo {
    this.#from ??= parseFromTo(this.requiredValue('from', 'From'), 'From');
    return this.#from;
  }

  to(): FromTo {
    this.#to ??= parseFromTo(this.requiredValue('to', 'To'), 'To');
    return this.#to;
  }

  /**
   * The Contact values of every Contact field, or `'*'` for the wildcard of a REGISTER
   * (RFC 3261 §10.2.2), which must then be the only value. Empty when there is no Contact.
   */
  contact(): readonly NameAddr[] | '*' {
    if (this.#contact === undefined) {
      const values = this.valuesOf('contact');
      if (values.length === 1 && trimWs(values[0] ?? '') === '*') {
        this.#contact = '*';
      } else {
        const out: NameAddr[] = [];
        for (const value of values) {
          if (splitList(value).includes('*'))
            throw malformed('Contact', '"*" must be the only Contact value');
          out.push(...parseNameAddrList(value, 'Contact'));
        }
        this.#contact = out;
      }
    }
    return this.#contact;
  }

  /** Max-Forwards (0-255), undefined when absent. */
  maxForwards(): number | undefined {
    const value = this.header('max-forwards');
    return value === undefined ? undefined : parseMaxForwards(value);
  }

  /** Route values in order (name-addr form only, RFC 3261 §20.34). */
  route(): readonly NameAddr[] {
    return this.routeList('route', 'Route');
  }

  /** Record-Route values in order (RFC 3261 §20.30). */
  recordRoute(): readonly NameAddr[] {
    return this.routeList('record-route', 'Record-Route');
  }

  private routeList(key: string, canonical: string): NameAddr[] {
    const out: NameAddr[] = [];
    for (const value of this.valuesOf(key)) out.push(...parseNameAddrList(value, canonical, false));
    return out;
  }

  /**
   * Length of the body in bytes. The parser cuts the body to Content-Length and the serializer
   * always writes the body's length, so this is the Content-Length the message has on the wire.
   */
  get contentLength(): number {
    return this.body.length;
  }

  /** The parsed Content-Type, undefined when absent. */
  get contentType(): ContentType | undefined {
    if (this.#contentType === undefined) {
      const value = this.header('content-type');
      this.#contentType = value === undefined ? null : parseContentType(value);
    }
    return this.#contentType ?? undefined;
  }

  /** The Expires header field in seconds (RFC 3261 §20.19), undefined when absent. */
  expires(): number | undefined {
    const value = this.header('expires');
    return value === undefined ? undefined : parseDeltaSeconds(value, 'Expires');
  }

  /**
   * A copy in which `name` has the single value `value`: the first field of that name is
   * replaced in place, further ones are removed; the field is appended when there was none.
   */
  withHeader(name: string, value: string): this {
    checkHeader(name, value);
    const key = headerKey(name);
    const headers: HeaderField[] = [];
    const keys: string[] = [];
    let placed = false;
    for (let i = 0; i < this.headers.length; i += 1) {
      const field = this.headers[i];
      const fieldKey = this.headerKeys[i];
      if (field === undefined || fieldKey === undefined) continue;
      if (fieldKey !== key) {
        headers.push(field);
        keys.push(fieldKey);
      } else if (!placed) {
        headers.push({ name, value });
        keys.push(key);
        placed = true;
      }
    }
    if (!placed) {
      headers.push({ name, value });
      keys.push(key);
    }
    return this.#derive(headers, keys, this.body, key);
  }

  /**
   * A copy with one more field. `'first'` puts it before the first field of the same name (or
   * first of all when there is none: a proxy's Via, RFC 3261 §16.6 step 8); `'last'` after the
   * last field of that name (or at the end).
   */
  withAddedHeader(name: string, value: string, position: HeaderPosition = 'last'): this {
    checkHeader(name, value);
    const key = headerKey(name);
    const headers = [...this.headers];
    const keys = [...this.headerKeys];
    let at: number;
    if (position === 'first') {
      at = keys.indexOf(key);
      if (at < 0) at = 0;
    } else {
      at = keys.lastIndexOf(key);
      at = at < 0 ? keys.length : at + 1;
    }
    headers.splice(at, 0, { name, value });
    keys.splice(at, 0, key);
    return this.#derive(headers, keys, this.body, key);
  }

  /** A copy without any field of this name. */
  withoutHeader(name: string): this {
    const key = headerKey(name);
    const headers: HeaderField[] = [];
    const keys: string[] = [];
    for (let i = 0; i < this.headers.length; i += 1) {
      const field = this.headers[i];
      const fieldKey = this.headerKeys[i];
      if (field !== undefined && fieldKey !== undefined && fieldKey !== key) {
        headers.push(field);
        keys.push(fieldKey);
      }
    }
    return this.#derive(headers, keys, this.body, key);
  }

  /**
   * A copy with this body; with `contentType`, the Content-Type field is set too (and removed
   * for an empty body without one). Content-Length is always written by the serializer.
   */
  withBody(body: Buffer | string, contentType?: string): this {
    const bytes = toBody(body);
    const base =
      contentType !== undefined
        ? this.withHeader('Content-Type', contentType)
        : bytes.length === 0
          ? this.withoutHeader('Content-Type')
          : this;
    return base.#derive(base.headers, base.headerKeys, bytes, 'content-type');
  }

  /**
   * A copy with other fields and body (see `rebuild`), where `changed` is the only header key
   * that may differ: the parsed values of the fields left as they were go with it.
   */
  #derive(
    headers: readonly HeaderField[],
    keys: readonly string[],
    body: Buffer,
    changed: string,
  ): this {
    const copy = this.rebuild(headers, keys, body);
    if (changed !== 'via') copy.#via = this.#via;
    if (changed !== 'cseq') copy.#cseq = this.#cseq;
    if (changed !== 'from') copy.#from = this.#from;
    if (changed !== 'to') copy.#to = this.#to;
    if (changed !== 'call-id') copy.#callId = this.#callId;
    if (changed !== 'contact') copy.#contact = this.#contact;
    if (changed !== 'content-type') copy.#contentType = this.#contentType;
    return copy;
  }
}

export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;
  /** The method, case-sensitive (RFC 3261 §7.1). */
  readonly method: string;
  readonly uri: Uri;

  constructor(init: RequestInit) {
    super(init);
    if (!isToken(init.method))
      throw new SipMessageError(500, `Invalid method ${JSON.stringify(init.method)}`);
    this.method = init.method;
    this.uri = typeof init.uri === 'string' ? parseUri(init.uri) : init.uri;
  }

  protected rebuild(headers: readonly HeaderField[], keys: readonly string[], body: Buffer): this {
    // The subclass constructor returns exactly this class, which is what `this` is here.
    return new SipRequest({
      method: this.method,
      uri: this.uri,
      version: this.version,
      headers,
      headerKeys: keys,
      body,
    }) as this;
  }

  /** A copy with another Request-URI (a proxy retargeting, RFC 3261 §16.6 step 2). */
  withUri(uri: Uri | string): SipRequest {
    return new SipRequest({
      method: this.method,
      uri,
      version: this.version,
      headers: this.headers,
      headerKeys: this.headerKeys,
      body: this.body,
    });
  }
}

export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;
  readonly status: number;
  readonly reason: string;

  constructor(init: ResponseInit) {
    super(init);
    if (!Number.isInteger(init.status) || init.status < 100 || init.status > 699) {
      throw new SipMessageError(500, `Invalid status code ${String(init.status)}`);
    }
    const reason = init.reason ?? reasonPhrase(init.status);
    checkHeader('Reason-Phrase', reason);
    this.status = init.status;
    this.reason = reason;
  }

  protected rebuild(headers: readonly HeaderField[], keys: readonly string[], body: Buffer): this {
    // The subclass constructor returns exactly this class, which is what `this` is here.
    return new SipResponse({
      status: this.status,
      reason: this.reason,
      version: this.version,
      headers,
      headerKeys: keys,
      body,
    }) as this;
  }
}

/** A parsed or built SIP message; narrow with `message.kind`. */
export type SipMessage = SipRequest | SipResponse;

/** RFC 3261 §21 reason phrases (and the common extensions: 204, 412, 417, 429, 439, 469, 494, 580, 603...). */
const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  199: 'Early Dialog Terminated',
  200: 'OK',
  202: 'Accepted',
  204: 'No Notification',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  305: 'Use Proxy',
  380: 'Alternative Service',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  412: 'Conditional Request Failed',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  417: 'Unknown Resource-Priority',
  420: 'Bad Extension',
  421: 'Extension Required',
  422: 'Session Interval Too Small',
  423: 'Interval Too Brief',
  428: 'Use Identity Header',
  429: 'Provide Referrer Identity',
  433: 'Anonymity Disallowed',
  436: 'Bad Identity-Info',
  437: 'Unsupported Certificate',
  438: 'Invalid Identity Header',
  439: 'First Hop Lacks Outbound Support',
  440: 'Max-Breadth Exceeded',
  469: 'Bad Info Package',
  470: 'Consent Needed',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  485: 'Ambiguous',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  489: 'Bad Event',
  491: 'Request Pending',
  493: 'Undecipherable',
  494: 'Security Agreement Required',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  555: 'Push Notification Service Not Supported',
  580: 'Precondition Failure',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
  607: 'Unwanted',
  608: 'Rejected',
};

/** The usual reason phrase of a status code (the class's generic phrase for unknown codes). */
export function reasonPhrase(status: number): string {
  const known = REASONS[status];
  if (known !== undefined) return known;
  const generic = REASONS[Math.floor(status / 100) * 100];
  return generic ?? 'Unknown';
}
