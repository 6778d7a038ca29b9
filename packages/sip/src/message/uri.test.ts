import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SipMessageError } from './errors.js';
import {
  parseUri,
  percentDecode,
  serializeUri,
  sipUri,
  tryParseUri,
  uriEquals,
  type SipUri,
} from './uri.js';

function sip(text: string): SipUri {
  const uri = parseUri(text);
  if (uri.kind !== 'sip') throw new Error(`not a SIP URI: ${text}`);
  return uri;
}

describe('parseUri: sip and sips', () => {
  it('reads every component', () => {
    const uri = sip(
      'sips:alice:secret@Atlanta.example.com:5061;transport=TCP;lr;Maddr=10.0.0.1?Subject=hi%20there&Priority=urgent',
    );
    expect(uri).toEqual({
      kind: 'sip',
      scheme: 'sips',
      user: 'alice',
      password: 'secret',
      host: 'Atlanta.example.com',
      port: 5061,
      params: new Map([
        ['transport', 'TCP'],
        ['lr', null],
        ['maddr', '10.0.0.1'],
      ]),
      headers: [
        { name: 'Subject', value: 'hi there' },
        { name: 'Priority', value: 'urgent' },
      ],
    });
  });

  it('has no user, password or port when they are not written', () => {
    const uri = sip('sip:example.com');
    expect(uri.user).toBeUndefined();
    expect(uri.password).toBeUndefined();
    expect(uri.port).toBeUndefined();
    expect(uri.params.size).toBe(0);
    expect(uri.headers).toEqual([]);
  });

  it('reads IPv4 and IPv6 hosts (IPv6 keeps its brackets)', () => {
    expect(sip('sip:bob@192.0.2.4:5060').host).toBe('192.0.2.4');
    const v6 = sip('sip:bob@[2001:db8::9:1]:5070;transport=udp');
    expect(v6.host).toBe('[2001:db8::9:1]');
    expect(v6.port).toBe(5070);
    expect(sip('sip:[::1]').host).toBe('[::1]');
  });

  it('takes the scheme case-insensitively', () => {
    expect(sip('SIP:bob@example.com').scheme).toBe('sip');
    expect(sip('SiPs:bob@example.com').scheme).toBe('sips');
  });

  it('percent-decodes user, password, parameters and headers, once', () => {
    const uri = sip(
      'sip:%61lice%20b:p%40ss@example.com;n%61me=v%61lue%25%34%31?h%20x=%3Csip:a%40b%3E',
    );
    expect(uri.user).toBe('alice b');
    expect(uri.password).toBe('p@ss');
    expect(uri.params.get('name')).toBe('value%41');
    expect(uri.headers).toEqual([{ name: 'h x', value: '<sip:a@b>' }]);
  });

  it('decodes escaped UTF-8 and NUL', () => {
    expect(sip('sip:%C3%A9t%C3%A9@example.com').user).toBe('été');
    expect(sip('sip:a%00b@example.com').user).toBe('a\0b');
    expect(percentDecode('100%25')).toBe('100%');
  });

  it('keeps user-unreserved characters (; ? / & = + $ ,) in the user part', () => {
    expect(sip('sip:user;par=u%40example.net@example.com').user).toBe('user;par=u@example.net');
    expect(
      sip('sip:+1-202-555-0100;phone-context=example.com@gw.example.com;user=phone').user,
    ).toBe('+1-202-555-0100;phone-context=example.com');
  });

  it.each([
    ['<sip:user@example.com>', 'scheme'],
    ['sip:user@example.com; lr', 'uri-parameter'],
    ['sip:user@example.com?to=sip:bob@biloxi.com', 'header component'],
    ['sip:', 'missing host'],
    ['sip:@example.com', 'empty user part'],
    ['sip:us er@example.com', 'user part'],
    ['sip:user@exa mple.com', 'unexpected'],
    ['sip:user@example.com:99999', 'port'],
    ['sip:user@example.com:', 'port'],
    ['sip:user@[2001:db8::1', 'IPv6'],
    ['sip:user@[zz::1]', 'IPv6'],
    ['sip:user@example.com;;lr', 'uri-parameter'],
    ['sip:user@example.com;=x', 'uri-parameter'],
    ['sip:user@example.com?=x', 'header'],
    ['sip:us%4user@example.com', 'user part'],
    ['sip:us%zzer@example.com', 'user part'],
    ['sip:user@example.com;a="b"', 'uri-parameter value'],
    ['nocolon', 'scheme'],
    ['1sip:x', 'scheme'],
    ['x y:z', 'scheme'],
  ])('rejects %s with a 400 naming the problem', (text, detail) => {
    try {
      parseUri(text);
      throw new Error(`${text} parsed`);
    } catch (error) {
      expect(error).toBeInstanceOf(SipMessageError);
      expect((error as SipMessageError).status).toBe(400);
      expect((error as SipMessageError).message).toContain(detail);
    }
    expect(tryParseUri(text)).toBeUndefined();
  });
});

