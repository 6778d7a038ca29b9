/**
 * Property and fuzz tests: whatever the bytes, the parsers return a result and never throw;
 * whatever they accept can be read, serialised and parsed again to the same message.
 */
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SipMessageError } from './errors.js';
import { SipRequest, type SipMessage } from './message.js';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serializer.js';
import { SipStreamParser } from './stream-parser.js';
import { INVITE, OK } from './test-support/messages.js';
import { sipUri } from './uri.js';

const STATUSES = new Set([400, 416, 501, 505, 513]);

const TORTURE = new URL('./torture/', import.meta.url);
const SEEDS: Buffer[] = [
  INVITE,
  OK,
  ...readdirSync(TORTURE)
    .filter((file) => file.endsWith('.dat'))
    .map((file) => readFileSync(new URL(file, TORTURE))),
];

/** Reads everything a layer above might read; only SipMessageError may come out. */
function readAll(message: SipMessage): void {
  const reads: (() => unknown)[] = [
    () => message.via(),
    () => message.from(),
    () => message.to(),
    () => message.cseq(),
    () => message.callId,
    () => message.contact(),
    () => message.maxForwards(),
    () => message.route(),
    () => message.recordRoute(),
    () => message.contentType,
    () => message.expires(),
    () => message.headerList('Allow'),
  ];
  for (const read of reads) {
    try {
      read();
    } catch (error) {
      if (!(error instanceof SipMessageError)) throw error;
      expect(error.status).toBe(400);
    }
  }
}

/** Header fields by key and value, without Content-Length (which the serializer rewrites). */
function fields(message: SipMessage): [string | undefined, string][] {
  return message.headers
    .map((field, i): [string | undefined, string] => [message.headerKeys[i], field.value])
    .filter(([key]) => key !== 'content-length');
}

function checkResult(bytes: Buffer): void {
  const result = parseMessage(bytes);
  if (!result.ok) {
    expect(STATUSES.has(result.error.status)).toBe(true);
    expect(Array.isArray(result.error.partial.via)).toBe(true);
    return;
  }
  readAll(result.message);
  // What the parser accepts, the serializer writes in a form the parser accepts again.
  const again = parseMessage(serializeMessage(result.message));
  if (!again.ok)
    throw new Error(
      `accepted message does not re-parse: ${again.error.reason}\n${bytes.toString('latin1')}`,
    );
  expect(fields(again.message)).toEqual(fields(result.message));
  expect(again.message.body.equals(result.message.body)).toBe(true);
}

/** One edit of a valid message. */
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('special' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      '\r\n',
      '\n',
      '\r',
      ' ',
      '\t',
      ':',
      ';',
      ',',
      '"',
      '<',
      '>',
      '\\',
      '%',
      '@',
      '=',
      '\0',
      '\r\n ',
      '\r\n\r\n',
      'é',
    ),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 16 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 80 }),
  }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(input: Buffer, edits: readonly Mutation[]): Buffer {
  let bytes = input;
  for (const edit of edits) {
    const at = bytes.length === 0 ? 0 : edit.at % (bytes.length + 1);
    switch (edit.kind) {
      case 'flip': {
        if (at < bytes.length) {
          bytes = Buffer.from(bytes);
          bytes[at] = edit.byte;
        }
        break;
      }
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(edit.bytes), bytes.subarray(at)]);
        break;
      case 'special':
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(edit.text), bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + edit.length)]);
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
      case 'duplicate':
        bytes = Buffer.concat([bytes.subarray(0, at + edit.length), bytes.subarray(at)]);
        break;
    }
  }
  return bytes;
}

