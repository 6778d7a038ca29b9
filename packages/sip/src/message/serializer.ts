/**
 * `serializeMessage`: a message to the bytes to send. The output is canonical: CRLF line ends,
 * one line per header field in message order, known header names in their canonical spelling
 * (or compact form on request, RFC 3261 §7.3.3, to stay under a path MTU), and a Content-Length
 * that is always the body's length (written where the message had it, else last; RFC 3261
 * §18.3 makes it mandatory on streams and it costs nothing on datagrams).
 */
import { compactFormOfKey, knownHeaderName } from './headers.js';
import type { SipMessage } from './message.js';
import { serializeUri } from './uri.js';

export interface SerializeOptions {
  /** Write compact header names (`v`, `f`, `t`, `i`, `m`, `l`...) where they exist. */
  readonly compactHeaders?: boolean;
}

/** The message as bytes ready for a transport. */
export function serializeMessage(message: SipMessage, options?: SerializeOptions): Buffer {
  const compact = options?.compactHeaders === true;
  const body = message.body;
  let head =
    message.kind === 'request'
      ? `${message.method} ${serializeUri(message.uri)} SIP/2.0\r\n`
      : `SIP/2.0 ${String(message.status)} ${message.reason}\r\n`;
  const lengthLine = `${compact ? 'l' : 'Content-Length'}: ${String(body.length)}\r\n`;
  let wroteLength = false;
  const { headers, headerKeys } = message;
  for (let i = 0; i < headers.length; i += 1) {
    const field = headers[i];
    const key = headerKeys[i];
    if (field === undefined || key === undefined) continue;
    if (key === 'content-length') {
      if (!wroteLength) head += lengthLine;
      wroteLength = true;
      continue;
    }
    const name =
      (compact ? compactFormOfKey(key) : undefined) ?? knownHeaderName(key) ?? field.name;
    head += `${name}: ${field.value}\r\n`;
  }
  if (!wroteLength) head += lengthLine;
  head += '\r\n';
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + body.length);
  out.write(head, 0, headLength, 'utf8');
  body.copy(out, headLength);
  return out;
}
