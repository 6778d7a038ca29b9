import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataPathError } from '../../domain/ports/data-files.js';
import { DataDirFiles } from './data-dir-files.js';

describe('DataDirFiles', () => {
  let base: string;
  let root: string;
  let files: DataDirFiles;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'switchboard-files-'));
    root = join(base, 'data');
    await mkdir(root);
    files = new DataDirFiles(root);
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('writes whole files (no temporary left), reads, sizes, streams ranges, removes', async () => {
    await files.write('greetings/alice/a.wav', Buffer.from('first version'));
    await files.write('greetings/alice/a.wav', Buffer.from('0123456789'));
    expect(await readdir(join(root, 'greetings', 'alice'))).toEqual(['a.wav']);
    expect((await files.read('greetings/alice/a.wav')).toString()).toBe('0123456789');
    expect(await files.size('greetings/alice/a.wav')).toBe(10);
    expect(await files.size('greetings/alice/missing.wav')).toBeUndefined();
    expect(await files.size('nowhere/at/all.wav')).toBeUndefined();
    const chunks: Buffer[] = [];
    for await (const chunk of await files.openRead('greetings/alice/a.wav', { start: 2, end: 5 })) {
      chunks.push(chunk as Buffer);
    }
    expect(Buffer.concat(chunks).toString()).toBe('2345');
    await expect(files.openRead('greetings/alice/missing.wav')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(await files.remove('greetings/alice/a.wav')).toBe(true);
    expect(await files.remove('greetings/alice/a.wav')).toBe(false);
  });

  it('refuses paths that leave the data directory, by name or through a link', async () => {
    await writeFile(join(base, 'outside.txt'), 'outside');
    for (const bad of ['../outside.txt', '/etc/passwd', 'a/../../outside.txt', '']) {
      await expect(files.read(bad), bad).rejects.toBeInstanceOf(DataPathError);
      await expect(files.remove(bad), bad).rejects.toBeInstanceOf(DataPathError);
      await expect(files.write(bad, Buffer.from('x')), bad).rejects.toBeInstanceOf(DataPathError);
    }
    // A link inside the data directory pointing out of it.
    await symlink(base, join(root, 'voicemail'));
    await expect(files.prepare('voicemail/alice/x.wav')).rejects.toBeInstanceOf(DataPathError);
    await expect(files.write('voicemail/outside.txt', Buffer.from('x'))).rejects.toBeInstanceOf(
      DataPathError,
    );
    await expect(files.read('voicemail/outside.txt')).rejects.toBeInstanceOf(DataPathError);
    await expect(files.remove('voicemail/outside.txt')).rejects.toBeInstanceOf(DataPathError);
    expect(await readFile(join(base, 'outside.txt'), 'utf8')).toBe('outside');
    expect(files.absolute('voicemail/a.wav')).toBe(join(root, 'voicemail', 'a.wav'));
    expect(() => files.absolute('../a.wav')).toThrow(DataPathError);
  });
});
