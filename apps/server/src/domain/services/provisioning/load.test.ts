import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProvisioningFile } from './load.js';
import { ProvisioningError } from './provisioning-error.js';

describe('loadProvisioningFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchboard-provision-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads JSON files and flow files relative to the provisioning file', async () => {
    await mkdir(join(dir, 'conf', 'flows'), { recursive: true });
    const flow = {
      schemaVersion: 1,
      name: 'Night',
      nodes: [
        { id: 'start', type: 'incoming-call', position: { x: 0, y: 0 } },
        { id: 'vm', type: 'voicemail', position: { x: 100, y: 0 } },
      ],
      edges: [{ from: { node: 'start', pin: 'next' }, to: { node: 'vm' } }],
    };
    await writeFile(
      join(dir, 'conf', 'flows', 'night.yaml'),
      `# a flow in YAML\n${JSON.stringify(flow)}\n`,
    );
    const file = join(dir, 'conf', 'switchboard.json');
    await writeFile(
      file,
      JSON.stringify({
        users: [
          {
            id: 'nina',
            name: 'Nina',
            email: 'nina@example.test',
            country: 'DE',
            numbers: ['030 901820'],
            handling: { default: 'night' },
            flows: [{ id: 'night', file: 'flows/night.yaml' }],
          },
        ],
      }),
    );
    const doc = await loadProvisioningFile(file);
    expect(doc.fileName).toBe(file);
    expect(doc.users[0]).toMatchObject({ numbers: ['+4930901820'], defaultHandling: 'night' });
    expect(doc.users[0]?.flows[0]).toMatchObject({ id: 'night', name: 'Night' });
  });

  it('refuses flow files outside the provisioning file’s folder, without quoting them', async () => {
    await mkdir(join(dir, 'conf'), { recursive: true });
    await writeFile(join(dir, 'secret.txt'), 'root:x:0:0:hunter2\n');
    const file = join(dir, 'conf', 'switchboard.yaml');
    const user = (flowFile: string) =>
      JSON.stringify({
        users: [
          {
            id: 'nina',
            name: 'Nina',
            email: 'nina@example.test',
            country: 'DE',
            flows: [{ id: 'night', file: flowFile }],
          },
        ],
      });
    for (const flowFile of ['../secret.txt', join(dir, 'secret.txt')]) {
      await writeFile(file, user(flowFile));
      const error = await loadProvisioningFile(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProvisioningError);
      const message = (error as Error).message;
      expect(message).toContain('users[0].flows[0].file');
      expect(message).toContain('must be inside the folder of the provisioning file');
      expect(message).not.toContain('hunter2');
    }
  });

  it('lists only the first problems of a file that is not a flow map at all', async () => {
    await mkdir(join(dir, 'conf'), { recursive: true });
    const junk = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key${String(i)}`, i]));
    await writeFile(join(dir, 'conf', 'junk.json'), JSON.stringify(junk));
    const file = join(dir, 'conf', 'switchboard.yaml');
    await writeFile(
      file,
      JSON.stringify({
        users: [
          {
            id: 'nina',
            name: 'Nina',
            email: 'nina@example.test',
            country: 'DE',
            flows: [{ id: 'junk', file: 'junk.json' }],
          },
        ],
      }),
    );
    const error = await loadProvisioningFile(file).catch((e: unknown) => e);
    const issues = (error as ProvisioningError).issues;
    expect(issues.length).toBeLessThanOrEqual(11);
    expect(issues.map((i) => i.message).join('\n')).toMatch(/more problems not listed/);
  });

  it('says plainly when the file is missing', async () => {
    const missing = join(dir, 'nope.yaml');
    const error = await loadProvisioningFile(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisioningError);
    expect((error as ProvisioningError).issues).toEqual([
      { path: '', message: `cannot read ${missing}: no such file` },
    ]);
  });
});
