import { describe, expect, it } from 'vitest';
import { manualClock, userInput } from '../../../test-support/fixtures.js';
import { dialects, useStore } from '../../../test-support/stores.js';
import type { ContactInput } from '../../model/index.js';
import type { Repositories, Store } from '../../ports/store.js';
import { verifyPassword } from '../passwords.js';
import { applyProvisioning, formatProvisioningReport } from './apply.js';
import { parseProvisioning } from './parse.js';
import { ProvisioningError } from './provisioning-error.js';

const VIP_FLOW = {
  schemaVersion: 1,
  name: 'VIP',
  nodes: [
    { id: 'start', type: 'incoming-call', position: { x: 0, y: 0 } },
    {
      id: 'ring',
      type: 'ring-devices',
      position: { x: 200, y: 0 },
      config: { timeoutSeconds: 20 },
    },
    { id: 'done', type: 'hang-up', position: { x: 400, y: 0 } },
  ],
  edges: [
    { from: { node: 'start', pin: 'next' }, to: { node: 'ring' } },
    { from: { node: 'ring', pin: 'answered' }, to: { node: 'done' } },
    { from: { node: 'ring', pin: 'no-answer' }, to: { node: 'done' } },
  ],
};

/** The contract example plus Frank, so the attendant exists. */
const FILE = `
country: US
trunks:
  - id: carrier
    address: 127.0.0.1:5090
    inbound: [127.0.0.1]
    username: acme
    password: s3cret
users:
  - id: alice
    name: Alice Archer
    email: alice@example.test
    password: alice-web-pass
    timezone: America/New_York
    numbers: ["+12025550100"]
    devices:
      - id: desk
        sip: { username: alice-desk, password: desk-pass }
      - id: cell
        number: "+1 202 555 0199"
    attendant: frank
    handling:
      default: builtin:ring-then-voicemail
      unknown: builtin:voicemail
      codes:
        VIP: vip
        BLOCK: builtin:reject
    flows:
      - id: vip
        file: flows/vip.json
    contacts:
      - name: Bob Boss
        phones: ["(202) 555-0142"]
        emails: [bob@example.test]
        handlingCode: VIP
      - name: Carol
        phones: ["(202) 555-0123"]
  - id: frank
    name: Frank Fielding
    email: frank@example.test
    password: frank-web-pass
    numbers: ["+12025550101"]
`;

function parse(text: string, flow: unknown = VIP_FLOW) {
  return parseProvisioning(text, {
    fileName: 'test.yaml',
    readFlowFile: () => Promise.resolve(JSON.stringify(flow)),
  });
}

/** Everything provisioning can touch, read back, to prove what changed and what did not. */
async function snapshot(store: Store) {
  const users = await store.users.list();
  const perUser = await Promise.all(
    users.map(async (u) => ({
      numbers: await store.numbers.listByUser(u.id),
      devices: await store.devices.listByUser(u.id),
      codes: await store.handlingCodes.listByUser(u.id),
      flows: await store.flows.listByUser(u.id),
      contacts: await store.contacts.listByUser(u.id),
    })),
  );
  return { users, perUser, trunks: await store.trunks.list() };
}

