/**
 * Building messages from messages: responses to requests (RFC 3261 §8.2.6), responses to
 * requests that failed to parse, and the received/rport stamping of a request's top Via
 * (RFC 3261 §18.2.1, RFC 3581 §4). Identifiers for branches, tags and Call-IDs.
 */
import { randomFillSync, randomUUID } from 'node:crypto';
import { headerKey, type HeaderField } from './headers.js';
import { SipRequest, SipResponse, checkHeader, copyParsedFields, reasonPhrase } from './message.js';
import type { ParseError } from './parser.js';
import { splitList } from './syntax.js';
import { BRANCH_MAGIC_COOKIE, formatVia } from './via.js';

export interface CreateResponseOptions {
  /**
   * Tag to add to the To field when the request's To has none (RFC 3261 §8.2.6.2: a UAS adds
   * its tag; a request that already has one keeps it). Ignored for 100 Trying, which is hop by
   * hop and creates no dialog.
   */
  readonly toTag?: string;
  /** More header fields, after the copied ones. */
  readonly headers?: readonly HeaderField[];
  readonly body?: Buffer | string;
  /** Content-Type of `body`. */
  readonly contentType?: string;
}

/** Header fields a response copies from its request (RFC 3261 §8.2.6.2), in this order. */
const COPIED = new Set(['via', 'from', 'to', 'call-id', 'cseq']);

/**
 * A response to `request`: Via (every value, same order), From, To, Call-ID and CSeq copied
 * (RFC 3261 §8.2.6.2), the To tag added when asked, and for 100 Trying the Timestamp
 * (§8.2.6.1). The reason defaults to the status code's usual phrase. `headers` go after the
 * copied fields (each after the last field of its name, as `withAddedHeader` puts it), and a
 * `body` with `contentType` sets Content-Type (as `withBody`).
 *
 * Built in one pass, and given the request's parsed Via, From, To, Call-ID and CSeq (the same
 * fields, so a transport routing the response by its top Via does not parse it again).
 */
export function createResponse(
  request: SipRequest,
  status: number,
  reason?: string,
  options: CreateResponseOptions = {},
): SipResponse {
  const headers: HeaderField[] = [];
  const keys: string[] = [];
  const addTag =
    options.toTag !== undefined && status !== 100 && request.to().tag === undefined
      ? options.toTag
      : undefined;
  for (let i = 0; i < request.headers.length; i += 1) {
    const field = request.headers[i];
    const key = request.headerKeys[i];
    if (field === undefined || key === undefined) continue;
    if (COPIED.has(key) || (status === 100 && key === 'timestamp')) {
      headers.push(
        key === 'to' && addTag !== undefined
          ? { name: field.name, value: `${field.value};tag=${addTag}` }
          : field,
      );
      keys.push(key);
    }
  }
  // An added field of a copied name (a second CSeq, say) leaves the parsed values behind.
  let copiedIntact = true;
  for (const field of options.headers ?? []) {
    checkHeader(field.name, field.value);
    if (insertLast(headers, keys, field.name, field.value)) copiedIntact = false;
  }
  const body = options.body === undefined ? undefined : toBytes(options.body);
  if (body !== undefined) {
    if (options.contentType !== undefined) {
      checkHeader('Content-Type', options.contentType);
      setSingle(headers, keys, 'Content-Type', options.contentType);
    } else if (body.length === 0) {
      removeAll(headers, keys, 'content-type');
    }
  }
  const response = new SipResponse({
    status,
    reason: reason ?? reasonPhrase(status),
    headers,
    headerKeys: keys,
    ...(body === undefined ? {} : { body }),
  });
  if (copiedIntact) copyParsedFields(request, response, addTag === undefined, addTag);
  return response;
}

function toBytes(body: Buffer | string): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/**
 * Adds a field after the last one of its name, or at the end (`withAddedHeader`'s 'last').
 * True when the name is one of those a response copies from its request.
 */
function insertLast(headers: HeaderField[], keys: string[], name: string, value: string): boolean {
  const key = headerKey(name);
  const last = keys.lastIndexOf(key);
  if (last < 0 || last === keys.length - 1) {
    headers.push({ name, value });
    keys.push(key);
  } else {
    headers.splice(last + 1, 0, { name, value });
    keys.splice(last + 1, 0, key);
  }
  return COPIED.has(key);
}

/** The first field of the name replaced, the others removed, or the field added (`withHeader`). */
function setSingle(headers: HeaderField[], keys: string[], name: string, value: string): void {
  const key = headerKey(name);
  const first = keys.indexOf(key);
  if (first < 0) {
    headers.push({ name, value });
    keys.push(key);
    return;
  }
  headers[first] = { name, value };
  for (let i = keys.length - 1; i > first; i -= 1) {
    if (keys[i] === key) {
      headers.splice(i, 1);
      keys.splice(i, 1);
    }
  }
}

