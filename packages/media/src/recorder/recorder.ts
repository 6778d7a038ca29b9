/**
 * Records what a call leg receives to a WAV file (8 kHz 16-bit mono) under a root directory the
 * caller gives: voicemail, recorded greetings. Audio is streamed to disk as it arrives
 * (wav-file-writer.ts), never held whole in memory.
 *
 * A recording ends at the first of: `maxMs` of audio; `silenceMs` of trailing silence once the
 * caller has been heard (frame energy under a threshold, or no audio arriving at all, as with a
 * phone that stops sending during silence, RFC 3389); a digit from `stopOnDigits`; `stop()` or
 * `signal`; `hangup()` or `hangupSignal`. When it ends on silence, the silence is trimmed to a
 * short natural tail. The result resolves only after the file and its directory entry are
 * fsynced, so a caller can store "voicemail saved" knowing it is on disk.
 *
 * Per frame: an energy sum and a copy into a pooled buffer; no allocation, no await.
 */
import {
  SAMPLE_RATE,
  type Detach,
  type DtmfEvent,
  type FrameSink,
  type MediaEndpoint,
  type PcmFrame,
} from '../frames.js';
import { prepareFileUnderRoot, UnsafePathError } from './safe-path.js';
import { defaultRecorderScheduler, type RecorderScheduler } from './timers.js';
import { WavFileWriter, type WavFileWriterOptions } from './wav-file-writer.js';

export type RecordingEnd = 'max-length' | 'silence' | 'digit' | 'stopped' | 'hangup';

export interface RecordOptions {
  /** The directory recordings may be written under (the data directory, or a folder of it). */
  readonly root: string;
  /** The file to create, relative to `root`; parent folders are created. No `..`, no absolute. */
  readonly path: string;
  /** Longest recording, in milliseconds of audio. */
  readonly maxMs: number;
  /** End after this much trailing silence once the caller was heard; 0/absent: never. */
  readonly silenceMs?: number;
  /** A 20 ms frame quieter than this (RMS, dB relative to full scale) is silence; default -42. */
  readonly silenceThresholdDbfs?: number;
  /** Silence kept at the end when trimming after a silence ending; default 250 ms. */
  readonly keepTrailingSilenceMs?: number;
  /** Digits that end the recording (e.g. `#`). */
  readonly stopOnDigits?: string;
  /** Aborting ends the recording as `stopped` (the file is kept). */
  readonly signal?: AbortSignal;
  /** Aborting ends the recording as `hangup` (the call ended; the file is kept). */
  readonly hangupSignal?: AbortSignal;
  /** Replace an existing file; by default an existing file is never touched. */
  readonly overwrite?: boolean;
  /** Opens the file; default `fs.promises.open` (tests inject failing disks). */
  readonly openFile?: WavFileWriterOptions['openFile'];
  /**
   * Time and timers for the no-audio guards and the periodic flush; default `performance.now()`
   * and Node's timers. The pacing clock's `Scheduler` fits.
   */
  readonly scheduler?: RecorderScheduler;
}

export interface RecordingResult {
  /** Absolute path of the file written. */
  readonly path: string;
  /** Audio in the file, in milliseconds. */
  readonly durationMs: number;
  readonly endedBy: RecordingEnd;
  /** The digit that ended it, for `endedBy: 'digit'`. */
  readonly digit?: string;
  /** Whether any audio above the silence threshold arrived (an empty voicemail can be dropped). */
  readonly heardAudio: boolean;
  /** Silence cut from the end, for `endedBy: 'silence'`. */
  readonly trailingSilenceTrimmedMs?: number;
}

export type RecordingErrorCode =
  'invalid-options' | 'unsafe-path' | 'exists' | 'open-failed' | 'write-failed';

/** A recording that could not be made or finished; the message names the file. */
export class RecordingError extends Error {
  override readonly name = 'RecordingError';

