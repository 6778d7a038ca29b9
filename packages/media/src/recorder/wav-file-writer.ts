/**
 * Streams 8 kHz 16-bit mono PCM into a WAV file as it arrives: the header goes first with zero
 * sizes, audio is gathered into one-second buffers written at their file positions in order, and
 * after every write the header's two size fields are patched to what is on disk. A crash at any
 * moment therefore leaves a valid file holding all but the last second; `finish` writes the rest,
 * patches the header, fsyncs the file and its directory, and closes it.
 *
 * `append` is synchronous and allocation-free in the steady state (buffers are pooled), as it runs
 * for every received frame; writes happen behind it, one at a time.
 */
import { constants, type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SAMPLE_RATE } from '../frames.js';
import { buildWavHeader, patchWavSizes, WAV_HEADER_BYTES } from '../wav/writer.js';

/** One second of audio per write. */
const CHUNK_BYTES = SAMPLE_RATE * 2;

export interface WavFileWriterOptions {
  /** Replace an existing file instead of refusing (EEXIST). Links are never followed. */
  readonly overwrite?: boolean;
  /** Opens the file; default `fs.promises.open` (tests inject failing disks). */
  readonly openFile?: (path: string, flags: number, mode: number) => Promise<FileHandle>;
}

export class WavFileWriter {
  /** The first write or sync error; once set, appends are dropped and `finish` rejects with it. */
  error: Error | undefined;
  private readonly header = buildWavHeader(0);
  private readonly free: Buffer[] = [];
  private readonly queue: { buffer: Buffer; length: number }[] = [];
  private current: Buffer;
  private used = 0;
  private appended = 0;
  private written = 0;
  private pumping: Promise<void> | undefined;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly onError: (error: Error) => void,
  ) {
    this.current = Buffer.allocUnsafe(CHUNK_BYTES);
  }

  /** Creates the file (refusing an existing one unless `overwrite`) and writes the header. */
  static async create(
    path: string,
    onError: (error: Error) => void,
    options: WavFileWriterOptions = {},
  ): Promise<WavFileWriter> {
    // O_NOFOLLOW: a link planted at the file's name is refused, not written through (absent on
    // Windows, where the flag is undefined at run time).
    const noFollow = (constants as Partial<typeof constants>).O_NOFOLLOW ?? 0;
    const flags =
      constants.O_WRONLY |
      constants.O_CREAT |
      noFollow |
      (options.overwrite === true ? constants.O_TRUNC : constants.O_EXCL);
    const handle = await (options.openFile ?? open)(path, flags, 0o640);
    const writer = new WavFileWriter(path, handle, onError);
    try {
      await handle.write(writer.header, 0, WAV_HEADER_BYTES, 0);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    return writer;
  }

  /** Samples appended so far (on disk or buffered). */
  get samples(): number {
    return this.appended;
  }

  /** Samples known to be on disk with the header saying so. */
  get samplesOnDisk(): number {
    return this.written / 2;
  }

  /** Appends `count` samples of `pcm` from index 0. */
  append(pcm: Int16Array, count: number = pcm.length): void {
    if (this.error !== undefined || this.closed) return;
    for (let i = 0; i < count; i += 1) {
      if (this.used === CHUNK_BYTES) this.enqueueCurrent();
      this.current.writeInt16LE(pcm[i] ?? 0, this.used);
      this.used += 2;
    }
    this.appended += count;
    if (this.used === CHUNK_BYTES) this.enqueueCurrent();
  }

  /** Writes everything appended so far and patches the header to match. */
  async flush(): Promise<void> {
    if (this.used > 0) this.enqueueCurrent();
    await this.drain();
    if (this.error !== undefined) throw this.error;
  }

  /**
   * Flushes, cuts the audio to `keepSamples` when given (trailing silence), patches the header,
   * fsyncs file and directory, and closes. Rejects with the first write error, if any.
   */
  async finish(keepSamples?: number): Promise<void> {
    try {
      await this.flush();
      if (keepSamples !== undefined && keepSamples < this.appended) {
        const bytes = Math.max(0, keepSamples) * 2;
        await this.handle.truncate(WAV_HEADER_BYTES + bytes);
        this.written = bytes;
        this.appended = bytes / 2;
        await this.writeHeader();
      }
      await this.handle.sync();
    } finally {
      this.closed = true;
      await this.handle.close().catch(() => undefined);
    }
    await syncDirectory(dirname(this.path));
  }

  /** Closes without syncing, after an error; what was written stays. */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.drain().catch(() => undefined);
    await this.handle.close().catch(() => undefined);
  }

  private enqueueCurrent(): void {
    this.queue.push({ buffer: this.current, length: this.used });
    this.current = this.free.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
    this.pumping ??= this.pump();
  }

  private async drain(): Promise<void> {
    while (this.pumping !== undefined) await this.pumping;
  }

  private async pump(): Promise<void> {
    // Never complete synchronously: `pumping` must be set before the `finally` below clears it.
    await Promise.resolve();
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        if (this.error === undefined) {
          try {
            await this.handle.write(next.buffer, 0, next.length, WAV_HEADER_BYTES + this.written);
            this.written += next.length;
            await this.writeHeader();
          } catch (error) {
            this.fail(error);
          }
        }
        this.free.push(next.buffer);
      }
    } finally {
      this.pumping = undefined;
    }
  }

  private async writeHeader(): Promise<void> {
    patchWavSizes(this.header, this.written);
    await this.handle.write(this.header, 0, WAV_HEADER_BYTES, 0);
  }

  private fail(error: unknown): void {
    if (this.error !== undefined) return;
    this.error = error instanceof Error ? error : new Error(String(error));
    this.onError(this.error);
  }
}

/** fsync of a directory makes a new file's name durable (POSIX); some systems refuse it. */
async function syncDirectory(path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Not supported here (EISDIR/EINVAL/EPERM on some platforms): the file itself is synced.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