function removeAll(headers: HeaderField[], keys: string[], key: string): void {
  for (let i = keys.length - 1; i >= 0; i -= 1) {
    if (keys[i] === key) {
      headers.splice(i, 1);
      keys.splice(i, 1);
    }
  }
}

/**
 * The response a server sends for a request that failed to parse (400, 416, 501, 505, 513),
 * built from the raw values the parser could read. Undefined when no response is due: the
 * message was a response, an ACK (never answered, RFC 3261 §17.1.1.3), or has no Via to route
 * the answer by.
 */
export function responseForParseError(error: ParseError): SipResponse | undefined {
  const { partial } = error;
  if (partial.kind !== 'request' || partial.method === 'ACK' || partial.via.length === 0)
    return undefined;
  // The values come from a message that failed to parse: one holding a control character
  // cannot be written back. Without a usable Via there is nowhere to send the answer.
  if (!partial.via.every(isWritableValue)) return undefined;
  const headers: HeaderField[] = partial.via.map((value) => ({ name: 'Via', value }));
  const copy = (name: string, value: string | undefined): void => {
    if (value !== undefined && isWritableValue(value)) headers.push({ name, value });
  };
  copy('From', partial.from);
  copy('To', partial.to);
  copy('Call-ID', partial.callId);
  copy('CSeq', partial.cseq);
  return new SipResponse({
    status: error.status,
    reason: safeReason(error.reason, error.status),
    headers,
  });
}

/** A header value without control characters other than HTAB (RFC 3261 §25.1 TEXT-UTF8). */
function isWritableValue(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return false;
  }
  return true;
}

/** A reason phrase made of printable characters only (RFC 3261 §25.1 Reason-Phrase). */
function safeReason(reason: string, status: number): string {
  let out = '';
  for (const ch of reason) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0x20 && code !== 0x7f) out += ch;
  }
  out = out.slice(0, 120).trim();
  return out.length > 0 ? out : reasonPhrase(status);
}

/** Where a request came from, as the transport saw it. */
export interface PacketSource {
  /** Source IP address (IPv6 without brackets). */
  readonly address: string;
  readonly port: number;
}

/**
 * The request with `received` (and `rport`, RFC 3581) set on its top Via as a server transport
 * must on receipt: `received` when the sent-by host is not the source address (RFC 3261
 * §18.2.1) or when the Via asks for rport, and `rport=<source port>` when the Via has a bare
 * `rport` (RFC 3581 §4). The same request when there is nothing to add.
 */
export function withReceived(request: SipRequest, source: PacketSource): SipRequest {
  const top = request.topVia();
  const sentBy = top.host.startsWith('[') ? top.host.slice(1, -1) : top.host;
  const wantsRport = top.rport === true;
  const needsReceived = wantsRport || sentBy.toLowerCase() !== source.address.toLowerCase();
  if (!needsReceived) return request;
  const stamped = formatVia({
    ...top,
    received: source.address,
    ...(wantsRport ? { rport: source.port } : {}),
  });
  const index = request.headerKeys.indexOf('via');
  const field = request.headers[index];
  if (field === undefined) return request;
  const elements = splitList(field.value);
  elements[0] = stamped;
  const headers = [...request.headers];
  headers[index] = { name: field.name, value: elements.join(', ') };
  return new SipRequest({
    method: request.method,
    uri: request.uri,
    version: request.version,
    headers,
    headerKeys: request.headerKeys,
    body: request.body,
  });
}

/**
 * Random bytes for tags and branches, drawn from a pool the CSPRNG refills in bulk: one
 * `randomFillSync` per 512 identifiers rather than a `randomBytes` call (and its Buffer) for
 * each one. Every byte is used once.
 */
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolUsed = POOL_SIZE;

/** `count` fresh random bytes as base64url (count ≤ POOL_SIZE). */
function randomText(count: number): string {
  if (poolUsed + count > POOL_SIZE) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  const start = poolUsed;
  poolUsed += count;
  return pool.toString('base64url', start, poolUsed);
}

/** A new RFC 3261 branch: the magic cookie and 72 random bits (RFC 3261 §8.1.1.7). */
export function newBranch(): string {
  return `${BRANCH_MAGIC_COOKIE}${randomText(9)}`;
}

/** A new From/To tag with 64 random bits (RFC 3261 §19.3 asks for at least 32). */
export function newTag(): string {
  return randomText(8);
}

/** A new Call-ID, globally unique (RFC 3261 §8.1.1.4), optionally `@host`. */
export function newCallId(host?: string): string {
  const id = randomUUID();
  return host === undefined ? id : `${id}@${host}`;
}
