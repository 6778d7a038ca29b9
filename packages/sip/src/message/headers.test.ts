import { describe, expect, it } from 'vitest';
import {
  canonicalHeaderName,
  compactHeaderName,
  headerKey,
  isListHeader,
  splitHeaderValue,
} from './headers.js';

describe('header names', () => {
  it.each([
    ['i', 'call-id', 'Call-ID'],
    ['m', 'contact', 'Contact'],
    ['e', 'content-encoding', 'Content-Encoding'],
    ['l', 'content-length', 'Content-Length'],
    ['c', 'content-type', 'Content-Type'],
    ['f', 'from', 'From'],
    ['s', 'subject', 'Subject'],
    ['k', 'supported', 'Supported'],
    ['t', 'to', 'To'],
    ['v', 'via', 'Via'],
    ['o', 'event', 'Event'],
    ['u', 'allow-events', 'Allow-Events'],
    ['r', 'refer-to', 'Refer-To'],
    ['b', 'referred-by', 'Referred-By'],
    ['x', 'session-expires', 'Session-Expires'],
    ['y', 'identity', 'Identity'],
    ['a', 'accept-contact', 'Accept-Contact'],
  ])('expands the compact form %s (RFC 3261 §7.3.3, IANA)', (letter, key, canonical) => {
    expect(headerKey(letter)).toBe(key);
    expect(headerKey(letter.toUpperCase())).toBe(key);
    expect(canonicalHeaderName(letter)).toBe(canonical);
    expect(compactHeaderName(canonical)).toBe(letter);
  });

  it('canonicalises known and unknown names', () => {
    expect(canonicalHeaderName('CALL-ID')).toBe('Call-ID');
    expect(canonicalHeaderName('cseq')).toBe('CSeq');
    expect(canonicalHeaderName('www-authenticate')).toBe('WWW-Authenticate');
    expect(canonicalHeaderName('x-my-header')).toBe('X-My-Header');
    expect(compactHeaderName('max-forwards')).toBe('Max-Forwards');
    expect(headerKey('q')).toBe('q');
  });

  it('splits list headers only', () => {
    expect(isListHeader('v')).toBe(true);
    expect(isListHeader('Authorization')).toBe(false);
    expect(splitHeaderValue('Allow', 'INVITE, ACK ,BYE')).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(splitHeaderValue('Warning', '301 h "a, b", 399 h "c"')).toEqual([
      '301 h "a, b"',
      '399 h "c"',
    ]);
    expect(
      splitHeaderValue('Contact', '"x, y" <sip:a@b.example;p=1,2>, <sip:c@d.example>'),
    ).toEqual(['"x, y" <sip:a@b.example;p=1,2>', '<sip:c@d.example>']);
    expect(splitHeaderValue('Date', 'Sat, 13 Nov 2010 23:29:00 GMT')).toEqual([
      'Sat, 13 Nov 2010 23:29:00 GMT',
    ]);
    expect(splitHeaderValue('Subject', 'a, b')).toEqual(['a, b']);
  });

  it('keys names the same way before and after a flood of unknown names (the key cache)', () => {
    const spellings = ['Via', 'VIA', 'v', 'V', 'Max-Forwards', 'max-forwards', 'i', 'Call-ID'];
    const before = spellings.map(headerKey);
    for (let i = 0; i < 5_000; i += 1)
      expect(headerKey(`X-Flood-${String(i)}`)).toBe(`x-flood-${String(i)}`);
    expect(spellings.map(headerKey)).toEqual(before);
    expect(before).toEqual([
      'via',
      'via',
      'via',
      'via',
      'max-forwards',
      'max-forwards',
      'call-id',
      'call-id',
    ]);
    // Spellings seen for the first time after the flood are right too.
    expect(['vIa', 'MAX-FORWARDS', 'I'].map(headerKey)).toEqual(['via', 'max-forwards', 'call-id']);
  });
});
