import { describe, expect, it } from 'vitest';
import type { Contact } from '../model/index.js';
import { manualClock, TEST_EPOCH, userInput } from '../../test-support/fixtures.js';
import { dialects, useStore } from '../../test-support/stores.js';
import {
  cleanDisplayName,
  identifyCaller,
  pickContact,
  userPartOf,
  withheldReason,
} from './caller-identification.js';

function contact(id: string, overrides: Partial<Contact> = {}): Contact {
  return {
    id,
    userId: 'alice',
    source: 'api',
    externalId: null,
    name: `Contact ${id}`,
    organization: null,
    emails: [],
    phones: [{ e164: '+12025550142', raw: '202 555 0142', type: null }],
    handlingCode: null,
    createdAt: TEST_EPOCH,
    updatedAt: TEST_EPOCH,
    ...overrides,
  };
}

describe('withheldReason', () => {
  it('treats Privacy id and user as withheld, unless none is there too', () => {
    expect(withheldReason('+12025550142', ['id'])).toBe('privacy');
    expect(withheldReason('+12025550142', ['user'])).toBe('privacy');
    expect(withheldReason('+12025550142', ['header;id'])).toBe('privacy');
    expect(withheldReason('+12025550142', [' ID '])).toBe('privacy');
    expect(withheldReason('+12025550142', ['header', 'session'])).toBeNull();
    expect(withheldReason('+12025550142', ['none'])).toBeNull();
    expect(withheldReason('+12025550142', ['id', 'none'])).toBeNull();
  });

  it('recognises placeholders, anonymous.invalid and numbers without a digit', () => {
    expect(withheldReason('sip:anonymous@anonymous.invalid', [])).toBe('placeholder');
    expect(withheldReason('<sip:+12025550142@anonymous.invalid>', [])).toBe('placeholder');
    expect(withheldReason('Anonymous', [])).toBe('placeholder');
    expect(withheldReason('sip:Restricted@carrier.example', [])).toBe('placeholder');
    expect(withheldReason('unavailable', [])).toBe('placeholder');
    expect(withheldReason('tel:withheld', [])).toBe('placeholder');
    expect(withheldReason(null, [])).toBe('no-number');
    expect(withheldReason('   ', [])).toBe('no-number');
    expect(withheldReason('sip:reception@pbx.example', [])).toBe('no-number');
    expect(withheldReason('sip:+12025550142@carrier.example;user=phone', [])).toBeNull();
    expect(withheldReason('1234', [])).toBeNull();
  });
});

describe('userPartOf', () => {
  it('takes the user part of sip, sips and tel URIs, name-addr or bare', () => {
    expect(userPartOf('sip:+12025550142@carrier.example;user=phone')).toBe('+12025550142');
    expect(userPartOf('"Bob" <sips:+12025550142@carrier.example>;tag=1')).toBe('+12025550142');
    expect(userPartOf('tel:+1-202-555-0142;phone-context=example.com')).toBe('+1-202-555-0142');
    expect(userPartOf('sip:%2B12025550142@carrier.example')).toBe('+12025550142');
    expect(userPartOf('sip:2025550142;isub=12@carrier.example')).toBe('2025550142');
    expect(userPartOf(' 202 555 0142 ')).toBe('202 555 0142');
    // A broken escape is kept as written rather than throwing.
    expect(userPartOf('sip:%zz12@x')).toBe('%zz12');
  });
});

describe('cleanDisplayName', () => {
  it('unquotes, drops control characters, folds spaces, cuts long names and placeholders', () => {
    expect(cleanDisplayName('"Bob \\"The Boss\\""')).toBe('Bob "The Boss"');
    expect(cleanDisplayName('Evil\u0000\r\nName  here')).toBe('Evil Name here');
    expect(cleanDisplayName('"Anonymous"')).toBeNull();
    expect(cleanDisplayName('   ')).toBeNull();
    expect(cleanDisplayName(null)).toBeNull();
    expect(cleanDisplayName('x'.repeat(500))).toHaveLength(100);
  });
});

describe('pickContact (several contacts with one number)', () => {
  const codes = new Set(['VIP', 'BLOCK']);

  it('prefers a defined code over an undefined one over none, whatever else differs', () => {
    const none = contact('a', { updatedAt: TEST_EPOCH + 9000 });
    const undefinedCode = contact('b', { handlingCode: 'GOLF', updatedAt: TEST_EPOCH + 5000 });
    const defined = contact('c', { handlingCode: 'VIP', updatedAt: TEST_EPOCH });
    expect(pickContact([none, undefinedCode, defined], codes).id).toBe('c');
    expect(pickContact([defined, none, undefinedCode], codes).id).toBe('c');
    expect(pickContact([none, undefinedCode], codes).id).toBe('b');
  });

  it('among equals takes the most recently updated, then the oldest, then the smallest id', () => {
    const older = contact('x', { handlingCode: 'VIP', updatedAt: TEST_EPOCH + 1 });
    const newer = contact('y', { handlingCode: 'BLOCK', updatedAt: TEST_EPOCH + 2 });
    expect(pickContact([older, newer], codes).id).toBe('y');
    expect(pickContact([newer, older], codes).id).toBe('y');
    const first = contact('m', { createdAt: TEST_EPOCH });
    const second = contact('k', { createdAt: TEST_EPOCH + 10 });
    expect(pickContact([second, first], codes).id).toBe('m');
    expect(pickContact([contact('q'), contact('p')], codes).id).toBe('p');
  });

  it('refuses an empty list', () => {
    expect(() => pickContact([], codes)).toThrow(RangeError);
  });
});

