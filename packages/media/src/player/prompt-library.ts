/**
 * Prompt files decoded once and shared: every call playing "welcome.wav" plays the same 8 kHz
 * Int16Array. Entries are keyed by path, modification time and size, so replacing a file on disk
 * is picked up on the next play without a restart; the cache is bounded by bytes (LRU), and two
 * calls asking for the same file at once wait on one decode.
 */
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { existingFileUnderRoot } from '../recorder/safe-path.js';
import { WavFormatError } from '../wav/errors.js';
import { wavToPcm8k } from '../wav/reader.js';
import { ByteLru } from './byte-lru.js';

/** A prompt that could not be loaded; the message names the file and the reason. */
export class PromptLoadError extends Error {
  override readonly name = 'PromptLoadError';

  constructor(
    readonly path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot play ${path}: ${reason}`, options);
  }
}

export interface PromptLibraryOptions {
  /** Memory for decoded prompts; default 64 MiB (about 70 minutes of 8 kHz audio). */
  readonly maxBytes?: number;
  /** Files larger than this are refused before reading; default 256 MiB. */
  readonly maxFileBytes?: number;
  /**
   * When given, prompt paths are relative to this directory and may not leave it (no absolute
   * paths, no `..`, no links out). Without it, paths are used as given (configuration's choice).
   */
  readonly root?: string;
}

interface CachedPrompt {
  readonly pcm: Int16Array;
  readonly mtime: number;
  readonly size: number;
}

export interface PromptLibraryStats {
  readonly entries: number;
  readonly bytes: number;
  readonly hits: number;
  readonly loads: number;
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

export class PromptLibrary {
  /** By absolute path; an entry whose mtime or size no longer match the file is stale. */
  private readonly cache: ByteLru<CachedPrompt>;
  /** Decodes in progress, by path + mtime + size. */
  private readonly inflight = new Map<string, Promise<Int16Array>>();
  private readonly maxFileBytes: number;
  private readonly root: string | undefined;
  private hits = 0;
  private loads = 0;

  constructor(options: PromptLibraryOptions = {}) {
    this.cache = new ByteLru(options.maxBytes ?? 64 * 1024 * 1024, (entry) => entry.pcm.byteLength);
    this.maxFileBytes = options.maxFileBytes ?? 256 * 1024 * 1024;
    this.root = options.root;
  }

  /**
   * The prompt as 8 kHz 16-bit mono PCM. Rejects with a `PromptLoadError` naming the file when it
   * is missing, unreadable, outside the root, or not a WAV file we can decode. The returned array
   * is shared: callers must not modify it.
   */
  async load(path: string): Promise<Int16Array> {
    const absolute = await this.resolvePath(path);
    let size: number;
    let mtime: number;
    try {
      const info = await stat(absolute);
      if (!info.isFile()) throw new PromptLoadError(path, 'not a regular file');
      size = info.size;
      mtime = info.mtimeMs;
    } catch (error) {
      if (error instanceof PromptLoadError) throw error;
      throw new PromptLoadError(path, describeFsError(error), { cause: error });
    }
    const cached = this.cache.get(absolute);
    if (cached !== undefined && cached.mtime === mtime && cached.size === size) {
      this.hits += 1;
      return cached.pcm;
    }
    const key = `${absolute}\0${mtime}\0${size}`;
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.decode(path, absolute, mtime, size);
      this.inflight.set(key, pending);
      const forget = (): void => {
        this.inflight.delete(key);
      };
      pending.then(forget, forget);
    } else {
      this.hits += 1;
    }
    return pending;
  }

  /** Drops every cached prompt (e.g. after bulk-replacing files). */
  clear(): void {
    this.cache.clear();
  }

  get stats(): PromptLibraryStats {
    return {
      entries: this.cache.size,
      bytes: this.cache.bytes,
      hits: this.hits,
      loads: this.loads,
    };
  }

  private async resolvePath(path: string): Promise<string> {
    if (this.root === undefined) return resolve(path);
    try {
      return await existingFileUnderRoot(this.root, path);
    } catch (error) {
      throw new PromptLoadError(path, describeFsError(error), { cause: error });
    }
  }

  private async decode(
    path: string,
    absolute: string,
    mtime: number,
    size: number,
  ): Promise<Int16Array> {
    if (size > this.maxFileBytes) {
      throw new PromptLoadError(
        path,
        `${size} bytes is over the ${this.maxFileBytes}-byte limit for prompts`,
      );
    }
    this.loads += 1;
    let bytes: Buffer;
    try {
      const handle = await open(absolute, 'r');
      try {
        bytes = await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw new PromptLoadError(path, describeFsError(error), { cause: error });
    }
    let pcm: Int16Array;
    try {
      pcm = wavToPcm8k(bytes);
    } catch (error) {
      if (error instanceof WavFormatError) {
        throw new PromptLoadError(path, `not a usable WAV file: ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
    // Replaces the entry of an older version of the file, if any.
    this.cache.set(absolute, { pcm, mtime, size });
    return pcm;
  }
}
