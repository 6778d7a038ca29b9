import { describe, expect, it } from 'vitest';
import { manualClock, userInput } from '../../test-support/fixtures.js';
import { dialects, useStore } from '../../test-support/stores.js';
import {
  codePrefixProblem,
  importContacts,
  readHandlingCode,
  type CardEntry,
  type ContactCard,
} from './contact-import.js';

function card(overrides: Partial<ContactCard> = {}): ContactCard {
  return {
    uid: null,
    name: 'Card',
    organization: null,
    emails: [],
    phones: [{ value: '+1 202 555 0142', type: null }],
    categories: [],
    switchboardCode: null,
    ...overrides,
  };
}

describe('readHandlingCode', () => {
  const codes = new Set(['VIP', 'FAMILY', 'BLOCK']);

  it('takes X-SWITCHBOARD-CODE, then a prefixed category, then a NOTE tag, then a plain category', () => {
    expect(
      readHandlingCode(
        card({ switchboardCode: 'vip', categories: ['hc:block'], note: '[hc:family]' }),
        codes,
      ),
    ).toEqual({ code: 'VIP', source: 'x-switchboard-code' });
    expect(
      readHandlingCode(card({ categories: ['Family', 'HC:Block'], note: '[hc:vip]' }), codes),
    ).toEqual({ code: 'BLOCK', source: 'category-prefix' });
    expect(
      readHandlingCode(
        card({ categories: ['Family'], note: 'Met at the fair [hc: vip ] twice' }),
        codes,
      ),
    ).toEqual({ code: 'VIP', source: 'note-tag' });
    expect(readHandlingCode(card({ categories: ['Book club', 'family'] }), codes)).toEqual({
      code: 'FAMILY',
      source: 'category',
    });
    expect(readHandlingCode(card({ categories: ['Book club'], note: 'no tag' }), codes)).toEqual({
      code: null,
      source: null,
    });
  });

  it('keeps explicit codes the user has not defined, and only those', () => {
    expect(readHandlingCode(card({ categories: ['hc:golf'] }), codes).code).toBe('GOLF');
    expect(readHandlingCode(card({ note: '[hc:golf]' }), codes).code).toBe('GOLF');
    // A plain category is a code only when it is one of the user's.
    expect(readHandlingCode(card({ categories: ['golf'] }), codes).code).toBeNull();
  });

  it('uses the prefix it is given, ignoring case', () => {
    expect(readHandlingCode(card({ categories: ['SB-VIP'] }), codes, 'sb-').code).toBe('VIP');
    expect(readHandlingCode(card({ note: 'x [Code=Family] y' }), codes, 'code=').code).toBe(
      'FAMILY',
    );
    expect(readHandlingCode(card({ categories: ['hc:VIP'] }), codes, 'sb-').code).toBeNull();
  });

  it('reports a written code that cannot be one, and tries the next rule', () => {
    expect(readHandlingCode(card({ categories: ['hc:V I P', 'family'] }), codes)).toEqual({
      code: 'FAMILY',
      source: 'category',
    });
    expect(readHandlingCode(card({ categories: ['hc:'], note: '[hc:!!]' }), codes)).toEqual({
      code: null,
      source: null,
      problem: 'left out handling code "": use 1-32 letters, digits, - or _',
    });
    expect(readHandlingCode(card({ switchboardCode: 'no good' }), codes).problem).toContain(
      '"no good"',
    );
  });
});

describe('codePrefixProblem', () => {
  it('accepts short prefixes without spaces or brackets', () => {
    expect(codePrefixProblem('hc:')).toBeUndefined();
    expect(codePrefixProblem('#')).toBeUndefined();
    for (const bad of ['', 'h c:', '[hc', 'x'.repeat(17)]) {
      expect(codePrefixProblem(bad)).toContain('is not a code prefix');
    }
  });
});

describe.each(dialects)('importing codes on %s', (dialect) => {
  const clock = manualClock();
  const store = useStore(dialect, { clock });

  it('imports codes from prefixed categories and note tags, with warnings, per card', async () => {
    await store().users.put(userInput('alice', { country: 'US' }));
    await store().handlingCodes.put({
      userId: 'alice',
      code: 'VIP',
      method: 'builtin:ring-all',
      description: null,
    });
    const entries: CardEntry[] = [
      { index: 0, card: card({ uid: 'a', name: 'Ann', categories: ['sb/vip'] }) },
      {
        index: 1,
        card: card({
          uid: 'b',
          name: 'Ben',
          phones: [{ value: '202 555 0143', type: null }],
          note: 'plumber [sb/golf]',
        }),
      },
      { index: 2, error: 'the card has no END:VCARD', name: 'Broken' },
      {
        index: 3,
        card: card({
          uid: 'c',
          name: 'Cat',
          phones: [{ value: '202 555 0144', type: null }],
          categories: ['sb/not valid'],
        }),
      },
    ];
    const result = await importContacts(store(), 'alice', entries, { clock, codePrefix: 'sb/' });
    expect(result).toMatchObject({
      created: 3,
      skipped: [{ index: 2, name: 'Broken', reason: 'the card has no END:VCARD' }],
      warnings: [
        { index: 1, name: 'Ben', message: expect.stringContaining('GOLF is not one of') as string },
        {
          index: 3,
          name: 'Cat',
          message: expect.stringContaining('left out handling code') as string,
        },
      ],
    });
    const code = async (e164: string) =>
      (await store().contacts.findByPhone('alice', e164))[0]?.handlingCode;
    expect(await code('+12025550142')).toBe('VIP');
    expect(await code('+12025550143')).toBe('GOLF');
    expect(await code('+12025550144')).toBeNull();
  });

  it('refuses a bad prefix before importing anything', async () => {
    await store().users.put(userInput('alice', { country: 'US' }));
    await expect(
      importContacts(store(), 'alice', [{ index: 0, card: card() }], { clock, codePrefix: 'a b' }),
    ).rejects.toMatchObject({ field: 'codePrefix' });
    expect(await store().contacts.countByUser('alice')).toBe(0);
  });
});