describe.each(dialects)('identifyCaller on %s', (dialect) => {
  const clock = manualClock();
  const store = useStore(dialect, { clock });

  async function alice(): Promise<void> {
    await store().users.put(userInput('alice', { country: 'US' }));
    for (const code of ['VIP', 'BLOCK']) {
      await store().handlingCodes.put({
        userId: 'alice',
        code,
        method: 'builtin:ring-all',
        description: null,
      });
    }
  }

  async function addContact(
    id: string,
    phones: string[],
    handlingCode: string | null,
  ): Promise<Contact> {
    return store().contacts.put({
      id,
      userId: 'alice',
      source: 'api',
      externalId: null,
      name: `Contact ${id}`,
      organization: null,
      emails: [],
      phones: phones.map((e164) => ({ e164, raw: e164, type: null })),
      handlingCode,
    });
  }

  it('finds the contact of a national number in the user’s country, name from the contact', async () => {
    await alice();
    await addContact('bob', ['+12025550142'], 'VIP');
    const who = await identifyCaller(store(), {
      userId: 'alice',
      callingNumber: 'sip:2025550142@carrier.example;user=phone',
      displayName: '"Totally The Bank"',
      privacy: [],
    });
    expect(who).toMatchObject({
      kind: 'contact',
      e164: '+12025550142',
      number: '+12025550142',
      handlingCode: 'VIP',
      networkName: 'Totally The Bank',
      withheld: null,
      otherContactIds: [],
    });
    // The network's name is kept apart; the contact's is the one that counts.
    expect(who.contact?.name).toBe('Contact bob');
  });

  it('reads international numbers and 00 prefixes, and uses the country passed in', async () => {
    await alice();
    await addContact('london', ['+442079460958'], null);
    const viaPlus = await identifyCaller(store(), {
      userId: 'alice',
      callingNumber: 'tel:+44-20-7946-0958',
    });
    expect(viaPlus).toMatchObject({ kind: 'contact', e164: '+442079460958', handlingCode: null });
    // Read as a UK number with the country given (the user's own is US).
    const national = await identifyCaller(store(), {
      userId: 'alice',
      country: 'GB',
      callingNumber: '020 7946 0958',
    });
    expect(national.contact?.id).toBe('london');
  });

  it('is unknown for a number in no contact, and keeps unreadable numbers as digits', async () => {
    await alice();
    expect(
      await identifyCaller(store(), {
        userId: 'alice',
        callingNumber: '+12025550199',
        displayName: 'Someone',
      }),
    ).toEqual({
      kind: 'unknown',
      e164: '+12025550199',
      number: '+12025550199',
      contact: null,
      handlingCode: null,
      networkName: 'Someone',
      withheld: null,
      otherContactIds: [],
    });
    expect(
      await identifyCaller(store(), { userId: 'alice', callingNumber: 'sip:*86@pbx.example' }),
    ).toMatchObject({ kind: 'unknown', e164: null, number: '*86' });
  });

  it('is anonymous for withheld numbers and never looks them up', async () => {
    await alice();
    await addContact('bob', ['+12025550142'], 'VIP');
    const withheld = await identifyCaller(store(), {
      userId: 'alice',
      callingNumber: 'sip:+12025550142@carrier.example',
      displayName: 'Bob',
      privacy: ['id'],
    });
    expect(withheld).toEqual({
      kind: 'anonymous',
      e164: null,
      number: null,
      contact: null,
      handlingCode: null,
      networkName: 'Bob',
      withheld: 'privacy',
      otherContactIds: [],
    });
    expect(
      await identifyCaller(store(), {
        userId: 'alice',
        callingNumber: 'sip:anonymous@anonymous.invalid',
      }),
    ).toMatchObject({ kind: 'anonymous', withheld: 'placeholder' });
    expect(await identifyCaller(store(), { userId: 'alice', callingNumber: null })).toMatchObject({
      kind: 'anonymous',
      withheld: 'no-number',
    });
  });

  it('applies the rule to several contacts with one number and names the others', async () => {
    await alice();
    clock.set(TEST_EPOCH);
    await addContact('plain', ['+12025550142'], null);
    clock.advance(1000);
    await addContact('blocked', ['+12025550142', '+12025550100'], 'BLOCK');
    clock.advance(1000);
    await addContact('undefined-code', ['+12025550142'], 'GOLF');
    clock.advance(1000);
    await addContact('vip', ['+12025550142'], 'VIP');
    const who = await identifyCaller(store(), { userId: 'alice', callingNumber: '+12025550142' });
    // Two with defined codes: the most recently updated (vip) wins.
    expect(who.contact?.id).toBe('vip');
    expect(who.handlingCode).toBe('VIP');
    expect([...who.otherContactIds].sort()).toEqual(['blocked', 'plain', 'undefined-code']);
    // Editing the blocked contact makes it the user's latest word on this number.
    clock.advance(1000);
    await addContact('blocked', ['+12025550142'], 'BLOCK');
    expect(
      (await identifyCaller(store(), { userId: 'alice', callingNumber: '+12025550142' }))
        .handlingCode,
    ).toBe('BLOCK');
  });

  it('refuses an unknown user when it has to read the country', async () => {
    await expect(
      identifyCaller(store(), { userId: 'ghost', callingNumber: '2025550142' }),
    ).rejects.toThrow(/no user "ghost"/);
  });
});
