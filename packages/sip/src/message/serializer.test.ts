import { describe, expect, it } from 'vitest';
import { createResponse } from './builders.js';
import { SipRequest } from './message.js';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serializer.js';
import { INVITE, OK, SDP_OFFER, message } from './test-support/messages.js';

function parse(bytes: Buffer) {
  const result = parseMessage(bytes);
  if (!result.ok) throw new Error(`did not parse: ${result.error.reason}`);
  return result.message;
}

describe('serializeMessage', () => {
  it('writes a parsed message back byte for byte when it was already canonical', () => {
    expect(serializeMessage(parse(INVITE)).toString()).toBe(INVITE.toString());
    expect(serializeMessage(parse(OK)).equals(OK)).toBe(true);
  });

  it('writes canonical names, CRLF line ends, unfolded values and a correct Content-Length', () => {
    const input = Buffer.from(
      [
        'OPTIONS sip:Bob@Biloxi.example.com;Transport=TCP SIP/2.0',
        'v: SIP/2.0/UDP h.example.com;branch=z9hG4bKa',
        'f: <sip:a@x.example>;tag=1',
        't: <sip:b@y.example>',
        'call-id: abc@h',
        'cseq: 1 OPTIONS',
        'X-Custom-thing: folded',
        '  value',
        'l: 3',
        '',
        'abcdef',
      ].join('\n'),
    );
    expect(serializeMessage(parse(input)).toString()).toBe(
      [
        'OPTIONS sip:Bob@Biloxi.example.com;transport=TCP SIP/2.0',
        'Via: SIP/2.0/UDP h.example.com;branch=z9hG4bKa',
        'From: <sip:a@x.example>;tag=1',
        'To: <sip:b@y.example>',
        'Call-ID: abc@h',
        'CSeq: 1 OPTIONS',
        'X-Custom-thing: folded value',
        'Content-Length: 3',
        '',
        'abc',
      ].join('\r\n'),
    );
  });

  it('corrects a stale Content-Length and adds a missing one at the end', () => {
    const stale = parse(INVITE).withHeader('Content-Length', '5');
    const wire = serializeMessage(stale).toString();
    expect(wire).toContain(`Content-Length: ${String(Buffer.byteLength(SDP_OFFER))}\r\n`);
    expect(wire.match(/Content-Length/g)).toHaveLength(1);
    const built = new SipRequest({ method: 'OPTIONS', uri: 'sip:x.example', body: 'é' });
    expect(serializeMessage(built).toString()).toBe(
      'OPTIONS sip:x.example SIP/2.0\r\nContent-Length: 2\r\n\r\né',
    );
  });

  it('writes compact names when asked (RFC 3261 §7.3.3)', () => {
    const wire = serializeMessage(parse(INVITE), { compactHeaders: true }).toString();
    expect(wire).toMatch(/^INVITE sip:bob@biloxi\.example\.com SIP\/2\.0\r\nv: /);
    for (const line of [
      'f: ',
      't: ',
      'i: ',
      'm: ',
      'k: ',
      'c: application/sdp',
      'l: ',
      'Max-Forwards: 70',
      'CSeq: ',
    ]) {
      expect(wire).toContain(`\r\n${line}`);
    }
    expect(serializeMessage(parse(Buffer.from(wire))).equals(serializeMessage(parse(INVITE)))).toBe(
      true,
    );
  });

  it('writes responses with an empty reason phrase and binary bodies', () => {
    const request = parse(INVITE);
    if (request.kind !== 'request') throw new Error('not a request');
    const binary = Buffer.from([0, 1, 2, 13, 10, 13, 10, 255]);
    const response = createResponse(request, 100, '').withBody(binary, 'application/octet-stream');
    const wire = serializeMessage(response);
    expect(wire.toString('latin1').startsWith('SIP/2.0 100 \r\n')).toBe(true);
    const again = parse(wire);
    expect(again.kind === 'response' && again.reason).toBe('');
    expect(again.body.equals(binary)).toBe(true);
  });

  it('round-trips a message with every kind of header value', () => {
    const input = message([
      'REGISTER sips:registrar.example.com SIP/2.0',
      'Via: SIP/2.0/TLS [2001:db8::5]:5061;branch=z9hG4bKr;rport, SIP/2.0/TCP p.example;branch=z9hG4bKq',
      'From: "Ålice \\"A\\"" <sips:alice@example.com>;tag=x',
      'To: <sips:alice@example.com>',
      'Call-ID: reg@[2001:db8::5]',
      'CSeq: 2 REGISTER',
      'Contact: <sips:alice@[2001:db8::5]:5061;transport=tls>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";expires=600',
      'Authorization: Digest username="alice", realm="example.com", nonce="n", uri="sips:registrar.example.com", response="r"',
      'Expires: 600',
      'Content-Length: 0',
    ]);
    const first = parse(input);
    const second = parse(serializeMessage(first));
    expect(second.headers).toEqual(first.headers);
    expect(second.contact()).toEqual(first.contact());
    expect(second.from()).toEqual(first.from());
  });
});
