/**
 * Framing SIP messages on a byte stream (TCP, TLS; not WebSocket, whose every message carries one
 * whole SIP message, RFC 7118 §5.1): RFC 3261 §18.3 — the header section ends at the first empty
 * line and the body is exactly Content-Length bytes, a header that is mandatory on streams. Push
 * chunks as they arrive (a message may be split at any byte, several may come in one chunk); each
 * push returns what it completed.
 *
 * Keep-alives (RFC 5626 §4.4.1): between messages a double CRLF is a "ping" (answer with a
 * single CRLF, the "pong"), a single CRLF is a "pong" (or the CRLF RFC 3261 §7.5 lets a sender
 * put before a start line). A server cannot tell a lone CRLF from the first half of a ping
 * split across two reads, so in the `server` role (default) it waits for the next bytes; in the
 * `client` role a lone CRLF is reported as a pong at once.
 */
import {
  parseMessage,
  DEFAULT_MAX_MESSAGE_SIZE,
  type ParseError,
  type ParseOptions,
} from './parser.js';
import type { SipMessage } from './message.js';

export interface StreamParserOptions extends Omit<ParseOptions, 'transport'> {
  /** Which side of the RFC 5626 keep-alive this connection is on (default `server`). */
  readonly keepAliveRole?: 'server' | 'client';
}

export type StreamEvent =
  /** A complete, valid message. */
  | { readonly type: 'message'; readonly message: SipMessage }
  /**
   * A complete message that is invalid (answer a request with `error.status`, see
   * `responseForParseError`); the framing is intact and the connection goes on.
   */
  | { readonly type: 'invalid'; readonly error: ParseError }
  /**
   * The framing is lost (no or bad Content-Length, message too large): answer if possible,
   * then close the connection (RFC 3261 §18.3, RFC 4475 §3.1.2.3). Later pushes return nothing.
   */
  | { readonly type: 'fatal'; readonly error: ParseError }
  /** CRLFCRLF keep-alive: answer with CRLF. */
  | { readonly type: 'ping' }
  /** A lone CRLF between messages. */
  | { readonly type: 'pong' };

const CR = 0x0d;
const LF = 0x0a;
const EMPTY = Buffer.alloc(0);

export class SipStreamParser {
  readonly #options: ParseOptions;
  readonly #maxSize: number;
  readonly #client: boolean;
  /**
   * Received bytes not yet consumed are `#store[#start..#end)`. The store grows by doubling and
   * is compacted in place, so a message trickling in one byte per read costs linear time, not
   * quadratic (a peer must not be able to burn CPU by sending tiny segments).
   */
  #store: Buffer = EMPTY;
  #start = 0;
  #end = 0;
  /** True once the first byte of a message has arrived (keep-alives are only between messages). */
  #inMessage = false;
  /** Where to resume looking for the end of the header section. */
  #scanFrom = 0;
  /** Once the header section is complete: where the body starts, and its length. */
  #bodyStart = -1;
  #length = 0;
  #closed = false;

  constructor(options: StreamParserOptions = {}) {
    this.#options = { ...options, transport: 'stream' };
    this.#maxSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.#client = options.keepAliveRole === 'client';
  }

