import { describe, expect, it } from 'vitest';
import { SipMessageError } from './errors.js';
import {
  formatNameAddr,
  isCallId,
  parseFromTo,
  parseNameAddr,
  parseNameAddrList,
} from './name-addr.js';
import { parseUri, serializeUri } from './uri.js';

describe('parseNameAddr', () => {
  it('reads a quoted display name with escapes, the URI and parameters', () => {
    const value = parseNameAddr(
      '"Alice \\"Al\\" \\\\ Smith" <sip:alice@atlanta.example.com;transport=tcp>;tag=1928301774;x="a;b"',
      'From',
    );
    expect(value.displayName).toBe('Alice "Al" \\ Smith');
    expect(serializeUri(value.uri)).toBe('sip:alice@atlanta.example.com;transport=tcp');
    expect(value.params).toEqual(
      new Map([
        ['tag', '1928301774'],
        ['x', '"a;b"'],
      ]),
    );
  });

  it('reads token display names, joined by single spaces', () => {
    expect(parseNameAddr('Alice   Smith <sip:a@b.example>', 'To').displayName).toBe('Alice Smith');
    expect(parseNameAddr('caller<sip:caller@example.com>', 'From').displayName).toBe('caller');
    expect(parseNameAddr('<sip:a@b.example>', 'To').displayName).toBeUndefined();
  });

  it('treats every ";" after an addr-spec as a header parameter (RFC 3261 §20.10)', () => {
    const value = parseNameAddr('sip:+19725552222@gw1.example.net;unknownparam;tag=5', 'Contact');
    expect(value.uri).toEqual(parseUri('sip:+19725552222@gw1.example.net'));
    expect(value.params).toEqual(
      new Map([
        ['unknownparam', null],
        ['tag', '5'],
      ]),
    );
  });

  it('allows whitespace around ";" and "=" in parameters', () => {
    const value = parseNameAddr('sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n', 'To');
    expect(value.params.get('tag')).toBe('1918181833n');
  });

  it('reads tel and other schemes', () => {
    expect(parseNameAddr('<tel:+1-201-555-0123>;tag=9', 'From').uri.kind).toBe('tel');
    expect(parseNameAddr('<urn:service:sos>', 'To').uri).toMatchObject({
      kind: 'absolute',
      scheme: 'urn',
    });
  });

  it.each([
    ['"Mr. J. User <sip:j.user@example.com>', 'unterminated'],
    ['Watson, Thomas <sip:t.watson@example.org>', 'must be quoted'],
    ['"Watson, Thomas" < sip:t.watson@example.org >', 'Invalid URI'],
    ['sip:user@example.com?Route=%3Csip:sip.example.com%3E', 'enclosed in <>'],
    ['<sip:user@example.com', 'missing ">"'],
    ['"name" sip:user@example.com', 'followed by <URI>'],
    ['<sip:user@example.com>;;;;', 'empty parameter'],
    ['<sip:user@example.com>;tag=', 'empty value'],
    ['<sip:user@example.com> junk', 'where ";" was expected'],
    ['', 'empty value'],
  ])('rejects %j with a 400 naming the header', (text, detail) => {
    try {
      parseNameAddr(text, 'To');
      throw new Error('parsed');
    } catch (error) {
      expect(error).toBeInstanceOf(SipMessageError);
      const e = error as SipMessageError;
      expect(e.status).toBe(400);
      expect(e.header).toBe('To');
      expect(e.message).toContain('To');
      expect(e.message).toContain(detail);
    }
  });

  it('requires the angle-bracket form when asked (Route, Record-Route)', () => {
    expect(() => parseNameAddr('sip:p1.example.com;lr', 'Route', false)).toThrow(SipMessageError);
    expect(parseNameAddr('<sip:p1.example.com;lr>', 'Route', false).params.size).toBe(0);
  });
});

describe('lists and From/To', () => {
  it('splits lists at commas outside quotes and brackets', () => {
    const list = parseNameAddrList(
      '"Doe, John" <sip:a@x.example;p=1>, <sip:b,c@y.example>;q=0.5,sip:c@z.example',
      'Contact',
    );
    expect(list.map((v) => v.displayName)).toEqual(['Doe, John', undefined, undefined]);
    expect(list[1]?.params.get('q')).toBe('0.5');
    expect(list).toHaveLength(3);
    expect(() => parseNameAddrList('<sip:a@x.example>,,<sip:b@x.example>', 'Contact')).toThrow(
      'empty list element',
    );
  });

  it('gives From/To their tag', () => {
    expect(parseFromTo('<sip:a@x.example>;tag=abc', 'From').tag).toBe('abc');
    expect(parseFromTo('<sip:a@x.example>', 'To').tag).toBeUndefined();
    expect(() => parseFromTo('<sip:a@x.example>;tag', 'To')).toThrow(
      'tag parameter without a value',
    );
  });
});

describe('formatNameAddr', () => {
  it('quotes the display name and parses back to the same value', () => {
    const original = parseNameAddr(
      'Bob <sips:bob@biloxi.example.com>;tag=a6c85cf;expires=3600',
      'To',
    );
    const text = formatNameAddr(original);
    expect(text).toBe('"Bob" <sips:bob@biloxi.example.com>;tag=a6c85cf;expires=3600');
    expect(parseNameAddr(text, 'To')).toEqual(original);
    const tricky = {
      displayName: 'A "quoted" \\ name',
      uri: parseUri('sip:a@x.example'),
      params: new Map([['x', 'a b']]),
    };
    expect(parseNameAddr(formatNameAddr(tricky), 'To')).toEqual({
      ...tricky,
      params: new Map([['x', '"a b"']]),
    });
  });
});

describe('isCallId', () => {
  it('accepts word [@ word] and nothing else', () => {
    expect(isCallId('a84b4c76e66710@pc33.atlanta.example.com')).toBe(true);
    expect(isCallId('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{')).toBe(true);
    expect(isCallId('')).toBe(false);
    expect(isCallId('a b')).toBe(false);
    expect(isCallId('a@b@c')).toBe(false);
    expect(isCallId('@b')).toBe(false);
  });
});
