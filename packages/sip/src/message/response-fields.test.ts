/**
 * A response built from a request takes the request's parsed Via, From, To, Call-ID and CSeq
 * instead of parsing its copies again, and derived messages (`withAddedHeader`...) keep the
 * parsed values of the fields they did not change. Whatever is handed over must read exactly
 * as the response's own text parses: checked against a round trip through the serializer and
 * the parser, on every RFC 4475 torture request that parses.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createResponse } from './builders.js';
import type { SipMessage, SipRequest } from './message.js';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serializer.js';

const TORTURE = new URL('./torture/', import.meta.url);

function reparsed(message: SipMessage): SipMessage {
  const result = parseMessage(serializeMessage(message));
  if (!result.ok) throw new Error(`does not parse back: ${result.error.reason}`);
  return result.message;
}

/** The typed values of the fields a response copies, read through the accessors. */
function copiedValues(message: SipMessage): unknown {
  return {
    via: message.via(),
    from: message.from(),
    to: message.to(),
    callId: message.callId,
    cseq: message.cseq(),
  };
}

/** Torture requests that parse and make sense to answer (ACK is never answered). */
function tortureRequests(): { name: string; request: SipRequest }[] {
  const out: { name: string; request: SipRequest }[] = [];
  for (const file of readdirSync(TORTURE).filter((name) => name.endsWith('.dat'))) {
    const result = parseMessage(readFileSync(new URL(file, TORTURE)));
    if (result.ok && result.message.kind === 'request' && result.message.method !== 'ACK')
      out.push({ name: file, request: result.message });
  }
  return out;
}

const requests = tortureRequests();

describe('createResponse hands over parsed fields that read as the text does', () => {
  it('has torture requests to try', () => {
    expect(requests.length).toBeGreaterThan(10);
  });

  it.each(requests)('$name: 180 with a To tag, headers and a body', ({ request }) => {
    const response = createResponse(request, 180, undefined, {
      toTag: 'a6c85cf',
      headers: [
        { name: 'Contact', value: '<sip:uas@192.0.2.4>' },
        { name: 'Server', value: 'test' },
      ],
      body: 'v=0\r\n',
      contentType: 'application/sdp',
    });
    expect(copiedValues(response)).toEqual(copiedValues(reparsed(response)));
  });

  it.each(requests)('$name: 100 Trying and a 200 without a tag', ({ request }) => {
    for (const response of [createResponse(request, 100), createResponse(request, 200)])
      expect(copiedValues(response)).toEqual(copiedValues(reparsed(response)));
  });

  it('leaves to the parser a To whose added tag is no token', () => {
    const request = requests[0]?.request;
    if (request === undefined) throw new Error('no request');
    const response = createResponse(request, 200, undefined, { toTag: 'a"b' });
    expect(() => response.to()).toThrow();
  });

  it('builds what withAddedHeader and withBody would have built', () => {
    for (const { request } of requests) {
      const extra = [
        { name: 'Record-Route', value: '<sip:p1.example.com;lr>' },
        { name: 'Contact', value: '<sip:uas@192.0.2.4>' },
        { name: 'Allow', value: 'INVITE, ACK' },
      ];
      const built = createResponse(request, 200, 'OK', {
        toTag: 'x1',
        headers: extra,
        body: 'v=0\r\n',
        contentType: 'application/sdp',
      });
      let stepwise = createResponse(request, 200, 'OK', { toTag: 'x1' });
      for (const field of extra) stepwise = stepwise.withAddedHeader(field.name, field.value);
      stepwise = stepwise.withBody('v=0\r\n', 'application/sdp');
      expect(serializeMessage(built).toString('latin1')).toBe(
        serializeMessage(stepwise).toString('latin1'),
      );
    }
  });
});

describe('derived messages keep the parsed values of the fields they leave alone', () => {
  it.each(requests)('$name', ({ request }) => {
    const derived = request
      .withAddedHeader('Authorization', 'Digest username="a"')
      .withHeader('Max-Forwards', '69')
      .withoutHeader('Subject')
      .withBody('hello', 'text/plain');
    expect(copiedValues(derived)).toEqual(copiedValues(reparsed(derived)));
    expect(derived.contact()).toEqual(reparsed(derived).contact());
    // A changed field is parsed again from its new text.
    const retagged = request.withHeader('To', '<sip:other@example.com>;tag=zz');
    expect(retagged.to().tag).toBe('zz');
    expect(retagged.via()).toEqual(reparsed(retagged).via());
  });
});
