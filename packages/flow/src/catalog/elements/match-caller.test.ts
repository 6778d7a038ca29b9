import { describe, expect, it } from 'vitest';
import { codePin, matchCallerElement } from './match-caller.js';
import { contextFor, factsFor } from './test-support.js';

const env = { handlingCodes: ['VIP', 'FAMILY', 'BLOCK'] };
const parse = (raw: unknown) => matchCallerElement.config.parse(raw);
const FIXED = ['known-no-code', 'unknown', 'anonymous'];

describe('match-caller element', () => {
  describe('config', () => {
    it('accepts no settings, or codes which it upper-cases', () => {
      expect(parse({})).toEqual({});
      expect(parse({ codes: [' vip', 'Family'] }).codes).toEqual(['VIP', 'FAMILY']);
      expect(parse({ codes: [] }).codes).toEqual([]);
    });

    it('refuses codes that cannot be handling codes', () => {
      for (const code of ['', '1VIP', 'V I P', 'a'.repeat(33)]) {
        const result = matchCallerElement.config.safeParse({ codes: [code] });
        expect(result.success, code).toBe(false);
        expect(result.error?.issues[0]?.path).toEqual(['codes', 0]);
      }
      expect(matchCallerElement.config.safeParse({ codes: 'VIP' }).success).toBe(false);
      expect(matchCallerElement.config.safeParse({ code: ['VIP'] }).success).toBe(false);
    });
  });

  describe('pins', () => {
    it("has one optional pin per user's code, then the required fixed pins", () => {
      const pins = matchCallerElement.pins(parse({}), env);
      expect(pins.map((p) => p.id)).toEqual(['code:VIP', 'code:FAMILY', 'code:BLOCK', ...FIXED]);
      expect(pins.slice(0, 3).map((p) => [p.label, p.required])).toEqual([
        ['VIP', false],
        ['FAMILY', false],
        ['BLOCK', false],
      ]);
      expect(pins.slice(3).every((p) => p.required)).toBe(true);
      expect(pins.find((p) => p.id === 'known-no-code')?.label).toBe('Known contact, no code');
      expect(pins.find((p) => p.id === 'unknown')?.label).toBe('Unknown caller');
    });

    it('with codes listed has pins for exactly those, whatever the environment', () => {
      const config = parse({ codes: ['family', 'VIP', 'FAMILY'] });
      expect(matchCallerElement.pins(config, env).map((p) => p.id)).toEqual([
        'code:FAMILY',
        'code:VIP',
        ...FIXED,
      ]);
      // Checked without the user's codes at hand (a file on the command line): same pins.
      expect(matchCallerElement.pins(config, { handlingCodes: [] }).map((p) => p.id)).toEqual([
        'code:FAMILY',
        'code:VIP',
        ...FIXED,
      ]);
    });

    it('has only the fixed pins for a user without codes', () => {
      expect(matchCallerElement.pins(parse({}), { handlingCodes: [] }).map((p) => p.id)).toEqual(
        FIXED,
      );
    });
  });

  describe('run', () => {
    const run = (raw: unknown, facts: Parameters<typeof factsFor>[0]) =>
      matchCallerElement.run(contextFor(parse(raw), { facts: factsFor(facts) }));

    it('sends a contact with a code out by its code pin', async () => {
      const outcome = await run({}, { handlingCode: 'VIP' });
      expect(outcome.pin).toBe(codePin('VIP'));
      expect(outcome.detail).toEqual({ callerKind: 'known', handlingCode: 'VIP' });
    });

    it('sends a contact without a code out by known-no-code', async () => {
      expect((await run({}, { handlingCode: null })).pin).toBe('known-no-code');
    });

    it('treats a code without a pin as no code', async () => {
      // Left out of the list.
      expect((await run({ codes: ['VIP'] }, { handlingCode: 'FAMILY' })).pin).toBe('known-no-code');
      // Not among the user's codes (deleted since the contact was written).
      expect((await run({}, { handlingCode: 'OLD' })).pin).toBe('known-no-code');
      expect((await run({ codes: [] }, { handlingCode: 'VIP' })).pin).toBe('known-no-code');
    });

    it('uses a listed code even when the user has since dropped it', async () => {
      const outcome = await run(
        { codes: ['VIP'] },
        { handlingCode: 'VIP', user: { handlingCodes: [] } },
      );
      expect(outcome.pin).toBe('code:VIP');
    });

    it('sends unknown and anonymous callers out by their pins, code or not', async () => {
      expect((await run({}, { callerKind: 'unknown' })).pin).toBe('unknown');
      expect((await run({}, { callerKind: 'anonymous' })).pin).toBe('anonymous');
      expect((await run({}, { callerKind: 'unknown', handlingCode: 'VIP' })).pin).toBe('unknown');
    });
  });
});