  constructor(
    readonly code: RecordingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DEFAULT_THRESHOLD_DBFS = -42;
const DEFAULT_KEEP_TRAILING_MS = 250;
/** Frames above the threshold needed before the caller counts as heard (ignores a lone click). */
const FRAMES_TO_HEAR = 3;
/** How often the no-audio guards run and buffered audio is pushed to disk. */
const TICK_MS = 200;
const FLUSH_EVERY_MS = 1000;
/** No frame for this long means the far end stopped sending (not just network jitter). */
const STALL_MS = 200;
/** Wall-clock allowance past `maxMs` before a stalled stream is ended anyway. */
const MAX_LENGTH_GRACE_MS = 1000;
const DTMF_DIGITS = /^[0-9*#A-D]*$/;

function samplesOf(ms: number): number {
  return Math.round((ms * SAMPLE_RATE) / 1000);
}

function validate(options: RecordOptions): void {
  const fail = (message: string): never => {
    throw new RecordingError('invalid-options', message);
  };
  if (typeof options.root !== 'string' || options.root === '')
    fail('root must be a directory path');
  if (!(Number.isFinite(options.maxMs) && options.maxMs > 0)) {
    fail(`maxMs must be a positive number of milliseconds, got ${String(options.maxMs)}`);
  }
  const { silenceMs, keepTrailingSilenceMs, silenceThresholdDbfs, stopOnDigits } = options;
  if (silenceMs !== undefined && !(Number.isFinite(silenceMs) && silenceMs >= 0)) {
    fail(`silenceMs must be 0 or more milliseconds, got ${String(silenceMs)}`);
  }
  if (
    keepTrailingSilenceMs !== undefined &&
    !(Number.isFinite(keepTrailingSilenceMs) && keepTrailingSilenceMs >= 0)
  ) {
    fail(`keepTrailingSilenceMs must be 0 or more, got ${String(keepTrailingSilenceMs)}`);
  }
  if (
    silenceThresholdDbfs !== undefined &&
    !(silenceThresholdDbfs <= 0 && silenceThresholdDbfs > -100)
  ) {
    fail(`silenceThresholdDbfs must be between -100 and 0, got ${String(silenceThresholdDbfs)}`);
  }
  if (stopOnDigits !== undefined && !DTMF_DIGITS.test(stopOnDigits)) {
    fail(`stopOnDigits must be among 0-9 * # A-D, got "${stopOnDigits}"`);
  }
}

/** Records until the first ending condition; resolves once the file is complete and synced. */
export function record(endpoint: MediaEndpoint, options: RecordOptions): Promise<RecordingResult> {
  return startRecording(endpoint, options).result;
}

/** Starts recording and returns the handle (`result`, `stop()`, `hangup()`, `flush()`). */
export function startRecording(endpoint: MediaEndpoint, options: RecordOptions): Recording {
  return new Recording(endpoint, options);
}

/** One recording in progress: the sink the endpoint writes received frames to. */
export class Recording implements FrameSink {
  readonly result: Promise<RecordingResult>;
  /**
   * Resolves once the file is open and frames are being recorded (or the recording has already
   * ended); never rejects, failures come through `result`. Audio arriving before it is not
   * recorded, so a voicemail beep should be played after it.
   */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private resolveResult!: (result: RecordingResult) => void;
  private rejectResult!: (error: unknown) => void;
  private readonly scheduler: RecorderScheduler;
  private readonly maxSamples: number;
  private readonly silenceSamples: number;
  private readonly keepSamples: number;
  /** Sum of squares over a frame of n samples at the threshold is n × this. */
  private readonly thresholdSquare: number;
  private readonly stopDigits: string;
  private writer: WavFileWriter | undefined;
  private absolutePath = '';
  private detachSink: Detach | undefined;
  private detachDtmf: Detach | undefined;
  private timer: unknown;
  private ended = false;
  private endedBy: RecordingEnd | undefined;
  private endDigit: string | undefined;
  private heard = false;
  private loudFrames = 0;
  private trailingSilent = 0;
  private lastLoudEnd = 0;
  private startedAt = 0;
  private lastFrameAt = 0;
  private lastFlushAt = 0;
  private flushedSamples = 0;

  constructor(
    private readonly endpoint: MediaEndpoint,
    private readonly options: RecordOptions,
  ) {
    this.result = new Promise<RecordingResult>((resolveResult, rejectResult) => {
      this.resolveResult = resolveResult;
      this.rejectResult = rejectResult;
    });
    this.ready = new Promise<void>((resolveReady) => {
      this.markReady = resolveReady;
    });
    this.scheduler = options.scheduler ?? defaultRecorderScheduler;
    this.maxSamples = samplesOf(options.maxMs);
    this.silenceSamples = samplesOf(options.silenceMs ?? 0);
    this.keepSamples = samplesOf(options.keepTrailingSilenceMs ?? DEFAULT_KEEP_TRAILING_MS);
    const amplitude = 32768 * 10 ** ((options.silenceThresholdDbfs ?? DEFAULT_THRESHOLD_DBFS) / 20);
    this.thresholdSquare = amplitude * amplitude;
    this.stopDigits = options.stopOnDigits ?? '';
    void this.open().catch(this.onUnexpected).finally(this.markReady);
  }

  /** Milliseconds of audio recorded so far. */
  get durationMs(): number {
    return ((this.writer?.samples ?? 0) * 1000) / SAMPLE_RATE;
  }

  /** Ends the recording as `stopped`. */
  stop(): void {
    this.end('stopped');
  }

  /** Ends the recording as `hangup` (the call is over). */
  hangup(): void {
    this.end('hangup');
  }

  /**
   * Writes what is buffered and patches the header now (it happens every second anyway), so the
   * file on disk is a complete WAV of everything so far.
   */
  async flush(): Promise<void> {
    try {
      await this.writer?.flush();
    } catch (error) {
      throw this.writeError(error instanceof Error ? error : new Error(String(error)));
    }
  }

  writeFrame(frame: PcmFrame): void {
    const writer = this.writer;
    if (this.ended || writer === undefined) return;
    let n = frame.length;
    const room = this.maxSamples - writer.samples;
    if (n > room) n = room;
    let energy = 0;
    for (let i = 0; i < n; i += 1) {
      const s = frame[i] ?? 0;
      energy += s * s;
    }
    writer.append(frame, n);
    this.lastFrameAt = this.scheduler.now();
    if (energy > this.thresholdSquare * n) {
      this.loudFrames += 1;
      if (this.loudFrames >= FRAMES_TO_HEAR) this.heard = true;
      this.trailingSilent = 0;
      this.lastLoudEnd = writer.samples;
    } else {
      this.trailingSilent += n;
    }
    if (writer.samples >= this.maxSamples) this.end('max-length');
    else if (this.silenceSamples > 0 && this.heard && this.trailingSilent >= this.silenceSamples) {
      this.end('silence');
    }
  }

  private async open(): Promise<void> {
    const { options } = this;
    let path: string;
    try {
      validate(options);
      path = await prepareFileUnderRoot(options.root, options.path);
    } catch (error) {
      this.ended = true;
      if (error instanceof RecordingError) this.rejectResult(error);
      else if (error instanceof UnsafePathError) {
        this.rejectResult(
          new RecordingError('unsafe-path', `cannot record to ${options.path}: ${error.message}`, {
            cause: error,
          }),
        );
      } else {
        this.rejectResult(
          new RecordingError(
            'open-failed',
            `cannot record to ${options.path}: ${(error as Error).message}`,
            { cause: error },
          ),
        );
      }
      return;
    }
    this.absolutePath = path;
    try {
      this.writer = await WavFileWriter.create(path, this.onWriteError, {
        ...(options.overwrite === undefined ? {} : { overwrite: options.overwrite }),
        ...(options.openFile === undefined ? {} : { openFile: options.openFile }),
      });
    } catch (error) {
      this.ended = true;
      const code = (error as NodeJS.ErrnoException).code;
      this.rejectResult(
        code === 'EEXIST'
          ? new RecordingError('exists', `cannot record to ${path}: the file already exists`, {
              cause: error,
            })
          : code === 'ELOOP'
            ? new RecordingError('unsafe-path', `cannot record to ${path}: it is a symbolic link`, {
                cause: error,
              })
            : new RecordingError(
                'open-failed',
                `cannot record to ${path}: ${(error as Error).message}`,
                { cause: error },
              ),
      );
      return;
    }
    if (this.ended) {
      // Stopped before the file was open: an empty, valid recording (the path always exists).
      await this.finish(this.endedBy ?? 'stopped');
      return;
    }
    const now = this.scheduler.now();
    this.startedAt = now;
    this.lastFrameAt = now;
    this.lastFlushAt = now;
    this.detachSink = this.endpoint.addSink(this);
    if (this.stopDigits !== '') this.detachDtmf = this.endpoint.onDtmf(this.onDtmf);
    options.signal?.addEventListener('abort', this.onStop, { once: true });
    options.hangupSignal?.addEventListener('abort', this.onHangup, { once: true });
    if (options.hangupSignal?.aborted === true) this.end('hangup');
    else if (options.signal?.aborted === true) this.end('stopped');
    else this.timer = this.scheduler.setTimeout(this.onTick, TICK_MS);
  }

  private readonly onTick = (): void => {
    this.timer = undefined;
    if (this.ended) return;
    const now = this.scheduler.now();
    const gap = now - this.lastFrameAt;
    if (now - this.startedAt >= this.options.maxMs + MAX_LENGTH_GRACE_MS) {
      this.end('max-length'); // audio stopped arriving; do not wait for it forever
      return;
    }
    if (this.silenceSamples > 0 && this.heard && gap >= STALL_MS) {
      const silentMs = (this.trailingSilent * 1000) / SAMPLE_RATE + gap;
      if (silentMs >= (this.silenceSamples * 1000) / SAMPLE_RATE) {
        this.end('silence');
        return;
      }
    }
    const writer = this.writer;
    if (
      writer !== undefined &&
      now - this.lastFlushAt >= FLUSH_EVERY_MS &&
      writer.samples > this.flushedSamples
    ) {
      this.lastFlushAt = now;
      this.flushedSamples = writer.samples;
      writer.flush().catch(() => undefined); // errors arrive through onWriteError
    }
    this.timer = this.scheduler.setTimeout(this.onTick, TICK_MS);
  };

  private readonly onDtmf = (event: DtmfEvent): void => {
    if (!this.stopDigits.includes(event.digit)) return;
    this.endDigit = event.digit;
    this.end('digit');
  };

  private readonly onStop = (): void => {
    this.end('stopped');
  };

  private readonly onHangup = (): void => {
    this.end('hangup');
  };

  /** An endpoint that throws while we attach (a closed session): the recording cannot run. */
  private readonly onUnexpected = (error: unknown): void => {
    this.ended = true;
    this.detach();
    const writer = this.writer;
    void (writer === undefined ? Promise.resolve() : writer.abandon()).then(() => {
      this.rejectResult(
        new RecordingError(
          'open-failed',
          `cannot record to ${this.options.path}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        ),
      );
    });
  };

  private readonly onWriteError = (error: Error): void => {
    if (this.ended) return; // finish() reports it
    this.ended = true;
    this.detach();
    const writer = this.writer;
    void (writer === undefined ? Promise.resolve() : writer.abandon()).then(() => {
      this.rejectResult(this.writeError(error));
    });
  };

  private writeError(error: Error): RecordingError {
    return new RecordingError(
      'write-failed',
      `cannot write recording ${this.absolutePath}: ${error.message}`,
      {
        cause: error,
      },
    );
  }

  private end(reason: RecordingEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.endedBy = reason;
    // Before the file is open, open() finishes the job when it gets there.
    if (this.writer !== undefined) void this.finish(reason);
  }

  private detach(): void {
    this.detachSink?.();
    this.detachDtmf?.();
    this.detachSink = undefined;
    this.detachDtmf = undefined;
    // The handle came from this scheduler's own setTimeout.
    if (this.timer !== undefined) this.scheduler.clear(this.timer as never);
    this.timer = undefined;
    this.options.signal?.removeEventListener('abort', this.onStop);
    this.options.hangupSignal?.removeEventListener('abort', this.onHangup);
  }

  private async finish(reason: RecordingEnd): Promise<void> {
    this.detach();
    const writer = this.writer;
    if (writer === undefined) return;
    let keep: number | undefined;
    if (reason === 'silence') keep = Math.min(writer.samples, this.lastLoudEnd + this.keepSamples);
    const before = writer.samples;
    try {
      await writer.finish(keep);
    } catch (error) {
      this.rejectResult(this.writeError(error instanceof Error ? error : new Error(String(error))));
      return;
    }
    const samples = writer.samples;
    this.resolveResult({
      path: this.absolutePath,
      durationMs: (samples * 1000) / SAMPLE_RATE,
      endedBy: reason,
      heardAudio: this.heard,
      ...(reason === 'digit' && this.endDigit !== undefined ? { digit: this.endDigit } : {}),
      ...(reason === 'silence'
        ? { trailingSilenceTrimmedMs: ((before - samples) * 1000) / SAMPLE_RATE }
        : {}),
    });
  }
}
