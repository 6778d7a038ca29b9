import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { CardEntry, ContactCard } from '../../domain/services/contact-import.js';
import { parseVCards } from './parse-vcards.js';

async function fixture(name: string): Promise<CardEntry[]> {
  return parseVCards(await readFile(new URL(`./test-fixtures/${name}`, import.meta.url), 'utf8'));
}

function cards(entries: CardEntry[]): ContactCard[] {
  return entries.map((e) => {
    if (!('card' in e)) throw new Error(`card ${String(e.index)} is broken: ${e.error}`);
    return e.card;
  });
}

describe('parseVCards', () => {
  it('reads an Apple Contacts export (vCard 3.0, item groups, labels, photo, folded note)', async () => {
    const [bob, carol, plumber] = cards(await fixture('apple-3.0.vcf'));
    expect(bob).toEqual({
      uid: null,
      name: 'Bob Boss',
      organization: 'Acme Corp',
      emails: ['bob@example.test'],
      phones: [
        { value: '(202) 555-0142', type: 'cell' },
        { value: '202.555.0150', type: 'homefax' },
        { value: '+1 202 555 0151', type: 'boat' },
      ],
      categories: [],
      switchboardCode: 'vip',
      // Unfolded; a `[hc:CODE]` tag in a note can carry a handling code.
      note: 'Prefers calls before 10. Assistant is Dora (ext. 12). This note is long enough that Contacts folded it onto a second line.',
    });
    expect(carol).toMatchObject({
      name: 'Dr. Carol Anne Archer',
      phones: [
        { value: '(202) 555-0123', type: 'cell' },
        { value: '+1 (202) 555-0124', type: 'home' },
      ],
      emails: ['carol@example.test', 'carol.archer@example.test'],
      categories: ['Book club', 'Family'],
      switchboardCode: null,
    });
    // A company card: empty FN and N, so no name; the importer falls back to the organisation.
    expect(plumber).toMatchObject({
      name: null,
      organization: 'Example Plumbing',
      phones: [{ value: '202-555-0177', type: 'work' }],
    });
  });

  it('reads a vCard 4.0 export (UIDs, tel: URIs, quoted TYPE lists, categories)', async () => {
    const [dan, zoe, robocaller] = cards(await fixture('google-4.0.vcf'));
    expect(dan).toEqual({
      uid: 'urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1',
      name: 'Dan Archer',
      organization: null,
      emails: ['dan@example.test'],
      phones: [
        { value: 'tel:+1-202-555-0125', type: 'cell' },
        { value: 'tel:+1-202-555-0126;ext=42', type: 'work' },
      ],
      categories: ['myContacts', 'family'],
      switchboardCode: null,
    });
    expect(zoe).toMatchObject({ name: 'Zoë Ångström', organization: 'Nordic Designs AB' });
    expect(robocaller).toMatchObject({
      categories: ['Block'],
      phones: [{ value: 'tel:+1-202-555-0166', type: null }],
    });
  });

  it('unfolds lines, reports broken cards by index and name, and keeps reading after them', async () => {
    const entries = await fixture('folded-and-broken.vcf');
    expect(entries).toHaveLength(5);
    expect(entries[0]).toEqual({
      index: 0,
      card: {
        uid: 'folded-1',
        name: 'Erin Wilhelmina Example-Longname of the Very Long Family Name That Goes On',
        organization: null,
        emails: [],
        phones: [{ value: '+1 202 555 0178', type: 'work' }],
        categories: ['Suppliers', 'vip'],
        switchboardCode: null,
      },
    });
    expect(entries[1]).toEqual({
      index: 1,
      name: 'Broken Betty',
      error: 'line 5 of the card is not NAME:VALUE: "TEL;TYPE=CELL+1 202 555 0179"',
    });
    expect(entries[2]).toMatchObject({ index: 2, card: { name: 'Gary Garbled' } });
    expect(entries[3]).toMatchObject({ index: 3, card: { name: null, phones: [] } });
    expect(entries[4]).toEqual({
      index: 4,
      name: 'Truncated Tom',
      error: 'the file ends inside this card (no END:VCARD)',
    });
  });

  it('reads vCard 2.1 from Outlook (bare parameters, quoted-printable)', async () => {
    const [card] = cards(await fixture('outlook-2.1.vcf'));
    expect(card).toEqual({
      uid: null,
      name: 'Jürgen Müller',
      organization: 'Outlook Org',
      emails: ['juergen@example.test'],
      phones: [
        { value: '(202) 555-0181', type: 'work' },
        { value: '+1-202-555-0182', type: 'cell' },
      ],
      categories: [],
      switchboardCode: null,
      // Quoted-printable with a soft line break, decoded.
      note: 'First line\nsecond line',
    });
  });

  it('handles LF-only files, escaped commas and a card started before the last one ended', () => {
    const entries = parseVCards(
      [
        'BEGIN:VCARD',
        'VERSION:3.0',
        'FN:Doe\\, John',
        'ORG:Smith\\, Sons & Co;Sales',
        'BEGIN:VCARD',
        'VERSION:3.0',
        'N:Roe;Jane;;;',
        'TEL:+1 202 555 0190',
        'END:VCARD',
      ].join('\n'),
    );
    expect(entries).toEqual([
      {
        index: 0,
        name: 'Doe, John',
        error: 'the card has no END:VCARD before the next BEGIN:VCARD',
      },
      {
        index: 1,
        card: {
          uid: null,
          name: 'Jane Roe',
          organization: null,
          emails: [],
          phones: [{ value: '+1 202 555 0190', type: null }],
          categories: [],
          switchboardCode: null,
        },
      },
    ]);
  });

  it('finds nothing in a file without cards', () => {
    expect(parseVCards('')).toEqual([]);
    expect(parseVCards('this is not a vCard file\n')).toEqual([]);
  });

  it('reads NOTE, and keeps a card whose NOTE the parser refuses', () => {
    const [tagged, odd] = cards(
      parseVCards(
        [
          'BEGIN:VCARD',
          'VERSION:3.0',
          'FN:Tagged Tess',
          'TEL:+1 202 555 0191',
          'NOTE:Met at the fair [hc:VIP]\\nCall back',
          'END:VCARD',
          'BEGIN:VCARD',
          'VERSION:3.0',
          'FN:Odd Note',
          'TEL:+1 202 555 0192',
          // A parameter with no value: ical.js refuses the line.
          'NOTE;X:[hc:VIP]',
          'END:VCARD',
        ].join('\r\n'),
      ),
    );
    expect(tagged).toMatchObject({
      name: 'Tagged Tess',
      note: 'Met at the fair [hc:VIP]\nCall back',
    });
    expect(odd).toMatchObject({ name: 'Odd Note', phones: [{ value: '+1 202 555 0192' }] });
    expect(odd).not.toHaveProperty('note');
  });
});