describe.each(dialects)('applyProvisioning on %s', (dialect) => {
  const clock = manualClock();
  const store = useStore(dialect, { clock });

  it('creates everything the file describes', async () => {
    const progress: [number, number, string][] = [];
    const report = await applyProvisioning(store(), await parse(FILE), {
      clock,
      onProgress: (done, total, label) => progress.push([done, total, label]),
    });
    expect(report.created).toEqual([
      'trunk carrier',
      'user alice',
      'user frank',
      'number +12025550100',
      'device alice/desk',
      'device alice/cell',
      'flow alice/vip',
      'handling code alice/VIP',
      'handling code alice/BLOCK',
      'contact alice/Bob Boss',
      'contact alice/Carol',
      'number +12025550101',
    ]);
    expect(report.changed).toEqual([]);
    expect(report.unchanged).toEqual([]);
    expect(report.notInFile).toEqual([]);
    expect(progress).toHaveLength(12);
    expect(progress.at(-1)?.slice(0, 2)).toEqual([12, 12]);

    const alice = await store().users.get('alice');
    expect(alice).toMatchObject({
      name: 'Alice Archer',
      timezone: 'America/New_York',
      country: 'US',
      role: 'user',
      attendantId: 'frank',
      defaultHandling: 'builtin:ring-then-voicemail',
      unknownHandling: 'builtin:voicemail',
    });
    expect(await verifyPassword('alice-web-pass', alice!.passwordHash)).toBe(true);
    expect(await store().numbers.get('+12025550100')).toMatchObject({ userId: 'alice' });
    expect(await store().devices.findBySipUsername('alice-desk')).toMatchObject({
      userId: 'alice',
      id: 'desk',
      sipPassword: 'desk-pass',
    });
    expect(await store().devices.get('alice', 'cell')).toMatchObject({
      kind: 'external',
      number: '+12025550199',
    });
    expect(await store().trunks.get('carrier')).toMatchObject({
      host: '127.0.0.1',
      port: 5090,
      inbound: ['127.0.0.1'],
      username: 'acme',
      password: 's3cret',
    });
    expect(await store().handlingCodes.get('alice', 'VIP')).toMatchObject({ method: 'vip' });
    const flow = await store().flows.getVersion('alice', 'vip');
    expect(flow?.version).toBe(1);
    // Flows from a provisioning file are published, compiled, ready for calls.
    const published = await store().flows.getPublished('alice', 'vip');
    expect(published?.version).toBe(1);
    expect(published?.compiled).toMatchObject({ format: 1, start: 'start' });
    expect(flow?.document).toMatchObject({
      name: 'VIP',
      nodes: [{ id: 'start', config: {} }, { id: 'ring' }, { id: 'done' }],
    });
    const [bob] = await store().contacts.findByPhone('alice', '+12025550142');
    expect(bob).toMatchObject({
      source: 'provision',
      externalId: 'Bob Boss',
      name: 'Bob Boss',
      emails: ['bob@example.test'],
      phones: [{ e164: '+12025550142', raw: '(202) 555-0142', type: null }],
      handlingCode: 'VIP',
    });
  });

  it('changes nothing when the same file is applied again', async () => {
    const doc = await parse(FILE);
    const first = await applyProvisioning(store(), doc, { clock });
    const before = await snapshot(store());
    clock.advance(60_000);
    const second = await applyProvisioning(store(), await parse(FILE), { clock });
    expect(second.created).toEqual([]);
    expect(second.changed).toEqual([]);
    expect(second.unchanged).toEqual(first.created);
    // Nothing was written: every updatedAt (and the flow's version) is as it was.
    expect(await snapshot(store())).toEqual(before);
  });

  it("changing one contact's code changes exactly that contact", async () => {
    await applyProvisioning(store(), await parse(FILE), { clock });
    const carolBefore = (await store().contacts.findByPhone('alice', '+12025550123'))[0];
    clock.advance(1000);
    const edited = FILE.replace(
      '        phones: ["(202) 555-0123"]\n',
      '        phones: ["(202) 555-0123"]\n        handlingCode: block\n',
    );
    const report = await applyProvisioning(store(), await parse(edited), { clock });
    expect(report.changed).toEqual(['contact alice/Carol']);
    expect(report.created).toEqual([]);
    const carol = (await store().contacts.findByPhone('alice', '+12025550123'))[0];
    expect(carol).toMatchObject({
      id: carolBefore?.id,
      handlingCode: 'BLOCK',
      updatedAt: clock.now(),
    });
    expect(formatProvisioningReport(report)[0]).toBe('0 created, 1 changed, 11 unchanged');
  });

  it('re-hashes a password only when it changed, and versions a flow only when it changed', async () => {
    await applyProvisioning(store(), await parse(FILE), { clock });
    const hash = (await store().users.get('frank'))?.passwordHash;
    const changedFlow = { ...VIP_FLOW, description: 'now with a description' };
    const report = await applyProvisioning(
      store(),
      await parse(FILE.replace('frank-web-pass', 'frank-new-pass'), changedFlow),
      { clock },
    );
    expect(report.changed).toEqual(['user frank', 'flow alice/vip']);
    const frank = await store().users.get('frank');
    expect(frank?.passwordHash).not.toBe(hash);
    expect(await verifyPassword('frank-new-pass', frank!.passwordHash)).toBe(true);
    expect((await store().users.get('alice'))?.passwordHash).toBeDefined();
    expect(await store().flows.get('alice', 'vip')).toMatchObject({
      currentVersion: 2,
      publishedVersion: 2,
    });
    expect((await store().flows.getVersion('alice', 'vip', 1))?.document).toMatchObject({
      name: 'VIP',
    });
  });

  it('keeps what the file does not mention, and never touches contacts of other sources', async () => {
    await store().users.put(userInput('alice', { email: 'alice@example.test' }));
    await store().devices.put({
      kind: 'external',
      userId: 'alice',
      id: 'old-cell',
      name: 'Old cell',
      number: '+12025550190',
    });
    const mine = await store().contacts.put({
      id: 'api-1',
      userId: 'alice',
      source: 'api',
      externalId: null,
      name: 'Bob Boss',
      organization: null,
      emails: [],
      phones: [{ e164: '+12025550142', raw: '+12025550142', type: 'cell' }],
      handlingCode: null,
    });
    await store().users.put(userInput('zoe'));
    clock.advance(1000);

    const report = await applyProvisioning(store(), await parse(FILE), { clock });
    expect(report.changed).toContain('user alice');
    expect(report.notInFile).toEqual(['user zoe', 'device alice/old-cell']);
    expect(formatProvisioningReport(report).join('\n')).toContain('a future --prune will');
    expect(await store().devices.get('alice', 'old-cell')).toBeDefined();
    expect(await store().contacts.get('alice', 'api-1')).toEqual(mine);
    expect(await store().users.get('zoe')).toBeDefined();
    // The API-made Bob and the provisioned Bob are two contacts now; provisioning made its own.
    expect(
      (await store().contacts.findByPhone('alice', '+12025550142')).map((c) => c.source),
    ).toEqual(['api', 'provision']);
  });

  it('leaves the store exactly as it was when the file is bad', async () => {
    await applyProvisioning(store(), await parse(FILE), { clock });
    const before = await snapshot(store());
    const bad = FILE.replace('    attendant: frank\n', '    attendent: frank\n')
      .replace(
        'sip: { username: alice-desk, password: desk-pass }',
        'sip: { username: alice-desk }',
      )
      .replace('phones: ["(202) 555-0123"]', 'phones: ["(202) 555-01"]')
      .replace('numbers: ["+12025550101"]', 'numbers: ["+1 202 555 0100"]')
      .replace('        BLOCK: builtin:reject\n', '        BLOCK: blocked-flow\n');
    const error = await parse(bad)
      .then((doc) => applyProvisioning(store(), doc, { clock }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisioningError);
    expect((error as ProvisioningError).issues.map((i) => i.path)).toEqual([
      'users[0].devices[0].sip.password',
      'users[0].contacts[1].phones[0]',
      'users[0].attendent',
      'users[0].handling.codes.BLOCK',
      'users[1].numbers[0]',
    ]);
    expect(await snapshot(store())).toEqual(before);
  });

  it('rejects what only the store can reveal, writing nothing', async () => {
    await store().users.put(userInput('mallory'));
    await store().devices.put({
      kind: 'sip',
      userId: 'mallory',
      id: 'phone',
      name: 'Phone',
      sipUsername: 'alice-desk',
      sipPassword: 'whatever-pass',
    });
    const before = await snapshot(store());
    const withoutFrank = FILE.slice(0, FILE.indexOf('  - id: frank'));
    const error = await applyProvisioning(store(), await parse(withoutFrank), { clock }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProvisioningError);
    expect((error as ProvisioningError).issues).toEqual([
      { path: 'users[0].attendant', message: 'no user "frank" in the file or in the store' },
      {
        path: 'users[0].devices[0].sip.username',
        message:
          '"alice-desk" is the SIP username of device mallory/phone in the store, which this file does not change (provisioning does not delete it: remove it first)',
      },
    ]);
    expect(await snapshot(store())).toEqual(before);
  });

  it('rolls everything back when a write fails halfway', async () => {
    await store().users.put(userInput('zoe'));
    const before = await snapshot(store());
    const failing = failOnSecondContact(store());
    await expect(applyProvisioning(failing, await parse(FILE), { clock })).rejects.toThrow(
      'disk on fire',
    );
    expect(await snapshot(store())).toEqual(before);
  });

  it('moves a SIP username from one device to another in one run', async () => {
    await applyProvisioning(store(), await parse(FILE), { clock });
    const moved = FILE.replace(
      '      - id: desk\n        sip: { username: alice-desk, password: desk-pass }\n',
      '      - id: desk\n        sip: { username: alice-desk-old, password: desk-pass }\n' +
        '      - id: phone\n        sip: { username: alice-desk, password: phone-pass }\n',
    );
    const report = await applyProvisioning(store(), await parse(moved), { clock });
    expect(report.changed).toEqual(['device alice/desk']);
    expect(report.created).toEqual(['device alice/phone']);
    expect(await store().devices.findBySipUsername('alice-desk')).toMatchObject({ id: 'phone' });
    expect(await store().devices.findBySipUsername('alice-desk-old')).toMatchObject({ id: 'desk' });
  });
});

/** A store whose second contact write inside a transaction fails, as a full disk would. */
function failOnSecondContact(store: Store): Store {
  let contactWrites = 0;
  const bound = (target: object, key: PropertyKey): unknown => {
    const value: unknown = Reflect.get(target, key);
    return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
  };
  const failingContacts = (contacts: Repositories['contacts']) =>
    new Proxy(contacts, {
      get: (target, key) =>
        key === 'put'
          ? (contact: ContactInput) => {
              contactWrites += 1;
              if (contactWrites === 2) return Promise.reject(new Error('disk on fire'));
              return target.put(contact);
            }
          : bound(target, key),
    });
  const wrap = (repos: Repositories): Repositories =>
    new Proxy(repos, {
      get: (target, key) =>
        key === 'contacts' ? failingContacts(target.contacts) : bound(target, key),
    });
  return new Proxy(store, {
    get: (target, key) =>
      key === 'transaction'
        ? <T>(work: (repos: Repositories) => Promise<T>) =>
            target.transaction((repos) => work(wrap(repos)))
        : bound(target, key),
  });
}
