import { ContactImportResultDto, type ServerEvent } from '@switchboard/contracts';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PASSWORDS, startApiHarness, type ApiHarness } from '../test-support/api-harness.js';
import { dialects } from '../test-support/stores.js';

const fixture = (name: string) =>
  readFile(new URL(`../integrations/vcard/test-fixtures/${name}`, import.meta.url), 'utf8');

const CARDS = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'UID:ann',
  'FN:Ann Archer',
  'TEL;TYPE=CELL:(202) 555-0142',
  'CATEGORIES:Friends,hc:vip',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:3.0',
  'UID:ben',
  'FN:Ben Baker',
  'TEL:202 555 0143',
  'NOTE:Plumber [hc:block]',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:3.0',
  'FN:Broken Bill',
  'TEL:202 555 0144',
  'BEGIN:VCARD',
  'VERSION:3.0',
  'UID:cat',
  'FN:Cat Cole',
  'TEL:202 555 0145',
  'END:VCARD',
].join('\r\n');

function multipart(boundary: string, parts: { name: string; filename?: string; body: string }[]) {
  return (
    parts
      .map(
        (p) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}\r\nContent-Type: text/vcard\r\n\r\n${p.body}\r\n`,
      )
      .join('') + `--${boundary}--\r\n`
  );
}

describe.each(dialects)('contact import API on %s', (dialect) => {
  let h: ApiHarness;
  let alice: string;
  let bob: string;

  beforeEach(async () => {
    h = await startApiHarness({ dialect });
    [alice, bob] = await Promise.all([
      h.login('alice@example.test', PASSWORDS.alice),
      h.login('bob@example.test', PASSWORDS.bob),
    ]);
    for (const code of ['VIP', 'BLOCK']) {
      await h.store.handlingCodes.put({
        userId: 'u-alice',
        code,
        method: 'builtin:ring-all',
        description: null,
      });
    }
  });
  afterEach(async () => {
    await h.close();
  });

  function upload(cookie: string, body: string, contentType: string, query = '') {
    return h.app.inject({
      method: 'POST',
      url: `/api/users/me/contacts/import${query}`,
      headers: { cookie, 'content-type': contentType },
      payload: body,
    });
  }
  const code = async (userId: string, e164: string) =>
    (await h.store.contacts.findByPhone(userId, e164))[0]?.handlingCode;

  it('imports a text/vcard body, codes from prefixed categories and notes, broken cards listed', async () => {
    const events: ServerEvent[] = [];
    h.events.subscribe('u-alice', (event) => events.push(event));
    const response = await upload(alice, CARDS, 'text/vcard; charset=utf-8');
    expect(response.statusCode, response.body).toBe(200);
    expect(ContactImportResultDto.parse(response.json())).toEqual({
      cards: 4,
      created: 3,
      updated: 0,
      unchanged: 0,
      skipped: [
        {
          index: 2,
          name: 'Broken Bill',
          reason: 'the card has no END:VCARD before the next BEGIN:VCARD',
        },
      ],
      warnings: [],
    });
    expect(await code('u-alice', '+12025550142')).toBe('VIP');
    expect(await code('u-alice', '+12025550143')).toBe('BLOCK');
    expect(await code('u-alice', '+12025550145')).toBeNull();
    expect(events).toEqual([
      {
        type: 'contacts.imported',
        userId: 'u-alice',
        created: 3,
        updated: 0,
        at: new Date(h.clock.now()).toISOString(),
      },
    ]);
    // The same file again changes nothing and says nothing.
    const again = await upload(alice, CARDS, 'text/x-vcard');
    expect(again.json()).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    expect(events).toHaveLength(1);
  });

  it('takes the file of a multipart form, and a prefix per import', async () => {
    const body = multipart('----sb-boundary', [
      { name: 'note', body: 'not the file' },
      { name: 'upload', filename: 'contacts.vcf', body: CARDS.replaceAll('hc:', 'code=') },
    ]);
    const response = await upload(
      alice,
      body,
      'multipart/form-data; boundary=----sb-boundary',
      '?codePrefix=code%3D',
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ cards: 4, created: 3 });
    expect(await code('u-alice', '+12025550142')).toBe('VIP');
    expect(await code('u-alice', '+12025550143')).toBe('BLOCK');
  });

  it('uses the server’s prefix when set, and imports real exports', async () => {
    await h.close();
    h = await startApiHarness({ dialect, contactCodePrefix: 'sb/' });
    alice = await h.login('alice@example.test', PASSWORDS.alice);
    await h.store.handlingCodes.put({
      userId: 'u-alice',
      code: 'VIP',
      method: 'builtin:ring-all',
      description: null,
    });
    const prefixed = await upload(alice, CARDS.replaceAll('hc:', 'sb/'), 'text/vcard');
    expect(prefixed.json()).toMatchObject({ created: 3, warnings: [{ index: 1 }] });
    expect(await code('u-alice', '+12025550142')).toBe('VIP');
    // BLOCK is not one of alice's codes here: kept, with a warning.
    expect(await code('u-alice', '+12025550143')).toBe('BLOCK');
    const apple = await upload(alice, await fixture('apple-3.0.vcf'), 'text/vcard');
    expect(apple.json()).toMatchObject({ cards: 3, created: 3, skipped: [] });
  });

  it('refuses an empty file, a bad prefix, a broken form and other content types', async () => {
    const cases: [string, string, string, number, string][] = [
      ['no cards here', 'text/vcard', '', 400, 'body'],
      [CARDS, 'text/vcard', '?codePrefix=a%20b', 400, 'query.codePrefix'],
      [CARDS, 'multipart/form-data', '', 400, ''],
      [
        multipart('b', [
          { name: 'a', body: 'x' },
          { name: 'b', body: 'y' },
        ]),
        'multipart/form-data; boundary=b',
        '',
        400,
        '',
      ],
      ['{"cards": []}', 'application/json', '', 400, ''],
      [CARDS, 'application/pdf', '', 415, ''],
    ];
    for (const [body, type, query, status, path] of cases) {
      const response = await upload(alice, body, type, query);
      expect(response.statusCode, `${type} ${query}: ${response.body}`).toBe(status);
      if (path !== '') {
        expect(
          response.json<{ error: { issues: { path: string }[] } }>().error.issues[0]?.path,
        ).toBe(path);
      }
    }
    expect(await h.store.contacts.countByUser('u-alice')).toBe(0);
  });

  it('refuses a file over 10 MiB with 413, and keeps to the owner', async () => {
    const huge = CARDS + '\r\n' + 'X-FILLER:'.padEnd(10 * 1024 * 1024, 'x');
    const tooBig = await upload(alice, huge, 'text/vcard');
    expect(tooBig.statusCode).toBe(413);
    expect(await h.store.contacts.countByUser('u-alice')).toBe(0);
    const forOther = await h.app.inject({
      method: 'POST',
      url: '/api/users/u-alice/contacts/import',
      headers: { cookie: bob, 'content-type': 'text/vcard' },
      payload: CARDS,
    });
    expect(forOther.statusCode).toBe(403);
  });
});
