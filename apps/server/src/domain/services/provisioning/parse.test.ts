import { describe, expect, it } from 'vitest';
import { parseProvisioning } from './parse.js';
import { ProvisioningError, type ProvisioningIssue } from './provisioning-error.js';

/** The provisioning example of the contract, exactly as users write it. */
const CONTRACT_EXAMPLE = `
country: US                      # default country for numbers written without +
trunks:
  - id: carrier
    address: 127.0.0.1:5090      # where calls to external numbers are sent
    inbound: [127.0.0.1]         # source addresses trusted to deliver calls for our numbers
    username: acme               # optional digest credentials the carrier asks of us
    password: s3cret
users:
  - id: alice
    name: Alice Archer
    email: alice@example.test
    password: alice-web-pass     # sign-in for the web client and API
    timezone: America/New_York
    numbers: ["+12025550100"]    # the one number(s) that reach Alice
    devices:
      - id: desk
        sip: { username: alice-desk, password: desk-pass }   # a phone that registers
      - id: cell
        number: "+1 202 555 0199"                             # reached through a trunk
    attendant: frank             # another user's id, optional
    handling:
      default: builtin:ring-then-voicemail   # callers with no handling code
      unknown: builtin:voicemail             # callers not in the contacts
      codes:
        VIP: vip                 # handling code -> a flow id or builtin:<template>
        BLOCK: builtin:reject
    flows:
      - id: vip
        file: flows/vip.json     # a call flow map, path relative to this file
    contacts:
      - name: Bob Boss
        phones: ["(202) 555-0142"]
        emails: [bob@example.test]
        handlingCode: VIP
`;

const VIP_FLOW = {
  schemaVersion: 1,
  name: 'VIP',
  nodes: [
    { id: 'start', type: 'incoming-call', position: { x: 0, y: 0 } },
    { id: 'ring', type: 'ring-devices', position: { x: 200, y: 0 } },
    { id: 'vm', type: 'voicemail', position: { x: 400, y: 0 } },
    { id: 'done', type: 'hang-up', position: { x: 400, y: 100 } },
  ],
  edges: [
    { from: { node: 'start', pin: 'next' }, to: { node: 'ring' } },
    { from: { node: 'ring', pin: 'no-answer' }, to: { node: 'vm' } },
    { from: { node: 'ring', pin: 'answered' }, to: { node: 'done' } },
  ],
};

