import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { importContacts } from '../../domain/services/contact-import.js';
import { manualClock, userInput } from '../../test-support/fixtures.js';
import { dialects, useStore } from '../../test-support/stores.js';
import { parseVCards } from './parse-vcards.js';

/** vCard files, parsed and imported into a real store: the path of `switchboard contacts import`. */
async function fixture(name: string) {
  return parseVCards(await readFile(new URL(`./test-fixtures/${name}`, import.meta.url), 'utf8'));
}

describe.each(dialects)('importing vCards on %s', (dialect) => {
  const clock = manualClock();
  const store = useStore(dialect, { clock });

  async function alice() {
    await store().users.put(userInput('alice', { country: 'US' }));
    for (const code of ['VIP', 'FAMILY', 'BLOCK']) {
      await store().handlingCodes.put({
        userId: 'alice',
        code,
        method: 'builtin:ring-all',
        description: null,
      });
    }
  }

  it('imports Apple and Google exports with their handling codes', async () => {
    await alice();
    const progress: number[] = [];
    const apple = await importContacts(store(), 'alice', await fixture('apple-3.0.vcf'), {
      clock,
      onProgress: (done) => progress.push(done),
    });
    expect(apple).toEqual({ created: 3, updated: 0, unchanged: 0, skipped: [], warnings: [] });
    expect(progress.at(-1)).toBe(3);
    const google = await importContacts(store(), 'alice', await fixture('google-4.0.vcf'), {
      clock,
    });
    expect(google).toMatchObject({ created: 3, skipped: [], warnings: [] });

    const byPhone = async (e164: string) => (await store().contacts.findByPhone('alice', e164))[0];
    // X-SWITCHBOARD-CODE wins, upper-cased.
    expect(await byPhone('+12025550142')).toMatchObject({
      name: 'Bob Boss',
      organization: 'Acme Corp',
      source: 'import',
      handlingCode: 'VIP',
      phones: [
        { e164: '+12025550142', raw: '(202) 555-0142', type: 'cell' },
        { e164: '+12025550150', raw: '202.555.0150', type: 'homefax' },
        { e164: '+12025550151', raw: '+1 202 555 0151', type: 'boat' },
      ],
    });
    // Else the first category that is one of alice's codes ("Book club" is not).
    expect(await byPhone('+12025550123')).toMatchObject({ handlingCode: 'FAMILY' });
    expect(await byPhone('+12025550125')).toMatchObject({
      name: 'Dan Archer',
      externalId: 'urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1',
      handlingCode: 'FAMILY',
    });
    expect(await byPhone('+12025550166')).toMatchObject({ handlingCode: 'BLOCK' });
    // No category matches a code: no code. A company card is named after the company.
    expect(await byPhone('+442079460958')).toMatchObject({
      name: 'Zoë Ångström',
      handlingCode: null,
    });
    expect(await byPhone('+12025550177')).toMatchObject({ name: 'Example Plumbing' });
  });

  it('imports the same file twice without creating anything new', async () => {
    await alice();
    const entries = await fixture('apple-3.0.vcf');
    await importContacts(store(), 'alice', entries, { clock });
    const before = await store().contacts.listByUser('alice');
    clock.advance(1000);
    const again = await importContacts(store(), 'alice', await fixture('apple-3.0.vcf'), { clock });
    expect(again).toEqual({ created: 0, updated: 0, unchanged: 3, skipped: [], warnings: [] });
    expect(await store().contacts.listByUser('alice')).toEqual(before);
  });

  it('updates a card edited since the last import in place', async () => {
    await alice();
    const text = await readFile(new URL('./test-fixtures/google-4.0.vcf', import.meta.url), 'utf8');
    await importContacts(store(), 'alice', parseVCards(text), { clock });
    const dan = (await store().contacts.findByPhone('alice', '+12025550125'))[0];
    const edited = text.replace('CATEGORIES:myContacts,family', 'CATEGORIES:myContacts,vip');
    const result = await importContacts(store(), 'alice', parseVCards(edited), { clock });
    expect(result).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
    expect((await store().contacts.findByPhone('alice', '+12025550125'))[0]).toMatchObject({
      id: dan?.id,
      handlingCode: 'VIP',
    });
  });

  it('skips broken cards with index and reason, imports the rest, and keeps what was stored', async () => {
    await alice();
    const other = await store().contacts.put({
      id: 'api-1',
      userId: 'alice',
      source: 'api',
      externalId: null,
      name: 'Kept Karen',
      organization: null,
      emails: [],
      phones: [{ e164: '+12025550178', raw: '202 555 0178', type: null }],
      handlingCode: null,
    });
    const result = await importContacts(store(), 'alice', await fixture('folded-and-broken.vcf'), {
      clock,
    });
    expect(result.created).toBe(2);
    expect(result.skipped).toEqual([
      {
        index: 1,
        name: 'Broken Betty',
        reason: 'line 5 of the card is not NAME:VALUE: "TEL;TYPE=CELL+1 202 555 0179"',
      },
      { index: 3, reason: 'the card has no name and no phone number' },
      { index: 4, name: 'Truncated Tom', reason: 'the file ends inside this card (no END:VCARD)' },
    ]);
    expect(result.warnings).toEqual([
      {
        index: 2,
        name: 'Gary Garbled',
        message:
          'left out "call my office" is not a phone number: it holds characters other than digits, spaces and ()-./+',
      },
      {
        index: 2,
        name: 'Gary Garbled',
        message:
          'left out "12" is not a phone number: it has the wrong number of digits for its country',
      },
    ]);
    const all = await store().contacts.listByUser('alice');
    expect(all.map((c) => c.name).sort()).toEqual([
      'Erin Wilhelmina Example-Longname of the Very Long Family Name That Goes On',
      'Gary Garbled',
      'Kept Karen',
    ]);
    expect(all.find((c) => c.name === 'Gary Garbled')).toMatchObject({
      phones: [],
      externalId: 'unreadable-1',
    });
    // "vip" came in as a category of a card: it is one of alice's codes.
    expect(all.find((c) => c.externalId === 'folded-1')?.handlingCode).toBe('VIP');
    expect(await store().contacts.get('alice', 'api-1')).toEqual(other);
  });

  it('keys cards without a UID by name and numbers, and warns about undefined codes', async () => {
    await alice();
    const card = (tel: string) =>
      [
        'BEGIN:VCARD',
        'VERSION:3.0',
        'FN:Nora',
        `TEL:${tel}`,
        'X-SWITCHBOARD-CODE:friends',
        'END:VCARD',
      ].join('\r\n');
    const first = await importContacts(store(), 'alice', parseVCards(card('(202) 555-0191')), {
      clock,
    });
    expect(first.created).toBe(1);
    expect(first.warnings).toEqual([
      {
        index: 0,
        name: 'Nora',
        message:
          "handling code FRIENDS is not one of alice's codes yet; callers get default handling until it is defined",
      },
    ]);
    // The same number written differently is the same card.
    const again = await importContacts(store(), 'alice', parseVCards(card('+1 202-555-0191')), {
      clock,
    });
    expect(again).toMatchObject({ created: 0, updated: 1 });
    const [nora] = await store().contacts.listByUser('alice');
    expect(nora?.externalId).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(nora?.handlingCode).toBe('FRIENDS');
  });

  it('keeps oversized cards within the API limits and says what it cut', async () => {
    await alice();
    const longName = 'N'.repeat(5_000);
    const emails = [
      'not-an-email',
      ...Array.from({ length: 25 }, (_, i) => `p${String(i)}@example.test`),
    ];
    const vcf = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      `FN:${longName}`,
      'TEL:+1 202 555 0190',
      ...emails.map((e) => `EMAIL:${e}`),
      'END:VCARD',
      '',
    ].join('\r\n');
    const result = await importContacts(store(), 'alice', parseVCards(vcf), { clock });
    expect(result.created).toBe(1);
    const messages = result.warnings.map((w) => w.message);
    expect(messages).toContain('name shortened to 200 characters');
    expect(messages.some((m) => m.includes('"not-an-email": not an e-mail address'))).toBe(true);
    expect(messages.filter((m) => m.includes('at most 20 per contact'))).toHaveLength(5);
    const [stored] = await store().contacts.findByPhone('alice', '+12025550190');
    expect(stored?.name).toHaveLength(200);
    expect(stored?.emails).toHaveLength(20);
  });

  it('refuses an unknown user without writing anything', async () => {
    await expect(
      importContacts(store(), 'nobody', await fixture('apple-3.0.vcf'), { clock }),
    ).rejects.toThrow('user: no user "nobody"');
  });
});
