import { describe, expect, it } from 'vitest';
import { SipMessageError } from './errors.js';
import { BRANCH_MAGIC_COOKIE, formatVia, isRfc3261Branch, parseVia, parseViaValue } from './via.js';

describe('parseVia', () => {
  it('reads sent-protocol, sent-by and the known parameters', () => {
    const via = parseViaValue(
      'SIP/2.0/udp pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5067;maddr=224.2.0.1;ttl=16;x-foo=bar',
    );
    expect(via).toMatchObject({
      protocol: 'SIP/2.0',
      transport: 'UDP',
      host: 'pc33.atlanta.example.com',
      port: 5066,
      branch: 'z9hG4bK776asdhds',
      received: '192.0.2.1',
      rport: 5067,
      maddr: '224.2.0.1',
      ttl: 16,
    });
    expect(via.params.get('x-foo')).toBe('bar');
  });

  it('reads a bare rport as true (RFC 3581 §3) and IPv6 sent-by and received', () => {
    const via = parseViaValue(
      'SIP/2.0/TCP [2001:db8::1]:5060;rport;branch=z9hG4bKx;received=2001:db8::2',
    );
    expect(via.rport).toBe(true);
    expect(via.host).toBe('[2001:db8::1]');
    expect(via.port).toBe(5060);
    expect(via.received).toBe('2001:db8::2');
  });

  it('allows whitespace around "/" and ":" and between values', () => {
    const vias = parseVia(
      'SIP  /   2.0 /UDP 192.0.2.2 : 5070 ;branch=a ,  SIP/2.0/WSS  ws.example.com;branch=b',
    );
    expect(vias.map((v) => [v.transport, v.host, v.port, v.branch])).toEqual([
      ['UDP', '192.0.2.2', 5070, 'a'],
      ['WSS', 'ws.example.com', undefined, 'b'],
    ]);
  });

  it.each([
    ['SIP/2.0/UDP 192.0.2.15;;,;,,', 'empty parameter'],
    ['SIP/2.0/UDP', 'missing sent-by'],
    ['SIP/2.0 192.0.2.1', 'expected "/"'],
    ['SIP/2.0/UDP host:70000', 'port'],
    ['SIP/2.0/UDP host;rport=abc', 'rport'],
    ['SIP/2.0/UDP host;ttl=300', 'ttl'],
    ['SIP/2.0/UDP host;branch', 'branch without a value'],
    ['SIP/2.0/UDP host, ', 'empty list element'],
    ['SIP/2.0/UDP [::1', 'IPv6'],
  ])('rejects %j', (value, detail) => {
    expect(() => parseVia(value)).toThrow(SipMessageError);
    expect(() => parseVia(value)).toThrow(detail);
  });
});

describe('formatVia', () => {
  it('writes a value that parses back to the same fields', () => {
    const text =
      'SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKabc;received=2001:db8::9;rport=6000;ttl=1;x=y';
    const via = parseViaValue(text);
    expect(parseViaValue(formatVia(via))).toEqual(via);
    expect(
      formatVia({ transport: 'ws', host: 'df7jal23ls0d.invalid', branch: 'z9hG4bKx', rport: true }),
    ).toBe('SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKx;rport');
  });
});

describe('isRfc3261Branch', () => {
  it('needs the magic cookie and something after it (RFC 4475 §3.2.1)', () => {
    expect(isRfc3261Branch(`${BRANCH_MAGIC_COOKIE}74bf9`)).toBe(true);
    expect(isRfc3261Branch(BRANCH_MAGIC_COOKIE)).toBe(false);
    expect(isRfc3261Branch('390skdjuw')).toBe(false);
    expect(isRfc3261Branch(undefined)).toBe(false);
  });
});