/** Flow files served from memory: the pure parser is handed a reader, never the file system. */
function reader(files: Record<string, string> = { 'flows/vip.json': JSON.stringify(VIP_FLOW) }) {
  const asked: string[] = [];
  const read = (path: string) => {
    asked.push(path);
    const text = files[path];
    return text === undefined
      ? Promise.reject(Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' }))
      : Promise.resolve(text);
  };
  return { read, asked };
}

async function issuesOf(
  text: string,
  files?: Record<string, string>,
): Promise<ProvisioningIssue[]> {
  try {
    await parseProvisioning(text, { fileName: 'test.yaml', readFlowFile: reader(files).read });
  } catch (error) {
    if (error instanceof ProvisioningError) return [...error.issues];
    throw error;
  }
  throw new Error('expected the file to be rejected');
}

describe('parseProvisioning', () => {
  it('accepts the contract example as written and normalises it', async () => {
    const files = reader();
    const doc = await parseProvisioning(CONTRACT_EXAMPLE, {
      fileName: 'switchboard.yaml',
      readFlowFile: files.read,
    });
    expect(files.asked).toEqual(['flows/vip.json']);
    expect(doc.trunks).toEqual([
      {
        id: 'carrier',
        host: '127.0.0.1',
        port: 5090,
        inbound: ['127.0.0.1'],
        username: 'acme',
        password: 's3cret',
        calledNumberFrom: 'request-uri',
      },
    ]);
    expect(doc.users).toHaveLength(1);
    const alice = doc.users[0]!;
    expect(alice).toMatchObject({
      path: 'users[0]',
      id: 'alice',
      name: 'Alice Archer',
      email: 'alice@example.test',
      password: 'alice-web-pass',
      timezone: 'America/New_York',
      country: 'US',
      role: 'user',
      attendantId: 'frank',
      defaultHandling: 'builtin:ring-then-voicemail',
      unknownHandling: 'builtin:voicemail',
      numbers: ['+12025550100'],
    });
    expect(alice.devices).toEqual([
      {
        kind: 'sip',
        id: 'desk',
        userId: 'alice',
        name: 'desk',
        sipUsername: 'alice-desk',
        sipPassword: 'desk-pass',
      },
      { kind: 'external', id: 'cell', userId: 'alice', name: 'cell', number: '+12025550199' },
    ]);
    expect(alice.handlingCodes).toEqual([
      { userId: 'alice', code: 'VIP', method: 'vip', description: null },
      { userId: 'alice', code: 'BLOCK', method: 'builtin:reject', description: null },
    ]);
    expect(alice.flows).toHaveLength(1);
    expect(alice.flows[0]).toMatchObject({ id: 'vip', name: 'VIP' });
    // Defaults of the flow document are filled in, so stored documents compare stably.
    expect(alice.flows[0]?.document.nodes[0]?.config).toEqual({});
    expect(alice.contacts).toEqual([
      {
        key: 'Bob Boss',
        name: 'Bob Boss',
        organization: null,
        emails: ['bob@example.test'],
        phones: [{ e164: '+12025550142', raw: '(202) 555-0142', type: null }],
        handlingCode: 'VIP',
      },
    ]);
  });

  it('reads the same document written as JSON', async () => {
    const json = JSON.stringify({
      country: 'gb',
      users: [
        {
          id: 'olivia',
          name: 'Olivia',
          email: 'olivia@example.test',
          numbers: ['020 7946 0958'],
          handling: { codes: { vip: { method: 'builtin:ring-all', description: 'Ring' } } },
          contacts: [{ id: 'c1', name: 'Pat', phones: ['+33 1 42 68 53 00'], handlingCode: 'Vip' }],
        },
      ],
    });
    const doc = await parseProvisioning(json);
    const user = doc.users[0]!;
    expect(user.country).toBe('GB');
    expect(user.numbers).toEqual(['+442079460958']);
    expect(user.timezone).toBe('UTC');
    expect(user.defaultHandling).toBe('builtin:ring-then-voicemail');
    expect(user.unknownHandling).toBe('builtin:ring-then-voicemail');
    expect(user.handlingCodes).toEqual([
      { userId: 'olivia', code: 'VIP', method: 'builtin:ring-all', description: 'Ring' },
    ]);
    expect(user.contacts[0]).toMatchObject({ key: 'c1', handlingCode: 'VIP' });
  });

  it("reads a user's numbers with the user's own country", async () => {
    const doc = await parseProvisioning(`
country: US
users:
  - { id: a, name: A, email: a@example.test, numbers: ['(202) 555-0100'] }
  - { id: b, name: B, email: b@example.test, country: FR, numbers: ['01 42 68 53 00'] }
`);
    expect(doc.users.map((u) => [u.country, u.numbers])).toEqual([
      ['US', ['+12025550100']],
      ['FR', ['+33142685300']],
    ]);
  });

  it('rejects a bad file whole, with every problem by path, even several in one user', async () => {
    const bad = `
country: US
trunks:
  - id: carrier
    address: 127.0.0.1:99999
    username: acme
users:
  - id: alice
    name: Alice
    email: alice@example.test
    numbers: ["+12025550100"]
    devises: []
  - id: bob
    name: Bob
    email: bob@example.test
    numbers: ["+1 202 555 0100", "not a number"]
    devices:
      - id: desk
        sip: { username: bob-desk }
    handling:
      codes:
        VIP: vipp
`;
    const issues = await issuesOf(bad);
    expect(issues).toEqual([
      {
        path: 'trunks[0].address',
        message:
          '"127.0.0.1:99999" is not host:port (e.g. 203.0.113.5:5060, sip.carrier.example or [2001:db8::1]:5060)',
      },
      { path: 'trunks[0].password', message: 'required when username is set' },
      { path: 'users[0].devises', message: 'unknown key (did you mean "devices"?)' },
      {
        path: 'users[1].numbers[1]',
        message:
          '"not a number" is not a phone number: it holds characters other than digits, spaces and ()-./+',
      },
      { path: 'users[1].devices[0].sip.password', message: 'required' },
      {
        path: 'users[1].handling.codes.VIP',
        message: expect.stringMatching(
          /^"vipp" is neither a builtin nor one of the user's flows \(the user has no flows; /,
        ) as unknown,
      },
      {
        path: 'users[1].numbers[0]',
        message:
          '+12025550100 already reaches user "alice" (users[0].numbers[0]); a number reaches one user',
      },
    ]);
  });

  it('reports cross-checks: duplicate numbers across users, unknown flows, bad codes', async () => {
    const bad = `
country: US
users:
  - id: alice
    name: Alice
    email: alice@example.test
    numbers: ["+12025550100"]
    handling:
      default: builtin:ring-forever
      codes:
        VIP: vipp
        vip: builtin:ring-all
        BOSS: { method: builtin:attendant-then-voicemail }
    flows:
      - id: vip
        file: flows/vip.json
    contacts:
      - name: Bob
        handlingCode: FRIEND
  - id: bob
    name: Bob
    email: Alice@example.test
    numbers: ["(202) 555-0100"]
    devices:
      - id: desk
        sip: { username: shared, password: long-enough }
      - id: cell
        number: "+12025550100"
  - id: carol
    name: Carol
    email: carol@example.test
    devices:
      - id: desk
        sip: { username: shared, password: long-enough }
`;
    const issues = await issuesOf(bad);
    const builtins =
      'builtin:ring-then-voicemail, builtin:ring-all, builtin:voicemail, builtin:reject, ' +
      'builtin:forward:<deviceId>, builtin:attendant-then-voicemail, builtin:business-hours-menu';
    expect(issues).toEqual([
      {
        path: 'users[0].handling.default',
        message: `unknown builtin "builtin:ring-forever"; the builtins are ${builtins}`,
      },
      {
        path: 'users[0].handling.codes.VIP',
        message: `"vipp" is neither a builtin nor one of the user's flows (the user's flows are vip; the builtins are ${builtins})`,
      },
      {
        path: 'users[0].handling.codes.BOSS.method',
        message: '"builtin:attendant-then-voicemail" needs the user to have an "attendant"',
      },
      {
        path: 'users[0].handling.codes.vip',
        message: 'handling code VIP is also written as "VIP" (codes ignore case)',
      },
      {
        path: 'users[0].contacts[0].handlingCode',
        message: `"FRIEND" is not one of alice's handling codes (VIP, BOSS)`,
      },
      {
        path: 'users[1].email',
        message:
          'alice@example.test is already the e-mail address of another user (also at users[0].email)',
      },
      {
        path: 'users[1].numbers[0]',
        message:
          '+12025550100 already reaches user "alice" (users[0].numbers[0]); a number reaches one user',
      },
      {
        path: 'users[1].devices[1].number',
        message: '+12025550100 is a number of user "alice" here; ring a phone outside Switchboard',
      },
      {
        path: 'users[2].devices[0].sip.username',
        message:
          'SIP username "shared" is already used by another device (usernames are server-wide) (also at users[1].devices[0].sip.username)',
      },
    ]);
  });

  it('accepts builtin:forward:<deviceId> for a device of the user only', async () => {
    const doc = `
country: US
users:
  - id: alice
    name: Alice
    email: alice@example.test
    devices:
      - id: cell
        number: "+12025550199"
    handling:
      default: builtin:forward:cell
      codes:
        HOME: builtin:forward:home
        BARE: builtin:forward
        ODD: builtin:voicemail:cell
  - id: bob
    name: Bob
    email: bob@example.test
    handling: { default: builtin:forward:cell }
`;
    expect(await issuesOf(doc)).toEqual([
      {
        path: 'users[0].handling.codes.HOME',
        message: `"builtin:forward:home" names no device of the user's (the user's devices are cell)`,
      },
      {
        path: 'users[0].handling.codes.BARE',
        message:
          '"builtin:forward" needs a deviceId: write builtin:forward:<deviceId>, e.g. builtin:forward:cell',
      },
      {
        path: 'users[0].handling.codes.ODD',
        message: '"builtin:voicemail:cell" takes nothing after its name: write builtin:voicemail',
      },
      {
        path: 'users[1].handling.default',
        message: `"builtin:forward:cell" names no device of the user's (the user has no devices)`,
      },
    ]);
    const fine = await parseProvisioning(`
country: US
users:
  - id: alice
    name: Alice
    email: alice@example.test
    devices: [{ id: cell, number: "+12025550199" }]
    handling: { default: builtin:forward:cell, codes: { CELL: builtin:forward:cell } }
`);
    expect(fine.users[0]).toMatchObject({
      defaultHandling: 'builtin:forward:cell',
      handlingCodes: [{ code: 'CELL', method: 'builtin:forward:cell' }],
    });
  });

  it('says where a YAML syntax error is', async () => {
    const issues = await issuesOf('users:\n  - id: alice\n    name: [unclosed\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('');
    expect(issues[0]?.message).toMatch(/^syntax error at line \d+, column \d+: /);
  });

  it('rejects a key written twice instead of keeping the last one', async () => {
    const issues = await issuesOf('country: US\ncountry: GB\n');
    expect(issues[0]?.message).toMatch(
      /^syntax error at line 2, column 1: Map keys must be unique/,
    );
  });

  it('tells people to quote numbers that YAML read as integers', async () => {
    const issues = await issuesOf(
      'country: US\nusers:\n  - { id: a, name: A, email: a@example.test, numbers: [+12025550100] }\n',
    );
    expect(issues).toEqual([
      {
        path: 'users[0].numbers[0]',
        message:
          'write phone numbers in quotes ("+12025550100"): unquoted, YAML reads them as integers',
      },
    ]);
  });

  it('needs a country somewhere to read local numbers', async () => {
    const issues = await issuesOf(
      "users:\n  - { id: a, name: A, email: a@example.test, numbers: ['(202) 555-0100'] }\n",
    );
    expect(issues).toEqual([
      {
        path: 'users[0].numbers[0]',
        message:
          '"(202) 555-0100" has no country code: write it as +<country code>... or set "country"',
      },
      {
        path: 'users[0].country',
        message: 'required here or at the top of the file (it says how to read local numbers)',
      },
    ]);
    const noCountryAtAll = await issuesOf(
      "users:\n  - { id: a, name: A, email: a@example.test, numbers: ['+12025550100'] }\n",
    );
    expect(noCountryAtAll).toEqual([
      {
        path: 'users[0].country',
        message: 'required here or at the top of the file (it says how to read local numbers)',
      },
    ]);
  });

  it('checks flow files and inline maps with the flow validator', async () => {
    const text = `
country: US
users:
  - id: alice
    name: Alice
    email: alice@example.test
    flows:
      - { id: missing, file: flows/missing.json }
      - { id: broken, file: flows/broken.json }
      - { id: odd, file: flows/odd.json }
      - id: inline
        map:
          schemaVersion: 1
          name: Inline
          nodes: [{ id: start, type: incoming-call, position: { x: 0, y: 0 } }, { id: x, type: teleport, position: { x: 1, y: 1 } }]
          edges: [{ from: { node: start, pin: next }, to: { node: x } }]
      - { id: both, file: a.json, map: {} }
`;
    const issues = await issuesOf(text, {
      'flows/broken.json': '{"schemaVersion": 1,',
      'flows/odd.json': JSON.stringify({ ...VIP_FLOW, nodes: VIP_FLOW.nodes.slice(0, 3) }),
    });
    expect(issues.map((i) => i.path)).toEqual([
      'users[0].flows[4]',
      'users[0].flows[0].file',
      'users[0].flows[1].file',
      'users[0].flows[2].file',
      'users[0].flows[3].map.nodes[1].type',
    ]);
    expect(issues[0]?.message).toBe('has both "file" and "map": give one');
    expect(issues[1]?.message).toBe('cannot read flows/missing.json: no such file');
    expect(issues[2]?.message).toMatch(/^flows\/broken.json: syntax error at line 1/);
    expect(issues[3]?.message).toBe('flows/odd.json at edges[2].to.node: no node with id "done"');
    expect(issues[4]?.message).toMatch(
      /^unknown element type "teleport"; known types: incoming-call, /,
    );
  });

  it("checks flows with the user's handling codes and Go to between the user's flows", async () => {
    const node = (id: string, type: string, x: number, config?: object) => ({
      id,
      type,
      position: { x, y: 0 },
      ...(config ? { config } : {}),
    });
    const edge = (from: string, pin: string, to: string) => ({
      from: { node: from, pin },
      to: { node: to },
    });
    // Sorts callers by handling code (a pin per code of the user's), then goes to `again`.
    const sort = {
      schemaVersion: 1,
      name: 'Sort',
      nodes: [
        node('start', 'incoming-call', 0),
        node('who', 'match-caller', 200),
        node('go', 'goto-flow', 400, { flow: 'again' }),
        node('vm', 'voicemail', 400),
      ],
      edges: [
        edge('start', 'next', 'who'),
        edge('who', 'code:VIP', 'vm'),
        ...['known-no-code', 'unknown', 'anonymous'].map((pin) => edge('who', pin, 'go')),
      ],
    };
    const again = {
      schemaVersion: 1,
      name: 'Again',
      nodes: [node('start', 'incoming-call', 0), node('go', 'goto-flow', 200, { flow: 'sort' })],
      edges: [edge('start', 'next', 'go')],
    };
    const doc = (code: string, againMap: object) => `
country: US
users:
  - id: alice
    name: Alice
    email: alice@example.test
    handling: { codes: { ${code}: builtin:ring-all } }
    flows:
      - { id: sort, map: ${JSON.stringify(sort)} }
      - { id: again, map: ${JSON.stringify(againMap)} }
`;
    const ending = {
      ...again,
      nodes: [again.nodes[0], node('go', 'goto-flow', 200, { flow: 'builtin:voicemail' })],
    };
    await expect(parseProvisioning(doc('vip', ending))).resolves.toMatchObject({
      users: [{ id: 'alice' }],
    });
    expect(await issuesOf(doc('family', ending))).toEqual([
      {
        path: 'users[0].flows[0].map.edges[1].from.pin',
        message:
          'node "who" has no pin "code:VIP"; the pins of a match-caller node here are: code:FAMILY, known-no-code, unknown, anonymous',
      },
    ]);
    expect(await issuesOf(doc('vip', again))).toEqual([
      {
        path: 'users[0].flows[0].map.nodes[2].config.flow',
        message:
          'goes to flow "again", which comes back here (sort -> again -> sort); flows must not go to each other in a cycle',
      },
      {
        path: 'users[0].flows[1].map.nodes[1].config.flow',
        message:
          'goes to flow "sort", which comes back here (again -> sort -> again); flows must not go to each other in a cycle',
      },
    ]);
  });

  it('lists every problem in the error message, one per line', async () => {
    const error = await parseProvisioning(
      'country: US\nusers:\n  - { id: Bad Id, name: "", email: nope }\n',
      { fileName: 'bad.yaml' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisioningError);
    expect((error as Error).message).toBe(
      [
        'bad.yaml was not applied (3 problems):',
        '  users[0].id: use 1-63 lower-case letters, digits, dot, dash or underscore, starting with a letter or digit',
        '  users[0].name: must not be empty',
        '  users[0].email: must be an e-mail address',
      ].join('\n'),
    );
  });

  it('checks trunk addresses and inbound networks', async () => {
    const doc = await parseProvisioning(`
trunks:
  - { id: a, address: sip.carrier.example, inbound: [198.51.100.0/24, "2001:db8::1"] }
  - { id: b, address: "[2001:db8::5]:5080" }
`);
    expect(doc.trunks.map((t) => [t.host, t.port, t.inbound])).toEqual([
      ['sip.carrier.example', 5060, ['198.51.100.0/24', '2001:db8::1']],
      ['2001:db8::5', 5080, []],
    ]);
    const issues = await issuesOf(
      'trunks:\n  - { id: a, address: "1.2.3.4", inbound: [carrier.example, 10.0.0.0/33] }\n  - { id: a, address: "1.2.3.4" }\n',
    );
    expect(issues.map((i) => i.path)).toEqual([
      'trunks[0].inbound[0]',
      'trunks[0].inbound[1]',
      'trunks[1].id',
    ]);
  });

  it('lets x- keys hold YAML anchors that users merge in', async () => {
    const doc = await parseProvisioning(`
x-defaults: &defaults
  timezone: Europe/Paris
  country: FR
  handling: { default: builtin:ring-all }
users:
  - { <<: *defaults, id: a, name: A, email: a@example.test, numbers: ['01 42 68 53 00'] }
  - { <<: *defaults, id: b, name: B, email: b@example.test, timezone: UTC }
`);
    expect(doc.users.map((u) => [u.timezone, u.country, u.defaultHandling, u.numbers])).toEqual([
      ['Europe/Paris', 'FR', 'builtin:ring-all', ['+33142685300']],
      ['UTC', 'FR', 'builtin:ring-all', []],
    ]);
  });

  it('accepts an empty file, which describes nothing', async () => {
    expect(await parseProvisioning('# nothing yet\n')).toEqual({
      fileName: undefined,
      trunks: [],
      users: [],
    });
  });

  it('rejects a file that is not a mapping', async () => {
    expect(await issuesOf('- just\n- a list\n')).toEqual([
      { path: '', message: 'expected a mapping, got a list' },
    ]);
  });
});
