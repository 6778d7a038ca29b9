import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliToEnd } from '../support/cli-process.js';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const VCARD_FIXTURES = fileURLToPath(
  new URL('../../src/integrations/vcard/test-fixtures/', import.meta.url),
);

// The administration commands as an operator runs them: the built CLI against a store on disk.
describe('switchboard CLI commands', () => {
  let dir: string;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCliToEnd(args, env, dir);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
    cpSync(EXAMPLES, join(dir, 'examples'), { recursive: true });
    env = { SWITCHBOARD_DATA_DIR: join(dir, 'data') };
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints help for every command', async () => {
    for (const args of [
      ['--help'],
      ['start', '--help'],
      ['provision', '--help'],
      ['user', 'add', '--help'],
      ['user', 'password', '--help'],
      ['contacts', 'import', '--help'],
      ['flow', 'validate', '--help'],
      ['doctor', '--help'],
    ]) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/^Usage: switchboard/);
    }
  });

  it('provisions a file, reports what it created, and changes nothing the second time', async () => {
    const first = await cli('provision', 'examples/demo.yaml');
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^\d+ created, 0 changed, 0 unchanged/m);
    expect(first.stdout).toContain('+ user alice');
    expect(first.stdout).toContain('+ contact alice/Bob Boss');

    const second = await cli('provision', 'examples/demo.yaml');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^0 created, 0 changed, \d+ unchanged/m);
  });

  it('rejects a bad provisioning file whole, listing every error by path, and leaves the store as it was', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      [
        'users:',
        '  - id: alice',
        '    name: Alice Archer',
        '    email: alice@example.test',
        '    numbers: ["+12025550100"]',
        '    contacts:',
        '      - name: Bob Boss',
        '        phones: ["(202) 555-0142", "call me"]',
        '        handlingCode: FAMILY',
        '  - id: zed',
        '    name: Zed',
        '    email: zed@example.test',
        '    numbers: ["+12025550100"]',
        '    devices:',
        '      - id: desk',
        '        sip: { username: zed-desk }',
        '    handling: { defualt: builtin:ring-all }',
      ].join('\n'),
    );
    const result = await cli('provision', bad);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('users[1].devices[0].sip.password: required');
    expect(result.stderr).toContain('users[0].contacts[0].phones[1]');
    expect(result.stderr).toContain('users[1].handling.defualt');
    expect(result.stderr).toMatch(/users\[1\]\.numbers\[0\].*\+12025550100/);

    // Nothing was written: the demo data applied above is intact and unchanged.
    const again = await cli('provision', 'examples/demo.yaml');
    expect(again.stdout).toMatch(/^0 created, 0 changed, \d+ unchanged/m);
  });

  it('adds a user, refuses a duplicate, and prints a generated password once', async () => {
    const added = await cli(
      'user',
      'add',
      '--id',
      'gina',
      '--name',
      'Gina Grant',
      '--email',
      'Gina@Example.test',
      '--timezone',
      'Europe/Paris',
      '--country',
      'FR',
    );
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(
      'Added user gina (Gina Grant), who signs in as gina@example.test.',
    );
    expect(added.stdout).toMatch(/Password: \S{16}/);

    const duplicate = await cli(
      'user',
      'add',
      '--id',
      'gina',
      '--name',
      'G',
      '--email',
      'g2@example.test',
      '--password',
      'long-enough',
    );
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr.trim()).toBe('switchboard: id: a user "gina" already exists');

    const badZone = await cli(
      'user',
      'add',
      '--id',
      'hal',
      '--name',
      'Hal',
      '--email',
      'hal@example.test',
      '--password',
      'long-enough',
      '--timezone',
      'Mars/Olympus',
    );
    expect(badZone.code).toBe(1);
    expect(badZone.stderr).toContain('timezone: "Mars/Olympus" is not an IANA time zone');
  });

  it('sets a password read from standard input, which then signs in', async () => {
    const reset = await runCliToEnd(
      ['user', 'password', '--id', 'gina', '--password-stdin'],
      env,
      dir,
      'correct horse battery\n',
    );
    expect(reset.stderr).toBe('');
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('New password set for gina (gina@example.test)');
    expect(reset.stdout).not.toContain('correct horse');

    const tooShort = await runCliToEnd(
      ['user', 'password', '--id', 'gina', '--password-stdin'],
      env,
      dir,
      'short\n',
    );
    expect(tooShort.code).toBe(1);
    expect(tooShort.stderr.trim()).toBe('switchboard: password: use at least 8 characters');

    const nobody = await cli('user', 'password', '--id', 'nobody');
    expect(nobody.code).toBe(1);
    expect(nobody.stderr.trim()).toBe('switchboard: id: there is no user "nobody"');
  });

  it('imports a vCard file into a user’s contacts, skipping broken cards, without duplicates on a second run', async () => {
    const file = join(VCARD_FIXTURES, 'folded-and-broken.vcf');
    const first = await cli('contacts', 'import', file, '--user', 'alice');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /\d+ cards: [1-9]\d* created, 0 updated, 0 unchanged, [1-9]\d* skipped/,
    );
    expect(first.stdout).toMatch(/skipped card \d+/);

    const second = await cli('contacts', 'import', file, '--user', 'alice');
    expect(second.stdout).toMatch(/: 0 created, 0 updated, [1-9]\d* unchanged/);

    const unknownUser = await cli('contacts', 'import', file, '--user', 'nobody');
    expect(unknownUser.code).toBe(1);
    expect(unknownUser.stderr).toContain('nobody');
  });

  it('reads handling codes with the --code-prefix (or SWITCHBOARD_CONTACT_CODE_PREFIX) given', async () => {
    const file = join(dir, 'prefixed.vcf');
    writeFileSync(
      file,
      [
        'BEGIN:VCARD',
        'VERSION:3.0',
        'UID:prefixed-1',
        'FN:Golf Partner',
        'TEL:202 555 0171',
        'CATEGORIES:Friends,sb/golf',
        'END:VCARD',
        'BEGIN:VCARD',
        'VERSION:3.0',
        'UID:prefixed-2',
        'FN:Note Tagged',
        'TEL:202 555 0172',
        'NOTE:Met at the club [sb/tennis]',
        'END:VCARD',
      ].join('\r\n'),
    );
    const withFlag = await cli(
      'contacts',
      'import',
      file,
      '--user',
      'alice',
      '--code-prefix',
      'sb/',
    );
    expect(withFlag.code).toBe(0);
    expect(withFlag.stdout).toContain('2 cards: 2 created');
    // Both codes were read (and are not alice's yet, which the import points out).
    expect(withFlag.stdout).toContain('handling code GOLF is not one of alice');
    expect(withFlag.stdout).toContain('handling code TENNIS is not one of alice');

    const viaEnv = await runCliToEnd(
      ['contacts', 'import', file, '--user', 'alice'],
      { ...env, SWITCHBOARD_CONTACT_CODE_PREFIX: 'sb/' },
      dir,
    );
    expect(viaEnv.stdout).toContain('0 created, 0 updated, 2 unchanged');

    const bad = await cli('contacts', 'import', file, '--user', 'alice', '--code-prefix', 'a b');
    // A bad setting is a configuration error (exit 2) naming the key.
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('configuration error: contacts.codePrefix');
  });

  it('validates flow maps and lists every problem with its path', async () => {
    const good = await cli('flow', 'validate', 'examples/flows/vip.json');
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/valid flow map "VIP"/);

    const broken = join(dir, 'broken.json');
    writeFileSync(
      broken,
      JSON.stringify({
        schemaVersion: 1,
        name: 'Broken',
        nodes: [
          { id: 'a', type: 'incoming-call', position: { x: 0, y: 0 } },
          { id: 'b', type: 'ring-phones', position: { x: 1, y: 0 } },
        ],
        edges: [{ from: { node: 'a', pin: 'next' }, to: { node: 'zz' } }],
      }),
    );
    const result = await cli('flow', 'validate', broken);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nodes[1].type');
    expect(result.stderr).toContain('edges[0].to.node');

    writeFileSync(broken, '{ "nodes": [');
    const notJson = await cli('flow', 'validate', broken);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/not valid JSON or YAML at line 1/);
  });

  it('doctor checks the store, ports and optional tools, and says what is missing', async () => {
    const result = await cli('doctor');
    expect(result.stdout).toContain('✓ configuration is valid');
    expect(result.stdout).toMatch(/✓ store \(SQLite in .*\) opens, schema is current, \d+ users/);
    expect(result.stdout).toMatch(/HTTP port .*8080/);
    expect(result.stdout).toMatch(/espeak-ng (found|not found: needed for text to speech)/);
    // Whether 8080/5060 are free on this machine is not ours to decide; the exit code follows.
    expect(result.code === 0 || result.stdout.includes('✗')).toBe(true);

    const badConfig = await runCliToEnd(['doctor'], { ...env, SWITCHBOARD_SIP_PORT: '99999' }, dir);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain('sip.port = 99999 (from SWITCHBOARD_SIP_PORT)');
  });
});