describe('fuzzing parseMessage', () => {
  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (array) => {
        checkResult(Buffer.from(array));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on random text that looks like SIP', () => {
    const line = fc.oneof(
      fc.constantFrom(
        'INVITE sip:a@b SIP/2.0',
        'SIP/2.0 200 OK',
        'Via: SIP/2.0/UDP h;branch=z9hG4bKx',
        'l: 0',
        'Content-Length: 3',
      ),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 20 }),
        fc.constantFrom('\r\n', '\n'),
        (lines, eol) => {
          checkResult(Buffer.from(lines.join(eol)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutations of valid and torture messages', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SEEDS),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        (seed, edits) => {
          checkResult(mutate(seed, edits));
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('fuzzing SipStreamParser', () => {
  it('never throws whatever the chunks, and frames valid streams the same way however they are cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(INVITE, OK, Buffer.from('\r\n\r\n'), Buffer.from('\r\n')), {
          maxLength: 6,
        }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 10 }),
        (parts, cuts) => {
          const stream = Buffer.concat(parts);
          const whole = new SipStreamParser()
            .push(stream)
            .filter((e) => e.type === 'message').length;
          const parser = new SipStreamParser();
          let count = 0;
          let pos = 0;
          let i = 0;
          while (pos < stream.length) {
            const size = cuts[i % cuts.length] ?? 1;
            count += parser
              .push(stream.subarray(pos, pos + size))
              .filter((e) => e.type === 'message').length;
            pos += size;
            i += 1;
          }
          expect(count).toBe(whole);
          expect(count).toBe(parts.filter((p) => p.length > 4).length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws on mutated streams', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...SEEDS), { minLength: 1, maxLength: 3 }),
        fc.array(mutation, { maxLength: 4 }),
        fc.integer({ min: 1, max: 200 }),
        (parts, edits, chunk) => {
          const stream = mutate(Buffer.concat(parts), edits);
          const parser = new SipStreamParser({ maxMessageSize: 4000 });
          for (let pos = 0; pos < stream.length; pos += chunk) {
            for (const event of parser.push(stream.subarray(pos, pos + chunk))) {
              if (event.type === 'message') readAll(event.message);
              if (event.type === 'invalid' || event.type === 'fatal')
                expect(STATUSES.has(event.error.status)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('round trip of generated messages', () => {
  const token = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.!%*_+`'~-]{0,10}$/);
  const text = fc.string({ maxLength: 30 }).map((s) => s.replace(/[\0\r\n]/g, ' ').trim());
  it('parse(serialize(message)) is the message', () => {
    fc.assert(
      fc.property(
        fc.record({
          method: fc.constantFrom('INVITE', 'OPTIONS', 'REGISTER', 'BYE', 'MESSAGE'),
          user: fc.option(fc.string({ minLength: 1, maxLength: 10 }), { nil: undefined }),
          host: fc.constantFrom('example.com', '192.0.2.7', '[2001:db8::7]'),
          extra: fc.array(
            fc.tuple(
              token.map((t) => `X-${t}`),
              text,
            ),
            { maxLength: 6 },
          ),
          seq: fc.integer({ min: 0, max: 0xffffffff }),
          body: fc.uint8Array({ maxLength: 200 }),
        }),
        ({ method, user, host, extra, seq, body }) => {
          const request = new SipRequest({
            method,
            uri: sipUri({ user, host }),
            headers: [
              { name: 'Via', value: 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKgen' },
              { name: 'From', value: '<sip:gen@example.com>;tag=g' },
              { name: 'To', value: '<sip:gen@example.com>' },
              { name: 'Call-ID', value: 'gen@example.com' },
              { name: 'CSeq', value: `${String(seq)} ${method}` },
              ...extra.map(([name, value]) => ({ name, value })),
            ],
            body: Buffer.from(body),
          });
          const result = parseMessage(serializeMessage(request));
          if (!result.ok) throw new Error(result.error.reason);
          const parsed = result.message;
          if (parsed.kind !== 'request') throw new Error('not a request');
          expect(parsed.method).toBe(method);
          expect(parsed.uri).toEqual(request.uri);
          expect(parsed.cseq()).toEqual({ seq, method });
          expect(parsed.headers.slice(0, -1)).toEqual(request.headers);
          expect(parsed.body.equals(request.body)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
