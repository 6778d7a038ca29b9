import { describe, expect, it } from 'vitest';
import { handlingCodeOfCard } from './contact-import.js';

describe('handlingCodeOfCard', () => {
  const codes = new Set(['VIP', 'FAMILY']);

  it('takes X-SWITCHBOARD-CODE first, upper-cased, even when the user lacks that code', () => {
    expect(handlingCodeOfCard({ switchboardCode: ' vip ', categories: ['Family'] }, codes)).toBe(
      'VIP',
    );
    expect(handlingCodeOfCard({ switchboardCode: 'golf', categories: ['Family'] }, codes)).toBe(
      'GOLF',
    );
  });

  it("else takes the first category that is one of the user's codes, ignoring case", () => {
    expect(
      handlingCodeOfCard(
        { switchboardCode: null, categories: ['Book club', 'family', 'VIP'] },
        codes,
      ),
    ).toBe('FAMILY');
    expect(handlingCodeOfCard({ switchboardCode: '  ', categories: ['vip'] }, codes)).toBe('VIP');
  });

  it('else gives none', () => {
    expect(
      handlingCodeOfCard({ switchboardCode: null, categories: ['Book club'] }, codes),
    ).toBeNull();
    expect(handlingCodeOfCard({ switchboardCode: null, categories: [] }, new Set())).toBeNull();
  });
});
