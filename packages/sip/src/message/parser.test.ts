import { describe, expect, it } from 'vitest';
import type { SipMessage, SipRequest, SipResponse } from './message.js';
import { parseMessage, type ParseOptions } from './parser.js';
import { INVITE, INVITE_LINES, OK, SDP_OFFER, message } from './test-support/messages.js';

function ok(bytes: Buffer, options?: ParseOptions): SipMessage {
  const result = parseMessage(bytes, options);
  if (!result.ok)
    throw new Error(`did not parse: ${String(result.error.status)} ${result.error.reason}`);
  return result.message;
}

function req(bytes: Buffer, options?: ParseOptions): SipRequest {
  const m = ok(bytes, options);
  if (m.kind !== 'request') throw new Error('not a request');
  return m;
}

function res(bytes: Buffer): SipResponse {
  const m = ok(bytes);
  if (m.kind !== 'response') throw new Error('not a response');
  return m;
}

function error(bytes: Buffer, options?: ParseOptions): { status: number; reason: string } {
  const result = parseMessage(bytes, options);
  if (result.ok) throw new Error('parsed but should not have');
  return result.error;
}

/** INVITE_LINES with some lines replaced (by prefix) or removed (replacement undefined). */
function variant(changes: Record<string, string | undefined>, body = SDP_OFFER): Buffer {
  const lines: string[] = [];
  for (const line of INVITE_LINES) {
    const key = Object.keys(changes).find((prefix) => line.startsWith(prefix));
    if (key === undefined) lines.push(line);
    else if (changes[key] !== undefined) lines.push(changes[key]);
  }
  return message(lines, body);
}

