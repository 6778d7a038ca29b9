import { describe, expect, it } from 'vitest';
import { diversionHeader, legIdentity, type LegIdentityContext } from './leg-identity.js';

const context: LegIdentityContext = {
  caller: { number: '+12025550142', name: 'Bob "The Boss"', withheld: false },
  did: '+12025550100',
  localHost: '203.0.113.10',
  diversionReason: 'no-answer',
};

describe('who an outgoing leg says is calling', () => {
  it('passes the caller on to a phone: number and contact name in From, nothing else', () => {
    expect(legIdentity({ via: 'registration' }, context)).toEqual({
      from: '"Bob \\"The Boss\\"" <sip:+12025550142@203.0.113.10>',
      headers: [],
    });
  });

  it('tells the carrier the caller (P-Asserted-Identity) and the number that diverted the call', () => {
    expect(legIdentity({ via: 'trunk' }, context)).toEqual({
      from: '"Bob \\"The Boss\\"" <sip:+12025550142@203.0.113.10>',
      headers: [
        {
          name: 'P-Asserted-Identity',
          value: '"Bob \\"The Boss\\"" <sip:+12025550142@203.0.113.10>',
        },
        { name: 'Diversion', value: '<sip:+12025550100@203.0.113.10>;reason=no-answer;counter=1' },
      ],
    });
  });

  it('keeps a withheld number from the callee but asserts it to the carrier with Privacy: id', () => {
    const withheld = { ...context, caller: { number: '+12025550142', name: null, withheld: true } };
    expect(legIdentity({ via: 'registration' }, withheld).from).toBe(
      '"Anonymous" <sip:anonymous@anonymous.invalid>',
    );
    const trunk = legIdentity({ via: 'trunk' }, withheld);
    expect(trunk.from).toBe('"Anonymous" <sip:anonymous@anonymous.invalid>');
    expect(trunk.headers).toEqual([
      { name: 'P-Asserted-Identity', value: '<sip:+12025550142@203.0.113.10>' },
      { name: 'Privacy', value: 'id' },
      { name: 'Diversion', value: '<sip:+12025550100@203.0.113.10>;reason=no-answer;counter=1' },
    ]);
  });

  it('writes IPv6 hosts in brackets and each RFC 5806 reason', () => {
    for (const reason of ['unconditional', 'user-busy', 'deflection'] as const) {
      expect(
        diversionHeader({ did: '+4930123', localHost: '2001:db8::1', diversionReason: reason }),
      ).toBe(`<sip:+4930123@[2001:db8::1]>;reason=${reason};counter=1`);
    }
  });
});
