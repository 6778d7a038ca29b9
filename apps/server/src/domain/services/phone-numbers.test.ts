import { describe, expect, it } from 'vitest';
import { PhoneNumberError, toE164, tryE164 } from './phone-numbers.js';

describe('toE164', () => {
  it.each([
    ['(202) 555-0142', 'US', '+12025550142'],
    ['+1 202 555 0199', 'US', '+12025550199'],
    ['202.555.0100', 'US', '+12025550100'],
    ['tel:+1-202-555-0100', 'US', '+12025550100'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['+44 20 7946 0958', 'US', '+442079460958'],
    ['01 42 68 53 00', 'FR', '+33142685300'],
  ])('reads %s in %s as %s', (input, country, expected) => {
    expect(toE164(input, country)).toBe(expected);
  });

  it.each(['', '   ', 'call me', '12', 'sip:bob@example.com'])(
    'rejects %j with a reason',
    (input) => {
      expect(() => toE164(input, 'US')).toThrow(PhoneNumberError);
    },
  );

  it('tryE164 returns undefined for garbage from the network', () => {
    expect(tryE164('anonymous', 'US')).toBeUndefined();
  });
});