  /** True after a fatal framing error: the connection should be closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes received but not yet part of a complete message. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Adds bytes from the stream; returns the events they completed, in order. */
  push(chunk: Buffer): StreamEvent[] {
    if (this.#closed || chunk.length === 0) return [];
    this.#append(chunk);
    const events: StreamEvent[] = [];
    // #message returns false when it needs more bytes or has closed the parser.
    while (this.#end > this.#start) {
      if (!this.#inMessage) {
        if (!this.#keepAlive(events)) break;
        if (this.#end === this.#start) break;
        this.#inMessage = true;
      }
      if (!this.#message(events)) break;
    }
    return events;
  }

  #append(chunk: Buffer): void {
    const held = this.#end - this.#start;
    if (this.#end + chunk.length > this.#store.length) {
      const needed = held + chunk.length;
      if (needed <= this.#store.length) {
        this.#store.copyWithin(0, this.#start, this.#end);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(needed, this.#store.length * 2, 4096));
        this.#store.copy(grown, 0, this.#start, this.#end);
        this.#store = grown;
      }
      this.#start = 0;
      this.#end = held;
    }
    chunk.copy(this.#store, this.#end);
    this.#end += chunk.length;
  }

  /** The bytes received and not consumed (a view, valid until the next append). */
  #view(): Buffer {
    return this.#store.subarray(this.#start, this.#end);
  }

  #consume(count: number): void {
    this.#start += count;
    if (this.#start >= this.#end) {
      this.#start = 0;
      this.#end = 0;
    }
  }

  /** Consumes CRLFs at a message boundary. Returns false when it must wait for more bytes. */
  #keepAlive(events: StreamEvent[]): boolean {
    for (;;) {
      const buf = this.#view();
      if (buf.length === 0) return true;
      const first = buf[0];
      if (first === LF) {
        // A bare LF between messages: noise, skipped.
        this.#consume(1);
        continue;
      }
      if (first !== CR) return true;
      if (buf.length < 2) return false;
      if (buf[1] !== LF) {
        this.#consume(1);
        continue;
      }
      if (buf.length >= 4 && buf[2] === CR && buf[3] === LF) {
        events.push({ type: 'ping' });
        this.#consume(4);
        continue;
      }
      const couldBePing = buf.length === 2 || (buf.length === 3 && buf[2] === CR);
      if (couldBePing && !this.#client) return false;
      events.push({ type: 'pong' });
      this.#consume(2);
    }
  }

  /** Frames one message if the buffer holds all of it. Returns false when it must wait. */
  #message(events: StreamEvent[]): boolean {
    const buf = this.#view();
    if (this.#bodyStart < 0) {
      const bodyStart = this.#findBodyStart(buf);
      if (bodyStart < 0) {
        if (buf.length > this.#maxSize) {
          const reason = `Message Too Large (header section over ${String(this.#maxSize)} bytes)`;
          this.#fatal(events, buf.subarray(0, this.#maxSize), 513, reason);
        }
        return false;
      }
      const length = contentLength(buf.toString('latin1', 0, bodyStart));
      if (length !== undefined && length >= 0 && bodyStart + length > this.#maxSize) {
        const reason = `Message Too Large (over ${String(this.#maxSize)} bytes)`;
        this.#fatal(events, buf.subarray(0, bodyStart), 513, reason);
        return false;
      }
      if (length === undefined || length < 0) {
        // Missing, repeated or malformed Content-Length: where this message ends is unknown, so
        // nothing after it on this stream can be trusted (the parser says which it is).
        this.#fatal(events, buf.subarray(0, bodyStart), 400, 'Invalid Content-Length');
        return false;
      }
      this.#bodyStart = bodyStart;
      this.#length = length;
    }
    const total = this.#bodyStart + this.#length;
    if (buf.length < total) return false;
    // A copy: the store is reused, and the message's body is a slice of these bytes.
    const bytes = Buffer.from(buf.subarray(0, total));
    this.#consume(total);
    this.#reset();
    const result = parseMessage(bytes, this.#options);
    events.push(
      result.ok
        ? { type: 'message', message: result.message }
        : { type: 'invalid', error: result.error },
    );
    return true;
  }

  /** Index where the body starts (after the empty line), or -1 when the header is incomplete. */
  #findBodyStart(buf: Buffer): number {
    let from = this.#scanFrom;
    for (;;) {
      const lf = buf.indexOf(LF, from);
      if (lf < 0) {
        this.#scanFrom = buf.length;
        return -1;
      }
      if (lf + 1 < buf.length && buf[lf + 1] === LF) return lf + 2;
      if (lf + 2 < buf.length && buf[lf + 1] === CR && buf[lf + 2] === LF) return lf + 3;
      if (lf + 2 >= buf.length) {
        // The next bytes may still make this LF the start of the empty line.
        this.#scanFrom = lf;
        return -1;
      }
      from = lf + 1;
    }
  }

  #reset(): void {
    this.#inMessage = false;
    this.#scanFrom = 0;
    this.#bodyStart = -1;
    this.#length = 0;
  }

  /**
   * Reports a framing error and closes. The parser run on the header section supplies the
   * partial message (to answer with) and, for 400, the precise reason.
   */
  #fatal(events: StreamEvent[], head: Buffer, status: number, reason: string): void {
    const result = parseMessage(head, this.#options);
    const error: ParseError = result.ok
      ? { status, reason, partial: { via: [] } }
      : status === 400 && result.error.status === 400
        ? result.error
        : { status, reason, partial: result.error.partial };
    events.push({ type: 'fatal', error });
    this.#closed = true;
    this.#store = EMPTY;
    this.#start = 0;
    this.#end = 0;
    this.#reset();
  }
}

/**
 * The Content-Length of a header section (latin1 text): the number, -1 when it is repeated or
 * not a number, undefined when it is missing.
 */
function contentLength(head: string): number | undefined {
  let found: number | undefined;
  let pos = head.indexOf('\n') + 1;
  while (pos > 0 && pos < head.length) {
    let end = head.indexOf('\n', pos);
    if (end < 0) end = head.length;
    // The colon is looked for within this line only, keeping the scan linear.
    let colon = pos;
    while (colon < end && head.charCodeAt(colon) !== 0x3a) colon += 1;
    if (colon > pos && colon < end) {
      const name = head.slice(pos, colon).trim().toLowerCase();
      if (name === 'content-length' || name === 'l') {
        if (found !== undefined) return -1;
        const text = head.slice(colon + 1, end).trim();
        found = /^[0-9]{1,9}$/.test(text) ? Number(text) : -1;
      }
    }
    pos = end + 1;
  }
  return found;
}