describe('parseMessage: well-formed messages', () => {
  it('parses an INVITE with SDP', () => {
    const m = req(INVITE);
    expect(m.method).toBe('INVITE');
    expect(m.uri).toMatchObject({ kind: 'sip', user: 'bob', host: 'biloxi.example.com' });
    expect(m.version).toBe('SIP/2.0');
    expect(m.headers).toHaveLength(INVITE_LINES.length - 1);
    expect(m.topVia()).toMatchObject({
      transport: 'UDP',
      host: 'pc33.atlanta.example.com',
      port: 5060,
      rport: true,
    });
    expect(m.from()).toMatchObject({ displayName: 'Alice', tag: '1928301774' });
    expect(m.to().tag).toBeUndefined();
    expect(m.cseq()).toEqual({ seq: 314159, method: 'INVITE' });
    expect(m.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(m.maxForwards()).toBe(70);
    expect(m.body.toString()).toBe(SDP_OFFER);
    expect(m.contentLength).toBe(Buffer.byteLength(SDP_OFFER));
    expect(m.contentType).toMatchObject({
      type: 'application',
      subtype: 'sdp',
      mediaType: 'application/sdp',
    });
    expect(m.headerList('Allow')).toEqual([
      'INVITE',
      'ACK',
      'CANCEL',
      'BYE',
      'OPTIONS',
      'INFO',
      'UPDATE',
    ]);
  });

  it('parses a 200 OK with several Vias and a Record-Route list', () => {
    const m = res(OK);
    expect(m.status).toBe(200);
    expect(m.reason).toBe('OK');
    expect(m.via().map((v) => v.received)).toEqual(['192.0.2.3', '192.0.2.2', '192.0.2.1']);
    expect(m.recordRoute().map((r) => r.uri)).toMatchObject([
      { host: 'p2.biloxi.example.com' },
      { host: 'p1.atlanta.example.com' },
    ]);
    expect(m.to().tag).toBe('a6c85cf');
    expect(m.body.length).toBe(0);
  });

  it('understands compact forms and any case of header names', () => {
    const m = req(
      message([
        'OPTIONS sip:bob@biloxi.example.com SIP/2.0',
        'v: SIP/2.0/TCP h.example.com;branch=z9hG4bKa',
        'f: <sip:a@x.example>;tag=1',
        't: <sip:b@y.example>',
        'i: abc@h',
        'CSEQ: 1 OPTIONS',
        'mAx-FoRwArDs: 10',
        'm: <sip:a@h.example.com>',
        'k: path',
        'l: 0',
      ]),
    );
    expect(m.header('Via')).toBe('SIP/2.0/TCP h.example.com;branch=z9hG4bKa');
    expect(m.header('VIA')).toBe(m.header('v'));
    expect(m.callId).toBe('abc@h');
    expect(m.header('Supported')).toBe('path');
    expect(m.maxForwards()).toBe(10);
    expect(m.contact()).toHaveLength(1);
  });

  it('unfolds continuation lines into single spaces (RFC 3261 §7.3.1)', () => {
    const m = req(
      message(
        [
          ...INVITE_LINES.slice(0, 3),
          'Subject: first  \r\n   second\r\n\tthird',
          ...INVITE_LINES.slice(3).map((line) =>
            line.startsWith('Supported:') ? 'Supported: replaces,\r\n timer' : line,
          ),
        ],
        SDP_OFFER,
      ),
    );
    expect(m.header('subject')).toBe('first second third');
    expect(m.headerList('supported')).toEqual(['replaces', 'timer']);
  });

  it('tolerates bare LF line ends and CRLFs before the start line', () => {
    const text = `\r\n\r\n${INVITE_LINES.join('\n')}\n\n${SDP_OFFER}`;
    const m = req(Buffer.from(text));
    expect(m.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(m.body.toString()).toBe(SDP_OFFER);
  });

  it('accepts a message without the final empty line when it has no body', () => {
    const m = req(Buffer.from(`${INVITE_LINES.slice(0, -2).join('\r\n')}\r\n`));
    expect(m.body.length).toBe(0);
  });

  it('cuts a datagram body to Content-Length and takes the rest without one (RFC 3261 §18.3)', () => {
    const longer = req(Buffer.concat([INVITE, Buffer.from('garbage after the body')]));
    expect(longer.body.toString()).toBe(SDP_OFFER);
    const without = req(variant({ 'Content-Length:': undefined }));
    expect(without.body.toString()).toBe(SDP_OFFER);
    expect(without.contentLength).toBe(Buffer.byteLength(SDP_OFFER));
  });

  it('accepts the Request-URI schemes it is told to serve and any scheme by default', () => {
    expect(req(INVITE, { supportedUriSchemes: ['sip', 'sips'] }).uri.scheme).toBe('sip');
    const tel = variant({ 'INVITE sip': 'INVITE tel:+12025550100 SIP/2.0' });
    expect(req(tel).uri.kind).toBe('tel');
    expect(error(tel, { supportedUriSchemes: ['sip', 'sips'] }).status).toBe(416);
  });

  it('parses without checks when validate is false', () => {
    const bare = message(['OPTIONS sip:x.example SIP/2.0', 'Foo: bar']);
    expect(error(bare).reason).toBe('Missing Via header field');
    expect(req(bare, { validate: false }).header('foo')).toBe('bar');
  });
});

describe('parseMessage: errors and the status to answer with', () => {
  it.each([
    ['Via:', 'Via'],
    ['From:', 'From'],
    ['To:', 'To'],
    ['Call-ID:', 'Call-ID'],
    ['CSeq:', 'CSeq'],
  ])('answers 400 when %s is missing', (prefix, name) => {
    expect(error(variant({ [prefix]: undefined }))).toEqual({
      status: 400,
      reason: `Missing ${name} header field`,
      partial: expect.anything() as unknown,
    });
  });

  it.each([
    ['From:', 'From: <sip:a@x.example>;tag=1\r\nFrom: <sip:b@x.example>;tag=2', 'Multiple From'],
    ['Call-ID:', 'Call-ID: a@b\r\ni: c@d', 'Multiple Call-ID'],
    ['Max-Forwards:', 'Max-Forwards: 70\r\nMax-Forwards: 69', 'Multiple Max-Forwards'],
    ['Content-Length:', 'Content-Length: 10\r\nl: 10', 'Multiple Content-Length'],
    ['Via:', 'Via: SIP/2.0/UDP h;branch=z9hG4bKa;;', 'Malformed Via'],
    ['From:', 'From: "unterminated <sip:a@x.example>', 'Malformed From'],
    ['To:', 'To: Bob, Jr <sip:b@x.example>', 'Malformed To'],
    ['Call-ID:', 'Call-ID: a b', 'Malformed Call-ID'],
    ['CSeq:', 'CSeq: 4294967296 INVITE', 'Malformed CSeq'],
    ['CSeq:', 'CSeq: INVITE', 'Malformed CSeq'],
    ['Max-Forwards:', 'Max-Forwards: 256', 'Malformed Max-Forwards'],
    ['Contact:', 'Contact: *, <sip:a@x.example>', 'Malformed Contact'],
    ['Content-Length:', 'Content-Length: -1', 'Content-Length'],
    ['Content-Length:', 'Content-Length: five', 'Content-Length'],
    ['Content-Length:', 'Content-Length: 4000', 'larger than the message body'],
    ['CSeq:', 'CSeq: 1 BYE', 'does not match'],
  ])('answers 400 for %s -> %j', (prefix, replacement, reason) => {
    const e = error(variant({ [prefix]: replacement }));
    expect(e.status).toBe(400);
    expect(e.reason).toContain(reason);
  });

  it('leaves the Contact of an ACK, BYE or CANCEL unparsed until asked for', () => {
    const contact = 'Contact: *, <sip:a@x.example>';
    for (const method of ['ACK', 'BYE', 'CANCEL']) {
      const request = req(
        variant(
          {
            INVITE: `${method} sip:bob@biloxi.example.com SIP/2.0`,
            'CSeq:': `CSeq: 314159 ${method}`,
            'Contact:': contact,
            'Content-Type:': undefined,
            'Content-Length:': 'Content-Length: 0',
          },
          '',
        ),
      );
      expect(request.method).toBe(method);
      // Read anyway, it is refused as the INVITE's is.
      expect(() => request.contact()).toThrow(/Contact/);
    }
    expect(error(variant({ 'Contact:': contact })).reason).toContain('Malformed Contact');
  });

  it('gives a message without a body an empty body that holds nothing of the datagram', () => {
    const bytes = variant(
      { 'Content-Type:': undefined, 'Content-Length:': 'Content-Length: 0' },
      '',
    );
    const request = req(bytes);
    expect(request.body.length).toBe(0);
    expect(request.body.buffer).not.toBe(bytes.buffer);
    expect(req(INVITE).body.toString('utf8')).toBe(SDP_OFFER);
  });

  it('answers 501 for a CSeq mismatch on a method it does not know (RFC 4475 §3.1.2.18)', () => {
    const bytes = variant({ INVITE: 'FOO sip:bob@biloxi.example.com SIP/2.0' });
    expect(error(bytes).status).toBe(501);
    expect(error(bytes, { knownMethods: ['FOO'] }).status).toBe(400);
  });

  it.each([
    ['INVITE sip:bob@biloxi.example.com SIP/3.0', 505],
    ['INVITE sip:bob@biloxi.example.com SIP/2', 400],
    ['INVITE sip:bob@biloxi.example.com', 400],
    ['INVITE  sip:bob@biloxi.example.com SIP/2.0', 400],
    ['INVITE sip:bob@biloxi.example.com SIP/2.0 ', 400],
    ['INV ITE sip:bob@biloxi.example.com SIP/2.0', 400],
    ['INVITE <sip:bob@biloxi.example.com> SIP/2.0', 400],
    ['INVITE sip:bob@biloxi.example.com?Route=x SIP/2.0', 400],
    ['INV@TE sip:bob@biloxi.example.com SIP/2.0', 400],
  ])('rejects the request line %j with %d', (line, status) => {
    expect(error(variant({ 'INVITE sip': line })).status).toBe(status);
  });

  it.each([
    ['SIP/2.0 99 Too Small'],
    ['SIP/2.0 700 Too Big'],
    ['SIP/2.0 2000 OK'],
    ['SIP/3.0 200 OK'],
    ['SIP/2.0 OK'],
    ['SIP/2.0 200 O\u0001K'],
  ])('rejects the status line %j (a response: the caller drops it)', (line) => {
    const result = parseMessage(message([line, ...INVITE_LINES.slice(1, 7), 'Content-Length: 0']));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.partial.kind).toBe('response');
  });

  it.each([
    ['a header line without a colon', 'Foo bar', 'without a colon'],
    ['an invalid header name', 'Fo o: bar', 'Invalid header field name'],
    ['a header name with a non-token character', 'Fo@o: bar', 'Invalid header field name'],
  ])('answers 400 for %s', (_what, line, reason) => {
    const e = error(
      message([...INVITE_LINES.slice(0, -1), line, INVITE_LINES.at(-1) ?? ''], SDP_OFFER),
    );
    expect(e.status).toBe(400);
    expect(e.reason).toContain(reason);
  });

  it('answers 400 for a continuation line right after the start line', () => {
    const e = error(
      message([INVITE_LINES[0] ?? '', ' folded', ...INVITE_LINES.slice(1)], SDP_OFFER),
    );
    expect(e.reason).toContain('Continuation line');
  });

  it('answers 400 for an empty message', () => {
    expect(error(Buffer.alloc(0)).status).toBe(400);
    expect(error(Buffer.from('\r\n\r\n')).reason).toBe('Empty message');
  });

  it('requires Content-Length on a stream transport', () => {
    const e = error(variant({ 'Content-Length:': undefined }), { transport: 'stream' });
    expect(e.status).toBe(400);
    expect(e.reason).toContain('Missing Content-Length');
    expect(req(INVITE, { transport: 'stream' }).body.toString()).toBe(SDP_OFFER);
  });

  it('keeps what it could read for the answer', () => {
    const result = parseMessage(
      variant({ 'INVITE sip': 'INVITE sip:bob@biloxi.example.com SIP/3.0' }),
    );
    if (result.ok) throw new Error('parsed');
    expect(result.error.partial).toEqual({
      kind: 'request',
      method: 'INVITE',
      requestUri: 'sip:bob@biloxi.example.com',
      via: ['SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport'],
      from: '"Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
      to: 'Bob <sip:bob@biloxi.example.com>',
      callId: 'a84b4c76e66710@pc33.atlanta.example.com',
      cseq: '314159 INVITE',
    });
  });
});

describe('parseMessage: limits', () => {
  it('answers 513 above the message size limit (65,535 bytes by default)', () => {
    const big = variant({}, 'x'.repeat(70_000))
      .toString()
      .replace(/Content-Length: \d+/, 'Content-Length: 70000');
    const e = error(Buffer.from(big));
    expect(e.status).toBe(513);
    expect(error(INVITE, { maxMessageSize: 200 }).status).toBe(513);
    expect(req(INVITE, { maxMessageSize: INVITE.length }).method).toBe('INVITE');
  });

  it('answers 400 above the header count limit (256 by default)', () => {
    const many = Array.from({ length: 300 }, (_, i) => `X-H${String(i)}: ${String(i)}`);
    const bytes = message(
      [...INVITE_LINES.slice(0, -1), ...many, INVITE_LINES.at(-1) ?? ''],
      SDP_OFFER,
    );
    expect(error(bytes)).toMatchObject({ status: 400, reason: 'More than 256 header fields' });
    expect(req(bytes, { maxHeaders: 400 }).header('x-h299')).toBe('299');
    expect(error(INVITE, { maxHeaders: 5 }).status).toBe(400);
  });

  it('answers 400 above the header line limit (8,192 characters by default)', () => {
    const long = `X-Long: ${'a'.repeat(9000)}`;
    const bytes = message(
      [...INVITE_LINES.slice(0, -1), long, INVITE_LINES.at(-1) ?? ''],
      SDP_OFFER,
    );
    expect(error(bytes).reason).toContain('longer than 8192');
    expect(req(bytes, { maxHeaderLineLength: 10_000 }).header('x-long')).toHaveLength(9000);
    // Folding does not get around the limit: it applies to the unfolded field too.
    const folded = `X-Long: ${Array.from({ length: 20 }, () => 'a'.repeat(500)).join('\r\n ')}`;
    const foldedBytes = message(
      [...INVITE_LINES.slice(0, -1), folded, INVITE_LINES.at(-1) ?? ''],
      SDP_OFFER,
    );
    expect(error(foldedBytes).reason).toContain('X-Long');
  });
});