describe('parseUri: tel (RFC 3966) and other schemes', () => {
  it('reads global and local numbers with parameters', () => {
    expect(parseUri('tel:+1-201-555-0123;ext=1234')).toEqual({
      kind: 'tel',
      scheme: 'tel',
      number: '+1-201-555-0123',
      params: new Map([['ext', '1234']]),
    });
    expect(parseUri('tel:7042;phone-context=example.com')).toMatchObject({
      number: '7042',
      params: new Map([['phone-context', 'example.com']]),
    });
    expect(parseUri('TEL:*21#')).toMatchObject({ kind: 'tel', number: '*21#' });
  });

  it('rejects numbers without digits or with letters outside hex', () => {
    expect(tryParseUri('tel:')).toBeUndefined();
    expect(tryParseUri('tel:+')).toBeUndefined();
    expect(tryParseUri('tel:+1-800-FLOWERS')).toBeUndefined();
    expect(tryParseUri('tel:123;;x')).toBeUndefined();
  });

  it('keeps other schemes opaque', () => {
    expect(parseUri('mailto:alice@example.com')).toEqual({
      kind: 'absolute',
      scheme: 'mailto',
      opaque: 'alice@example.com',
    });
    expect(parseUri('urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6').kind).toBe('absolute');
    expect(tryParseUri('http:')).toBeUndefined();
    expect(tryParseUri('http://a b')).toBeUndefined();
  });
});

describe('serializeUri', () => {
  it('writes a canonical form that parses back to the same URI', () => {
    for (const text of [
      'sip:alice@atlanta.example.com',
      'sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=project%20x&priority=urgent',
      'sip:user;par=u%40example.net@example.com',
      'sip:%00%00@host5.example.com',
      'tel:+1-201-555-0123;ext=1234',
      'urn:service:sos',
    ]) {
      const uri = parseUri(text);
      expect(parseUri(serializeUri(uri))).toEqual(uri);
    }
  });

  it('escapes what a component may not hold literally', () => {
    const uri = sipUri({
      user: 'a b@c:d',
      password: 'p@ss word',
      host: 'example.com',
      params: { Name: 'x y' },
    });
    expect(serializeUri(uri)).toBe('sip:a%20b%40c%3Ad:p%40ss%20word@example.com;name=x%20y');
    expect(serializeUri(sipUri({ user: 'été', host: 'example.com' }))).toBe(
      'sip:%C3%A9t%C3%A9@example.com',
    );
  });

  it('unescapes what needs no escape', () => {
    expect(serializeUri(parseUri('sip:%75se%72@example.com'))).toBe('sip:user@example.com');
  });

  it('round-trips generated SIP URIs', () => {
    const part = fc.string({ minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(
        fc.record({
          user: fc.option(part, { nil: undefined }),
          password: fc.option(part, { nil: undefined }),
          host: fc.constantFrom('example.com', '192.0.2.1', '[2001:db8::1]', 'a-b.c_d.example'),
          port: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
          params: fc.dictionary(
            fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
            fc.option(part, { nil: null }),
          ),
          headers: fc.array(fc.record({ name: part, value: fc.string({ maxLength: 10 }) }), {
            maxLength: 3,
          }),
        }),
        (init) => {
          const uri = sipUri({
            ...init,
            password: init.user === undefined ? undefined : init.password,
          });
          const again = parseUri(serializeUri(uri));
          expect(again).toEqual(uri);
        },
      ),
    );
  });
});

describe('uriEquals (RFC 3261 §19.1.4)', () => {
  // The equivalent and non-equivalent examples of RFC 3261 §19.1.4.
  it.each([
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
    ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'],
    [
      'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
      'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com',
    ],
    [
      'sip:alice@atlanta.com?subject=project%20x&priority=urgent',
      'sip:alice@atlanta.com?priority=urgent&subject=project%20x',
    ],
    ['tel:+1-201-555-0123', 'tel:+1.201.555.0123'],
    ['tel:7042;phone-context=Example.com', 'tel:7042;PHONE-CONTEXT=example.com'],
    ['urn:service:sos', 'URN:service:sos'],
  ])('%s equals %s', (a, b) => {
    expect(uriEquals(parseUri(a), parseUri(b))).toBe(true);
    expect(uriEquals(parseUri(b), parseUri(a))).toBe(true);
  });

  it.each([
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'],
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'],
    ['sip:bob@biloxi.com', 'sips:bob@biloxi.com'],
    ['sip:bob:a@biloxi.com', 'sip:bob:b@biloxi.com'],
    ['sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off'],
    ['tel:+1-201-555-0123', 'tel:+1-201-555-0123;ext=1'],
    ['tel:+12015550123', 'sip:+12015550123@example.com'],
    ['urn:service:sos', 'urn:service:SOS'],
  ])('%s differs from %s', (a, b) => {
    expect(uriEquals(parseUri(a), parseUri(b))).toBe(false);
    expect(uriEquals(parseUri(b), parseUri(a))).toBe(false);
  });
});
