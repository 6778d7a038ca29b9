import { describe, expect, it } from 'vitest';
import type { SipMessage } from './message.js';
import { SipStreamParser, type StreamEvent } from './stream-parser.js';
import { INVITE, INVITE_LINES, OK, SDP_OFFER, message } from './test-support/messages.js';

function messages(events: readonly StreamEvent[]): SipMessage[] {
  return events.flatMap((event) => (event.type === 'message' ? [event.message] : []));
}

function types(events: readonly StreamEvent[]): string[] {
  return events.map((event) => event.type);
}

const CRLF = Buffer.from('\r\n');
const PING = Buffer.from('\r\n\r\n');

describe('SipStreamParser framing', () => {
  it('frames several messages arriving in one chunk', () => {
    const parser = new SipStreamParser();
    const events = parser.push(Buffer.concat([INVITE, OK, INVITE]));
    expect(types(events)).toEqual(['message', 'message', 'message']);
    expect(messages(events).map((m) => m.kind)).toEqual(['request', 'response', 'request']);
    expect(parser.buffered).toBe(0);
  });

  it('frames a message split at any byte', () => {
    const stream = Buffer.concat([INVITE, OK]);
    for (let cut = 1; cut < stream.length; cut += 1) {
      const parser = new SipStreamParser();
      const events = [
        ...parser.push(stream.subarray(0, cut)),
        ...parser.push(stream.subarray(cut)),
      ];
      expect(types(events), `cut at ${String(cut)}`).toEqual(['message', 'message']);
      expect(messages(events)[0]?.body.toString()).toBe(SDP_OFFER);
    }
  });

  it('frames messages fed one byte at a time', () => {
    const parser = new SipStreamParser();
    const events: StreamEvent[] = [];
    for (const byte of Buffer.concat([INVITE, PING, OK]))
      events.push(...parser.push(Buffer.from([byte])));
    expect(types(events)).toEqual(['message', 'ping', 'message']);
  });

  it('frames a large message fed one byte per read, and its body stays intact afterwards', () => {
    const body = 'a'.repeat(50_000);
    const lines = INVITE_LINES.map((l) =>
      l.startsWith('Content-Length') ? `Content-Length: ${String(body.length)}` : l,
    );
    const big = message(lines, body);
    const parser = new SipStreamParser();
    const events: StreamEvent[] = [];
    for (let i = 0; i < big.length; i += 1) events.push(...parser.push(big.subarray(i, i + 1)));
    expect(types(events)).toEqual(['message']);
    const first = messages(events)[0];
    expect(parser.buffered).toBe(0);
    // More traffic reuses the parser's buffer; the message already handed out must not change.
    parser.push(Buffer.concat([OK, INVITE.subarray(0, 100)]));
    expect(first?.body.toString()).toBe(body);
  });

  it('takes exactly Content-Length bytes of body, whatever they hold', () => {
    const body = '\r\n\r\nSIP/2.0 200 OK\r\n\r\n';
    const lines = INVITE_LINES.map((l) =>
      l.startsWith('Content-Length') ? `Content-Length: ${String(body.length)}` : l,
    );
    const events = new SipStreamParser().push(Buffer.concat([message(lines, body), OK]));
    expect(types(events)).toEqual(['message', 'message']);
    expect(messages(events)[0]?.body.toString()).toBe(body);
  });

  it('reports an invalid but well-framed message and carries on', () => {
    const broken = message(
      INVITE_LINES.filter((l) => !l.startsWith('Call-ID')),
      SDP_OFFER,
    );
    const events = new SipStreamParser().push(Buffer.concat([broken, OK]));
    expect(types(events)).toEqual(['invalid', 'message']);
    const first = events[0];
    expect(first?.type === 'invalid' && first.error).toMatchObject({
      status: 400,
      reason: 'Missing Call-ID header field',
    });
  });
});

describe('SipStreamParser keep-alives (RFC 5626 §4.4.1)', () => {
  it('reports a double CRLF between messages as a ping', () => {
    const parser = new SipStreamParser();
    expect(types(parser.push(PING))).toEqual(['ping']);
    expect(types(parser.push(Buffer.concat([PING, PING, INVITE, PING])))).toEqual([
      'ping',
      'ping',
      'message',
      'ping',
    ]);
  });

  it('waits to see whether a lone CRLF is half a ping (server role)', () => {
    const parser = new SipStreamParser();
    expect(parser.push(CRLF)).toEqual([]);
    expect(types(parser.push(CRLF))).toEqual(['ping']);
    expect(parser.push(CRLF)).toEqual([]);
    expect(types(parser.push(INVITE))).toEqual(['pong', 'message']);
  });

  it('reports a lone CRLF as a pong at once in the client role', () => {
    const parser = new SipStreamParser({ keepAliveRole: 'client' });
    expect(types(parser.push(CRLF))).toEqual(['pong']);
    expect(types(parser.push(Buffer.concat([OK, CRLF])))).toEqual(['message', 'pong']);
  });
});

describe('SipStreamParser fatal framing errors', () => {
  it('closes on a missing Content-Length (RFC 3261 §18.3)', () => {
    const parser = new SipStreamParser();
    const noLength = message(
      INVITE_LINES.filter((l) => !l.startsWith('Content-Length')),
      SDP_OFFER,
    );
    const events = parser.push(noLength);
    expect(types(events)).toEqual(['fatal']);
    const fatal = events[0];
    expect(fatal?.type === 'fatal' && fatal.error.status).toBe(400);
    expect(fatal?.type === 'fatal' && fatal.error.reason).toContain('Content-Length');
    expect(fatal?.type === 'fatal' && fatal.error.partial.callId).toBe(
      'a84b4c76e66710@pc33.atlanta.example.com',
    );
    expect(parser.closed).toBe(true);
    expect(parser.push(OK)).toEqual([]);
  });

  it.each([['-5'], ['five'], ['1e3']])('closes on Content-Length %s', (value) => {
    const lines = INVITE_LINES.map((l) =>
      l.startsWith('Content-Length') ? `Content-Length: ${value}` : l,
    );
    const events = new SipStreamParser().push(message(lines, SDP_OFFER));
    expect(types(events)).toEqual(['fatal']);
  });

  it('answers 513 and closes when a message would pass the size limit', () => {
    const lines = INVITE_LINES.map((l) =>
      l.startsWith('Content-Length') ? 'Content-Length: 1000000' : l,
    );
    const events = new SipStreamParser().push(message(lines));
    expect(events[0]?.type === 'fatal' && events[0].error.status).toBe(513);
    const small = new SipStreamParser({ maxMessageSize: 300 }).push(INVITE);
    expect(small[0]?.type === 'fatal' && small[0].error.status).toBe(513);
  });

  it('answers 513 and closes when the header section never ends', () => {
    const parser = new SipStreamParser({ maxMessageSize: 2000 });
    const events: StreamEvent[] = [];
    events.push(
      ...parser.push(
        Buffer.from('INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKx\r\n'),
      ),
    );
    for (let i = 0; i < 100 && !parser.closed; i += 1) {
      events.push(...parser.push(Buffer.from(`X-Filler-${String(i)}: ${'y'.repeat(40)}\r\n`)));
    }
    expect(types(events)).toEqual(['fatal']);
    expect(events[0]?.type === 'fatal' && events[0].error.status).toBe(513);
    expect(events[0]?.type === 'fatal' && events[0].error.partial.via).toEqual([
      'SIP/2.0/TCP h;branch=z9hG4bKx',
    ]);
  });
});
