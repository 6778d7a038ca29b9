/**
 * Files under the data directory (recordings, greetings), by paths relative to it. The domain
 * chooses the paths (never from anything a caller or user sent); the adapter
 * (integrations/files/) still refuses any path that would leave the data directory, including
 * through a symbolic link.
 */
import type { Readable } from 'node:stream';

/** A path that would leave the data directory, or is not a usable relative path. */
export class DataPathError extends Error {
  override readonly name = 'DataPathError';
}

/** Inclusive byte range, as HTTP Range gives it. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface DataFiles {
  /** Creates the folders of `relativePath` so a file can be written there. */
  prepare(relativePath: string): Promise<void>;
  /**
   * Writes the whole file: to a temporary name, synced, then renamed over `relativePath`, so a
   * crash leaves the old file or the new one, never half of one.
   */
  write(relativePath: string, bytes: Uint8Array): Promise<void>;
  /** The whole file; rejects (ENOENT) when it is missing. */
  read(relativePath: string): Promise<Buffer>;
  /** The file's size in bytes, or undefined when there is no such file. */
  size(relativePath: string): Promise<number | undefined>;
  /** A stream of the file (or of `range` of it); rejects when it is missing. */
  openRead(relativePath: string, range?: ByteRange): Promise<Readable>;
  /** Deletes the file; false when there was none. */
  remove(relativePath: string): Promise<boolean>;
}
