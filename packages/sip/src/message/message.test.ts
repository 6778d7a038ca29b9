import { describe, expect, it } from 'vitest';
import {
  createResponse,
  newBranch,
  newCallId,
  newTag,
  responseForParseError,
  withReceived,
} from './builders.js';
import { SipMessageError } from './errors.js';
import { SipRequest, SipResponse, reasonPhrase } from './message.js';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serializer.js';
import { INVITE, INVITE_LINES, SDP_OFFER, message } from './test-support/messages.js';
import { isRfc3261Branch } from './via.js';

function invite(lines: readonly string[] = INVITE_LINES, body = SDP_OFFER): SipRequest {
  const result = parseMessage(message(lines, body));
  if (!result.ok || result.message.kind !== 'request') throw new Error('test INVITE did not parse');
  return result.message;
}

function register(extra: readonly string[]): SipRequest {
  return new SipRequest({
    method: 'REGISTER',
    uri: 'sip:registrar.example.com',
    headers: [
      { name: 'Via', value: 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKreg1;rport' },
      { name: 'From', value: '<sip:alice@example.com>;tag=r1' },
      { name: 'To', value: '<sip:alice@example.com>' },
      { name: 'Call-ID', value: 'reg-1@192.0.2.10' },
      { name: 'CSeq', value: '1 REGISTER' },
      ...extra.map((line) => {
        const colon = line.indexOf(':');
        return { name: line.slice(0, colon), value: line.slice(colon + 1).trim() };
      }),
    ],
  });
}

describe('header access', () => {
  it('finds fields case-insensitively and by compact form, in order', () => {
    const m = invite();
    expect(m.header('call-id')).toBe(m.header('i'));
    expect(m.hasHeader('CONTACT')).toBe(true);
    expect(m.hasHeader('m')).toBe(true);
    expect(m.hasHeader('Route')).toBe(false);
    expect(m.header('Route')).toBeUndefined();
    const twoVias = invite([
      INVITE_LINES[0] ?? '',
      'Via: SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/UDP b.example;branch=z9hG4bK2',
      'v: SIP/2.0/TCP c.example;branch=z9hG4bK3',
      ...INVITE_LINES.slice(2),
    ]);
    expect(twoVias.headerValues('via')).toHaveLength(2);
    expect(twoVias.headerList('Via')).toHaveLength(3);
    expect(twoVias.via().map((v) => v.host)).toEqual(['a.example', 'b.example', 'c.example']);
  });

  it('never splits headers whose values hold commas (RFC 3261 §7.3.1)', () => {
    const m = invite([
      ...INVITE_LINES.slice(0, -1),
      'WWW-Authenticate: Digest realm="a, b", nonce="x", algorithm=MD5',
      'Authorization: Digest username="alice", realm="a"',
      'Date: Sat, 13 Nov 2010 23:29:00 GMT',
      'X-Unknown: a, b',
      INVITE_LINES.at(-1) ?? '',
    ]);
    expect(m.headerList('www-authenticate')).toHaveLength(1);
    expect(m.headerList('Authorization')).toHaveLength(1);
    expect(m.headerList('Date')).toEqual(['Sat, 13 Nov 2010 23:29:00 GMT']);
    expect(m.headerList('X-Unknown')).toEqual(['a, b']);
  });

  it('parses each typed header once and keeps the result', () => {
    const m = invite();
    expect(m.via()).toBe(m.via());
    expect(m.from()).toBe(m.from());
    expect(m.cseq()).toBe(m.cseq());
    expect(m.contentType).toBe(m.contentType);
    expect(m.contact()).toBe(m.contact());
  });

  it('reads Contact "*", Expires and empty lists', () => {
    const star = register(['Contact: *', 'Expires: 0']);
    expect(star.contact()).toBe('*');
    expect(star.expires()).toBe(0);
    const none = register([]);
    expect(none.contact()).toEqual([]);
    expect(none.route()).toEqual([]);
    expect(none.expires()).toBeUndefined();
    expect(none.maxForwards()).toBeUndefined();
    expect(none.contentType).toBeUndefined();
  });

  it('throws a 400 SipMessageError from an accessor whose field is malformed or missing', () => {
    const bad = register([
      'Route: sip:p1.example.com;lr',
      'Expires: 10000000000000',
      'Content-Type: text',
    ]);
    for (const read of [() => bad.route(), () => bad.expires(), () => bad.contentType]) {
      expect(read).toThrow(SipMessageError);
    }
    const missing = new SipRequest({ method: 'OPTIONS', uri: 'sip:x.example' });
    expect(() => missing.cseq()).toThrow('Missing CSeq header field');
    expect(() => missing.callId).toThrow('Missing Call-ID header field');
    expect(() => missing.topVia()).toThrow('Missing Via header field');
    let caught: unknown;
    try {
      missing.from();
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ status: 400, header: 'From' });
  });
});

