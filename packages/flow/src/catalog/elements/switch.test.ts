import { describe, expect, it } from 'vitest';
import { globMatches, switchElement } from './switch.js';
import { contextFor, factsFor, type FactsOverrides } from './test-support.js';

const env = { handlingCodes: [] };
const parse = (raw: unknown) => switchElement.config.parse(raw);
const issuesOf = (raw: unknown) =>
  (switchElement.config.safeParse(raw).error?.issues ?? []).map((i) => ({
    path: i.path,
    message: i.message,
  }));

async function pinFor(
  raw: unknown,
  facts: FactsOverrides = {},
  variables: Record<string, string> = {},
): Promise<string> {
  const outcome = await switchElement.run(
    contextFor(parse(raw), { facts: factsFor(facts), variables }),
  );
  return outcome.pin;
}

const onCaller = (...cases: [string, string, string][]) => ({
  value: 'caller.number',
  cases: cases.map(([id, kind, value]) => ({ id, match: { kind, value } })),
});

describe('switch element', () => {
  describe('config', () => {
    it('fills defaults', () => {
      expect(parse({ cases: [{ id: 'dc', match: { value: '+1202*' } }] })).toEqual({
        value: 'caller.number',
        caseSensitive: false,
        cases: [{ id: 'dc', match: { kind: 'equals', value: '+1202*' } }],
      });
    });

    it('needs at least one case', () => {
      expect(issuesOf({ cases: [] })).toEqual([
        { path: ['cases'], message: 'add at least one case' },
      ]);
      expect(issuesOf({})[0]?.path).toEqual(['cases']);
    });

    it('needs a field for contact fields and variables, and a valid variable name', () => {
      const cases = [{ id: 'a', match: { value: 'x' } }];
      expect(issuesOf({ value: 'contact.field', cases })).toEqual([
        { path: ['field'], message: 'required when value is contact.field' },
      ]);
      expect(issuesOf({ value: 'variable', cases })).toEqual([
        { path: ['field'], message: 'required when value is variable' },
      ]);
      expect(issuesOf({ value: 'variable', field: 'X-ACCOUNT', cases })[0]?.path).toEqual([
        'field',
      ]);
      expect(issuesOf({ value: 'contact.field', field: 'X-ACCOUNT', cases })).toEqual([]);
      expect(issuesOf({ value: 'contact.field', field: 'a.b', cases })[0]?.path).toEqual(['field']);
    });

    it('refuses duplicate, reserved and malformed case ids', () => {
      const match = { value: 'x' };
      expect(
        issuesOf({
          cases: [
            { id: 'a', match },
            { id: 'b', match },
            { id: 'a', match },
          ],
        }),
      ).toEqual([{ path: ['cases', 2, 'id'], message: 'duplicate case id "a" (also cases[0])' }]);
      expect(issuesOf({ cases: [{ id: 'default', match }] })[0]?.path).toEqual(['cases', 0, 'id']);
      expect(issuesOf({ cases: [{ id: 'has space', match }] })[0]?.path).toEqual([
        'cases',
        0,
        'id',
      ]);
    });

    it('refuses an empty or unknown match and an unknown value source', () => {
      expect(issuesOf({ cases: [{ id: 'a', match: { value: '  ' } }] })[0]?.path).toEqual([
        'cases',
        0,
        'match',
        'value',
      ]);
      expect(
        issuesOf({ cases: [{ id: 'a', match: { kind: 'regex', value: '^1' } }] })[0]?.path,
      ).toEqual(['cases', 0, 'match', 'kind']);
      expect(
        issuesOf({ value: 'caller.city', cases: [{ id: 'a', match: { value: 'x' } }] })[0]?.path,
      ).toEqual(['value']);
    });
  });

  it('has a required pin per case in order, then default', () => {
    const pins = switchElement.pins(
      parse({
        cases: [
          { id: 'dc', label: 'Washington', match: { kind: 'prefix', value: '+1202' } },
          { id: 'uk', match: { kind: 'pattern', value: '+44*' } },
        ],
      }),
      env,
    );
    expect(pins).toEqual([
      { id: 'dc', label: 'Washington', required: true },
      { id: 'uk', label: 'pattern +44*', required: true },
      { id: 'default', label: 'No match', required: true },
    ]);
  });

  describe('caller and called numbers', () => {
    it('matches equals, prefix, contains and pattern, first match winning', async () => {
      const config = onCaller(
        ['exact', 'equals', '+12025550199'],
        ['dc', 'pattern', '+1202*'],
        ['prefix', 'prefix', '+1'],
      );
      expect(await pinFor(config, { callerNumber: '+12025550199' })).toBe('exact');
      expect(await pinFor(config, { callerNumber: '+12025550123' })).toBe('dc');
      expect(await pinFor(config, { callerNumber: '+13105550123' })).toBe('prefix');
      expect(await pinFor(config, { callerNumber: '+442071234567' })).toBe('default');
      expect(await pinFor(onCaller(['c', 'contains', '555']))).toBe('c');
    });

    it('ignores the punctuation people write numbers with', async () => {
      const config = onCaller(['a', 'equals', '+1 (202) 555-0123'], ['b', 'pattern', '+44 20 *']);
      expect(await pinFor(config, { callerNumber: '+12025550123' })).toBe('a');
      expect(await pinFor(config, { callerNumber: '+442071234567' })).toBe('b');
    });

    it('sends a withheld number to default', async () => {
      expect(await pinFor(onCaller(['any', 'pattern', '*']), { callerKind: 'anonymous' })).toBe(
        'default',
      );
    });

    it('tests the dialled number', async () => {
      const config = {
        value: 'called.number',
        cases: [{ id: 'sales', match: { kind: 'equals', value: '+12125550100' } }],
      };
      expect(await pinFor(config)).toBe('sales');
      expect(await pinFor(config, { calledNumber: '+12125550101' })).toBe('default');
    });

    it('matches ? as exactly one character', async () => {
      const config = onCaller(['dc', 'pattern', '+1202???????']);
      expect(await pinFor(config, { callerNumber: '+12025550123' })).toBe('dc');
      expect(await pinFor(config, { callerNumber: '+120255501234' })).toBe('default');
    });
  });

  describe('contact fields and groups', () => {
    const field = (name: string, kind: string, value: string) => ({
      value: 'contact.field',
      field: name,
      cases: [{ id: 'hit', match: { kind, value } }],
    });

    it('reads named contact properties case-insensitively', async () => {
      expect(await pinFor(field('organization', 'contains', 'engines'))).toBe('hit');
      expect(await pinFor(field('LastName', 'equals', 'lovelace'))).toBe('hit');
      expect(await pinFor(field('firstName', 'equals', 'Grace'))).toBe('default');
    });

    it('reads other vCard fields whatever their case', async () => {
      expect(await pinFor(field('x-account', 'prefix', 'a-1'))).toBe('hit');
      expect(await pinFor(field('X-ACCOUNT', 'equals', 'A-1001'))).toBe('hit');
      expect(await pinFor(field('x-missing', 'pattern', '*'))).toBe('default');
    });

    it('matches any of the e-mails', async () => {
      const facts = { contact: { emails: ['a@home.example', 'ada@work.example'] } };
      expect(await pinFor(field('emails', 'pattern', '*@work.example'), facts)).toBe('hit');
    });

    it('respects caseSensitive', async () => {
      const config = { ...field('firstName', 'equals', 'ada'), caseSensitive: true };
      expect(await pinFor(config)).toBe('default');
      expect(await pinFor({ ...config, cases: [{ id: 'hit', match: { value: 'Ada' } }] })).toBe(
        'hit',
      );
    });

    it('tests group membership', async () => {
      const config = {
        value: 'contact.group',
        cases: [
          { id: 'vips', match: { value: 'VIP' } },
          { id: 'family', match: { value: 'family' } },
        ],
      };
      expect(await pinFor(config)).toBe('family');
      expect(await pinFor(config, { contact: { groups: ['Work', 'vip'] } })).toBe('vips');
      expect(await pinFor(config, { contact: { groups: [] } })).toBe('default');
      expect(await pinFor(config, { callerKind: 'unknown' })).toBe('default');
    });

    it('does not reach prototype properties', async () => {
      expect(await pinFor(field('constructor', 'pattern', '*'))).toBe('default');
      expect(await pinFor(field('__proto__', 'pattern', '*'))).toBe('default');
    });
  });

  describe('variables', () => {
    const onVariable = (kind: string, value: string) => ({
      value: 'variable',
      field: 'tier',
      cases: [{ id: 'gold', match: { kind, value } }],
    });

    it('tests a flow variable', async () => {
      expect(await pinFor(onVariable('equals', 'gold'), {}, { tier: 'Gold' })).toBe('gold');
      expect(await pinFor(onVariable('equals', 'gold'), {}, { tier: 'silver' })).toBe('default');
      expect(await pinFor(onVariable('pattern', '*'), {}, {})).toBe('default');
      expect(await pinFor(onVariable('pattern', '*'), {}, { tier: '' })).toBe('gold');
    });

    it('finds no inherited property by a variable name', async () => {
      const config = { ...onVariable('pattern', '*'), field: 'constructor' };
      expect(await pinFor(config, {}, {})).toBe('default');
    });

    it('reports the value and the case in the detail', async () => {
      const outcome = await switchElement.run(
        contextFor(parse(onVariable('equals', 'gold')), { variables: { tier: 'gold' } }),
      );
      expect(outcome.detail).toEqual({ value: 'gold', case: 'gold' });
    });
  });

  describe('globMatches', () => {
    it.each([
      ['*', '', true],
      ['*', 'anything', true],
      ['a*b', 'ab', true],
      ['a*b', 'axxb', true],
      ['a*b', 'axxbc', false],
      ['*b*c', 'abxc', true],
      ['a?c', 'abc', true],
      ['a?c', 'ac', false],
      ['+1202*', '+12025550123', true],
      ['+1202*', '+13025550123', false],
      ['.*', 'abc', false],
      ['[0-9]', '5', false],
      ['é?', 'éa', true],
    ])('%s against %s is %s', (pattern, text, expected) => {
      expect(globMatches(pattern, text)).toBe(expected);
    });

    it('stays fast on patterns that make regular expressions backtrack', () => {
      const pattern = `${'*a'.repeat(20)}*b`;
      const text = 'a'.repeat(5000);
      // Correctness only: the walk is O(pattern x text), no time is asserted.
      expect(globMatches(pattern, text)).toBe(false);
      expect(globMatches(pattern, `${text}b`)).toBe(true);
    });
  });
});
