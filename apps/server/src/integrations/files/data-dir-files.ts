/**
 * The domain's `DataFiles` on the data directory. Every path goes through the media package's
 * safe-path checks (no absolute paths, no `..`, no symbolic link leading out of the directory),
 * whatever the domain passes; a refused path is a `DataPathError`.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import {
  existingFileUnderRoot,
  prepareFileUnderRoot,
  resolveUnderRoot,
  UnsafePathError,
} from '@switchboard/media';
import { DataPathError, type ByteRange, type DataFiles } from '../../domain/ports/data-files.js';

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Runs `work`, turning the safe-path refusal into the domain's error. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UnsafePathError) throw new DataPathError(error.message, { cause: error });
    throw error;
  }
}

export class DataDirFiles implements DataFiles {
  constructor(private readonly root: string) {}

  prepare(relativePath: string): Promise<void> {
    return guarded(async () => {
      await prepareFileUnderRoot(this.root, relativePath);
    });
  }

  write(relativePath: string, bytes: Uint8Array): Promise<void> {
    return guarded(async () => {
      const target = await prepareFileUnderRoot(this.root, relativePath);
      const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      // O_EXCL: never write through something already at the temporary name (a planted link).
      const handle = await open(temporary, 'wx', 0o640);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } catch (error) {
        await handle.close();
        await unlink(temporary).catch(() => undefined);
        throw error;
      }
      await handle.close();
      try {
        await rename(temporary, target);
      } catch (error) {
        await unlink(temporary).catch(() => undefined);
        throw error;
      }
      await syncDirectory(dirname(target));
    });
  }

  read(relativePath: string): Promise<Buffer> {
    return guarded(async () => {
      const path = await existingFileUnderRoot(this.root, relativePath);
      const handle = await open(path, 'r');
      try {
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    });
  }

  size(relativePath: string): Promise<number | undefined> {
    return guarded(async () => {
      try {
        const path = await existingFileUnderRoot(this.root, relativePath);
        const info = await stat(path);
        return info.isFile() ? info.size : undefined;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    });
  }

  openRead(relativePath: string, range?: ByteRange): Promise<Readable> {
    return guarded(async () => {
      const path = await existingFileUnderRoot(this.root, relativePath);
      // Opened here so a missing file rejects now rather than as a stream error mid-reply.
      const handle = await open(path, 'r');
      return handle.createReadStream(
        range === undefined
          ? { autoClose: true }
          : { start: range.start, end: range.end, autoClose: true },
      );
    });
  }

  remove(relativePath: string): Promise<boolean> {
    return guarded(async () => {
      let path: string;
      try {
        path = await existingFileUnderRoot(this.root, relativePath);
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
      try {
        await unlink(path);
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    });
  }

  /** The absolute path of `relativePath` (checked, not touched): for players that read files. */
  absolute(relativePath: string): string {
    try {
      return resolveUnderRoot(this.root, relativePath);
    } catch (error) {
      if (error instanceof UnsafePathError)
        throw new DataPathError(error.message, { cause: error });
      throw error;
    }
  }
}

/** fsync a directory so a rename in it survives a crash (a no-op where that is not allowed). */
async function syncDirectory(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    await handle?.close();
  }
}