describe('immutable changes', () => {
  it('withHeader replaces in place, withAddedHeader inserts, withoutHeader removes', () => {
    const m = invite();
    const lowered = m.withHeader('max-forwards', '69');
    expect(lowered.maxForwards()).toBe(69);
    expect(m.maxForwards()).toBe(70);
    expect(lowered.headers.findIndex((h) => h.name === 'max-forwards')).toBe(
      m.headers.findIndex((h) => h.name === 'Max-Forwards'),
    );

    const proxied = m.withAddedHeader(
      'Via',
      'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1',
      'first',
    );
    expect(proxied.via().map((v) => v.host)).toEqual([
      'proxy.example.com',
      'pc33.atlanta.example.com',
    ]);
    expect(m.via()).toHaveLength(1);
    const routed = m.withAddedHeader('Route', '<sip:p1.example.com;lr>', 'first');
    expect(routed.headers[0]?.name).toBe('Route');
    const last = m.withAddedHeader('X-Trace', '1').withAddedHeader('X-Trace', '2');
    expect(last.headerValues('x-trace')).toEqual(['1', '2']);

    const stripped = proxied.withoutHeader('v');
    expect(stripped.hasHeader('Via')).toBe(false);
    expect(proxied.hasHeader('Via')).toBe(true);
  });

  it('withBody sets the body and its type', () => {
    const m = invite();
    const text = m.withBody('hello', 'text/plain');
    expect(text.body.toString()).toBe('hello');
    expect(text.contentType?.mediaType).toBe('text/plain');
    const empty = m.withBody(Buffer.alloc(0));
    expect(empty.hasHeader('Content-Type')).toBe(false);
    expect(serializeMessage(empty).toString()).toContain('Content-Length: 0\r\n');
    expect(m.body.toString()).toBe(SDP_OFFER);
  });

  it('withUri retargets a request', () => {
    const m = invite().withUri('sip:bob@192.0.2.4:5062');
    expect(m.uri).toMatchObject({ host: '192.0.2.4', port: 5062 });
    expect(m.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
  });

  it('refuses names and values that would break the message', () => {
    const m = invite();
    expect(() => m.withHeader('X-Evil', 'a\r\nVia: injected')).toThrow(SipMessageError);
    expect(() => m.withAddedHeader('Bad Name', 'x')).toThrow(SipMessageError);
    expect(() => new SipRequest({ method: 'IN VITE', uri: 'sip:x.example' })).toThrow(
      SipMessageError,
    );
    expect(() => new SipRequest({ method: 'INVITE', uri: '<sip:x.example>' })).toThrow(
      SipMessageError,
    );
    expect(() => new SipResponse({ status: 99 })).toThrow(SipMessageError);
    expect(
      () =>
        new SipRequest({
          method: 'OPTIONS',
          uri: 'sip:x.example',
          headers: [{ name: 'X', value: 'a\nb' }],
        }),
    ).toThrow('Invalid character in the value of header X');
    expect(() => new SipResponse({ status: 200, headers: [{ name: 'X:Y', value: 'a' }] })).toThrow(
      'Invalid header name',
    );
    expect(() => new SipResponse({ status: 200, reason: 'OK\r\nX: y' })).toThrow(SipMessageError);
  });
});

describe('createResponse (RFC 3261 §8.2.6)', () => {
  it('copies Via, From, To, Call-ID and CSeq and adds the To tag', () => {
    const request = invite([
      ...INVITE_LINES.slice(0, 1),
      'Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1',
      ...INVITE_LINES.slice(1),
    ]);
    const response = createResponse(request, 180, undefined, { toTag: 'as83kd9' });
    expect(response.status).toBe(180);
    expect(response.reason).toBe('Ringing');
    expect(response.headerValues('Via')).toEqual(request.headerValues('Via'));
    expect(response.from()).toEqual(request.from());
    expect(response.to().tag).toBe('as83kd9');
    expect(response.to().uri).toEqual(request.to().uri);
    expect(response.callId).toBe(request.callId);
    expect(response.cseq()).toEqual(request.cseq());
    expect(response.hasHeader('Contact')).toBe(false);
    expect(response.body.length).toBe(0);
  });

  it('keeps an existing To tag and adds none to 100 Trying, which copies Timestamp', () => {
    const tagged = invite(
      INVITE_LINES.map((l) =>
        l.startsWith('To:') ? 'To: <sip:bob@biloxi.example.com>;tag=old' : l,
      ),
    );
    expect(createResponse(tagged, 200, 'OK', { toTag: 'new' }).to().tag).toBe('old');
    const stamped = invite([
      ...INVITE_LINES.slice(0, -1),
      'Timestamp: 54.2',
      INVITE_LINES.at(-1) ?? '',
    ]);
    const trying = createResponse(stamped, 100, undefined, { toTag: 'x' });
    expect(trying.to().tag).toBeUndefined();
    expect(trying.header('Timestamp')).toBe('54.2');
    expect(createResponse(stamped, 180).hasHeader('Timestamp')).toBe(false);
  });

  it('adds headers and a body', () => {
    const response = createResponse(invite(), 200, undefined, {
      toTag: 'b1',
      headers: [{ name: 'Contact', value: '<sip:bob@192.0.2.4>' }],
      body: 'v=0\r\n',
      contentType: 'application/sdp',
    });
    expect(response.contact()).toHaveLength(1);
    expect(response.contentType?.mediaType).toBe('application/sdp');
    const wire = parseMessage(serializeMessage(response));
    expect(wire.ok && wire.message.body.toString()).toBe('v=0\r\n');
  });

  it('has the usual reason phrases', () => {
    expect(reasonPhrase(486)).toBe('Busy Here');
    expect(reasonPhrase(481)).toBe('Call/Transaction Does Not Exist');
    expect(reasonPhrase(499)).toBe('Bad Request');
  });
});

describe('responseForParseError', () => {
  it('answers a broken request from the fields it could read', () => {
    const result = parseMessage(
      message(
        INVITE_LINES.map((l) => (l.startsWith('CSeq:') ? 'CSeq: 99999999999 INVITE' : l)),
        SDP_OFFER,
      ),
    );
    if (result.ok) throw new Error('parsed');
    const answer = responseForParseError(result.error);
    expect(answer?.status).toBe(400);
    expect(answer?.reason).toContain('CSeq');
    expect(answer?.topVia().branch).toBe('z9hG4bK776asdhds');
    expect(answer?.header('CSeq')).toBe('99999999999 INVITE');
    expect(parseMessage(serializeMessage(answer!), { validate: false }).ok).toBe(true);
  });

  it('leaves out copied values holding control characters instead of throwing', () => {
    const bytes = message(
      INVITE_LINES.map((l) =>
        l.startsWith('CSeq:')
          ? 'CSeq: 99999999999 INVITE'
          : l.startsWith('To:')
            ? 'To: <sip:b\u0001@x>'
            : l,
      ),
      SDP_OFFER,
    );
    const result = parseMessage(bytes);
    if (result.ok) throw new Error('parsed');
    const answer = responseForParseError(result.error);
    expect(answer?.status).toBe(400);
    expect(answer?.header('To')).toBeUndefined();
    expect(() => serializeMessage(answer!)).not.toThrow();
  });

  it('does not answer ACKs or requests without Via', () => {
    const ack = parseMessage(
      message([
        'ACK sip:x.example SIP/2.0',
        'Via: SIP/2.0/UDP h;branch=z9hG4bKa',
        'CSeq: 1 INVITE',
      ]),
    );
    if (ack.ok) throw new Error('parsed');
    expect(responseForParseError(ack.error)).toBeUndefined();
    const noVia = parseMessage(message(['OPTIONS sip:x.example SIP/2.0', 'CSeq: 1 OPTIONS']));
    if (noVia.ok) throw new Error('parsed');
    expect(responseForParseError(noVia.error)).toBeUndefined();
  });
});

describe('withReceived (RFC 3261 §18.2.1, RFC 3581 §4)', () => {
  it('adds received when the sent-by differs from the source, and fills a bare rport', () => {
    const request = invite();
    const stamped = withReceived(request, { address: '203.0.113.9', port: 40123 });
    expect(stamped.topVia()).toMatchObject({
      received: '203.0.113.9',
      rport: 40123,
      branch: 'z9hG4bK776asdhds',
    });
    expect(request.topVia().received).toBeUndefined();
  });

  it('adds received even for the same address when rport is asked for', () => {
    const request = invite(
      INVITE_LINES.map((l) =>
        l.startsWith('Via:') ? 'Via: SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKa' : l,
      ),
    );
    expect(withReceived(request, { address: '192.0.2.1', port: 5060 }).topVia()).toMatchObject({
      received: '192.0.2.1',
      rport: 5060,
    });
  });

  it('leaves a request alone when the sent-by is the source address and there is no rport', () => {
    const request = invite(
      INVITE_LINES.map((l) =>
        l.startsWith('Via:')
          ? 'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa, SIP/2.0/UDP p.example;branch=z9hG4bKb'
          : l,
      ),
    );
    expect(withReceived(request, { address: '192.0.2.1', port: 5060 })).toBe(request);
    const other = withReceived(request, { address: '192.0.2.7', port: 5060 });
    expect(other.via().map((v) => v.received)).toEqual(['192.0.2.7', undefined]);
    expect(other.headerValues('via')).toHaveLength(1);
  });

  it('compares IPv6 sent-by without brackets', () => {
    const request = invite(
      INVITE_LINES.map((l) =>
        l.startsWith('Via:') ? 'Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKa' : l,
      ),
    );
    expect(withReceived(request, { address: '2001:DB8::1', port: 5060 })).toBe(request);
  });
});

describe('identifiers', () => {
  it('makes unique RFC 3261 branches, tags and Call-IDs made of token characters', () => {
    const branches = new Set(Array.from({ length: 1000 }, () => newBranch()));
    expect(branches.size).toBe(1000);
    for (const branch of branches) expect(isRfc3261Branch(branch)).toBe(true);
    expect(newTag()).toMatch(/^[A-Za-z0-9_-]{11}$/);
    expect(newCallId()).toMatch(/^[0-9a-f-]{36}$/);
    expect(newCallId('host.example.com')).toMatch(/@host\.example\.com$/);
  });

  it('stays unique and well formed across refills of the random pool', () => {
    // 20,000 tags and branches draw about 170 KB: the 4 KB pool is refilled some 40 times.
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i += 1) {
      const tag = newTag();
      const branch = newBranch();
      expect(tag).toMatch(/^[A-Za-z0-9_-]{11}$/);
      expect(branch).toMatch(/^z9hG4bK[A-Za-z0-9_-]{12}$/);
      seen.add(tag).add(branch);
    }
    expect(seen.size).toBe(20_000);
  });
});

describe('a parsed message', () => {
  it('shares the received buffer for its body', () => {
    const result = parseMessage(INVITE);
    if (!result.ok) throw new Error('did not parse');
    expect(result.message.body.buffer).toBe(INVITE.buffer);
  });
});
