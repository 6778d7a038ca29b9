import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toneInt16 } from '../wav/test-support/audio.js';
import { encodeWav } from '../wav/writer.js';
import { ByteLru } from './byte-lru.js';
import { PromptLibrary, PromptLoadError } from './prompt-library.js';

describe('ByteLru', () => {
  it('evicts the least recently used entries to stay within its byte bound', () => {
    const lru = new ByteLru<string>(10, (v) => v.length);
    lru.set('a', 'aaaa');
    lru.set('b', 'bbbb');
    expect(lru.get('a')).toBe('aaaa'); // a is now the most recent
    lru.set('c', 'cccc');
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe('aaaa');
    expect(lru.bytes).toBe(8);
    lru.set('huge', 'x'.repeat(11)); // larger than the cache: not stored, nothing evicted
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.size).toBe(2);
    lru.set('a', 'aa'); // replacing updates the byte count
    expect(lru.bytes).toBe(6);
    lru.delete('a');
    lru.clear();
    expect([lru.size, lru.bytes]).toEqual([0, 0]);
    expect(() => new ByteLru<string>(-1, (v) => v.length)).toThrow(RangeError);
  });
});

describe('PromptLibrary', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prompts-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function writePrompt(name: string, samples: number, rate = 8000): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, encodeWav(toneInt16(1000, rate, samples), rate));
    return path;
  }

  it('decodes once (converted to 8 kHz) and returns the cached PCM afterwards', async () => {
    const path = await writePrompt('hello.wav', 16000, 16000);
    const library = new PromptLibrary();
    const first = await library.load(path);
    expect(first).toHaveLength(8000);
    expect(await library.load(path)).toBe(first);
    expect(library.stats).toEqual({ entries: 1, bytes: 16000, hits: 1, loads: 1 });
  });

  it('shares one decode between concurrent loads of the same file', async () => {
    const path = await writePrompt('busy.wav', 8000);
    const library = new PromptLibrary();
    const all = await Promise.all(Array.from({ length: 10 }, () => library.load(path)));
    expect(new Set(all).size).toBe(1);
    expect(library.stats.loads).toBe(1);
  });

  it('reloads a file replaced on disk (new mtime or size)', async () => {
    const path = await writePrompt('menu.wav', 800);
    const library = new PromptLibrary();
    expect(await library.load(path)).toHaveLength(800);
    await writeFile(path, encodeWav(toneInt16(500, 8000, 1600)));
    expect(await library.load(path)).toHaveLength(1600);
    // Same size, different content and time.
    await writeFile(path, encodeWav(new Int16Array(1600).fill(7)));
    const later = new Date(Date.now() + 60_000);
    await utimes(path, later, later);
    expect((await library.load(path))[0]).toBe(7);
    expect(library.stats).toMatchObject({ entries: 1, loads: 3 });
  });

  it('keeps within its memory bound, dropping the least recently used prompt', async () => {
    const a = await writePrompt('a.wav', 1000);
    const b = await writePrompt('b.wav', 1000);
    const c = await writePrompt('c.wav', 1000);
    const library = new PromptLibrary({ maxBytes: 4500 }); // two prompts of 2000 bytes
    await library.load(a);
    await library.load(b);
    await library.load(a);
    await library.load(c); // evicts b
    expect(library.stats).toMatchObject({ entries: 2, bytes: 4000, loads: 3 });
    await library.load(a);
    expect(library.stats.loads).toBe(3);
    await library.load(b);
    expect(library.stats.loads).toBe(4);
  });

  it('names the file and the reason when it cannot load', async () => {
    const library = new PromptLibrary({ maxFileBytes: 1000 });
    const missing = join(dir, 'missing.wav');
    await expect(library.load(missing)).rejects.toThrow(`cannot play ${missing}: file not found`);
    await expect(library.load(dir)).rejects.toThrow(`cannot play ${dir}: not a regular file`);
    const big = await writePrompt('big.wav', 1000);
    await expect(library.load(big)).rejects.toThrow(/2044 bytes is over the 1000-byte limit/);
    const broken = join(dir, 'broken.wav');
    await writeFile(broken, Buffer.from('RIFF\x10\x00\x00\x00WAVEdata\x00\x00\x00\x00', 'latin1'));
    const error: unknown = await library.load(broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptLoadError);
    expect((error as PromptLoadError).path).toBe(broken);
    expect((error as Error).message).toMatch(/not a usable WAV file: no 'fmt ' chunk/);
    // A failure is not cached: fixed files load.
    await writeFile(broken, encodeWav(new Int16Array(10)));
    expect(await library.load(broken)).toHaveLength(10);
  });

  it('with a root, keeps prompt paths inside it', async () => {
    const root = join(dir, 'root');
    await mkdir(join(root, 'greetings'), { recursive: true });
    await writeFile(join(root, 'greetings', 'hi.wav'), encodeWav(new Int16Array(80)));
    await writePrompt('outside.wav', 80);
    await symlink(join(dir, 'outside.wav'), join(root, 'greetings', 'link.wav'));
    const library = new PromptLibrary({ root });
    expect(await library.load('greetings/hi.wav')).toHaveLength(80);
    await expect(library.load('../outside.wav')).rejects.toThrow(/contains "\.\."/);
    await expect(library.load(join(dir, 'outside.wav'))).rejects.toThrow(/is absolute/);
    await expect(library.load('greetings/link.wav')).rejects.toThrow(/outside .* symbolic link/);
    await expect(library.load('greetings/none.wav')).rejects.toThrow(/file not found/);
  });
});
