import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliToEnd } from '../support/cli-process.js';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));

// `switchboard call simulate` as a person runs it: the built CLI, with and without a store.
describe('switchboard call simulate', () => {
  let dir: string;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCliToEnd(args, env, dir);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-simulate-'));
    cpSync(EXAMPLES, join(dir, 'examples'), { recursive: true });
    env = { SWITCHBOARD_DATA_DIR: join(dir, 'data') };
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('documents the scenario keys in its help', async () => {
    const result = await cli('call', 'simulate', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: switchboard call simulate/);
    for (const key of [
      'caller',
      'contact',
      'code',
      'status',
      'at',
      'presses',
      'answer',
      'override',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${key}\\s`, 'm'));
    }
  });

  it("runs a built-in template against the issue's example call and prints path and step log", async () => {
    const result = await cli(
      'call',
      'simulate',
      'builtin:ring-then-voicemail',
      '--scenario',
      'caller=+12025550142 contact="Bob Boss" code=VIP status=busy at=2026-11-23T09:00 tz=America/New_York presses=2 answer=none speaks=15',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'Call: Bob Boss +12025550142 (known, code VIP) to Alice (alice), status busy, Mon 2026-11-23 09:00 America/New_York',
    );
    expect(result.stdout).toMatch(/^Path: start -> ring -> voicemail$/m);
    expect(result.stdout).toMatch(/^Outcome: ended, after 0:4\d \(virtual time\)$/m);
    // The step log, one row per step: the ring rang out after the template's 20 seconds.
    expect(result.stdout).toMatch(
      /^ {2}2 +\+0:00 +element +main +ring +ring-devices +no-answer +20\.0 s /m,
    );
    expect(result.stdout).toMatch(/^ {2}3 +\+0:20 +precondition +main +voicemail /m);
    expect(result.stdout).toMatch(
      /ring device:alice\/desk, device:alice\/cell \(simultaneous, 20 s\) -> \{"outcome":"no-answer"\}/,
    );
    expect(result.stdout).toMatch(/record \(max \d+ s\) -> \{"outcome":"recorded"/);
  });

  it('runs a flow file, with the desktop choice and an override from the scenario', async () => {
    const choice = await cli(
      'call',
      'simulate',
      'examples/flows/vip.json',
      '--scenario',
      'contact="Bob Boss" code=VIP desktop=voicemail@2 speaks=5',
    );
    expect(choice.code).toBe(0);
    expect(choice.stdout).toMatch(/^Path: start -> notify -> voicemail$/m);

    const override = await cli(
      'call',
      'simulate',
      'examples/flows/vip.json',
      '--scenario',
      'override=forward:+15551234@15 answer=+15551234@4',
    );
    expect(override.code).toBe(0);
    expect(override.stdout).toMatch(/^Path: start -> notify -> ring -> override-forward$/m);
    expect(override.stdout).toMatch(/^Outcome: overridden/m);
    expect(override.stdout).toMatch(
      / +override +main +ring +ring-devices .*"decision":\{"kind":"forward"/,
    );
  });

  it('prints JSON with --json', async () => {
    const result = await cli('call', 'simulate', 'builtin:reject', '--json');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as {
      path: string[];
      outcome: string;
      actions: { op: string; code?: number }[];
    };
    expect(parsed.path).toEqual(['start', 'reject']);
    expect(parsed.outcome).toBe('ended');
    expect(parsed.actions).toEqual([expect.objectContaining({ op: 'reject', code: 603 })]);
  });

  it('exits 1 with every problem of an invalid map, and 2 for a bad scenario', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      [
        'schemaVersion: 1',
        'name: Broken',
        'nodes:',
        '  - { id: start, type: incoming-call, position: { x: 0, y: 0 } }',
        '  - { id: ring, type: ring-devices, position: { x: 1, y: 0 }, config: { timeoutSeconds: 1 } }',
        'edges:',
        '  - { from: { node: start, pin: next }, to: { node: ring } }',
        '  - { from: { node: ring, pin: busy }, to: { node: nowhere } }',
      ].join('\n'),
    );
    const invalid = await cli('call', 'simulate', bad);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toBe('');
    expect(invalid.stderr).toMatch(/bad\.yaml: \d+ problems\n/);
    expect(invalid.stderr).toMatch(
      /^ {2}nodes\[1\]\.config\.timeoutSeconds: must be at least 5 seconds$/m,
    );
    expect(invalid.stderr).toMatch(/^ {2}edges\[1\]\.to\.node: .*"nowhere"/m);

    const scenario = await cli(
      'call',
      'simulate',
      'builtin:voicemail',
      '--scenario',
      'status=asleep colour=red',
    );
    expect(scenario.code).toBe(2);
    expect(scenario.stderr).toMatch(/--scenario: 1 problem\n {2}colour: unknown key/);

    const unknown = await cli('call', 'simulate', 'builtin:teleport');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /unknown builtin "builtin:teleport"; the builtins are .*builtin:ring-then-voicemail/,
    );

    const missing = await cli('call', 'simulate', 'nowhere.json');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nowhere\.json cannot be read/);
  });

  it("takes the user's devices, attendant, contacts and flows from the store with --user", async () => {
    const provisioned = await cli('provision', 'examples/demo.yaml');
    expect(provisioned.code).toBe(0);

    // Bob Boss is in Alice's contacts with code VIP; Frank is her attendant.
    const result = await cli(
      'call',
      'simulate',
      'builtin:attendant-then-voicemail',
      '--user',
      'alice',
      '--scenario',
      'caller=+12025550142 answer=user:frank@3',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'Call: Bob Boss +12025550142 (known, code VIP) to Alice Archer (alice)',
    );
    expect(result.stdout).toMatch(/America\/New_York/);
    expect(result.stdout).toMatch(/^Path: start -> attendant -> done$/m);
    expect(result.stdout).toMatch(/ring user:frank .* -> \{"outcome":"answered"/);

    // Go to one of her stored flows (vip, from the provisioning file).
    const handOver = join(dir, 'hand-over.json');
    writeFileSync(
      handOver,
      JSON.stringify({
        schemaVersion: 1,
        name: 'Hand over to VIP',
        nodes: [
          { id: 'start', type: 'incoming-call', position: { x: 0, y: 0 } },
          { id: 'go', type: 'goto-flow', position: { x: 1, y: 0 }, config: { flow: 'vip' } },
        ],
        edges: [{ from: { node: 'start', pin: 'next' }, to: { node: 'go' } }],
      }),
    );
    const jumped = await cli(
      'call',
      'simulate',
      handOver,
      '--user',
      'alice',
      '--scenario',
      'answer=cell@2',
    );
    expect(jumped.code).toBe(0);
    expect(jumped.stdout).toMatch(
      /^Path: start -> go -> vip\/start -> vip\/notify -> vip\/ring -> vip\/done$/m,
    );
    expect(jumped.stdout).toMatch(/ring device:alice\/(desk|cell), device:alice\/(desk|cell) /);

    const nobody = await cli('call', 'simulate', 'builtin:voicemail', '--user', 'zed');
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('user: there is no user "zed"');
  });
});
