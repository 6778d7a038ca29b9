/**
 * Text-to-speech through Debian's `espeak-ng` (GPL-3, run as a separate program, never linked).
 *
 * The text goes to the process on stdin (`--stdin`), never on a command line and never through a
 * shell, so nothing in it can be read as an option or a command; the voice name and rate are
 * checked before they become arguments. espeak-ng writes a 22,050 Hz 16-bit WAV to stdout with
 * placeholder sizes (it cannot seek a pipe), which the WAV reader accepts as a streamed file; the
 * audio is then resampled to 8 kHz. Results are cached by text, voice and rate (LRU by bytes), a
 * stuck process is killed after a timeout, and at most a few run at once.
 *
 * A missing binary is reported only when speech is asked for (`SpeechUnavailableError`), and
 * `isAvailable()` lets `doctor` say so ahead of time.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ByteLru } from '../player/byte-lru.js';
import { WavFormatError } from '../wav/errors.js';
import { wavToPcm8k } from '../wav/reader.js';
import { SpeechError, SpeechUnavailableError, type Speech, type SpeechOptions } from './speech.js';

export interface EspeakSpeechOptions {
  /** The program to run; default `espeak-ng` (looked up on PATH). */
  readonly binary?: string;
  /** Voice when a request names none; default espeak-ng's own (`en`). */
  readonly defaultVoice?: string;
  /** Words per minute when a request gives none; default espeak-ng's own (175). */
  readonly defaultRate?: number;
  /** Longest text accepted, in characters; default 2000 (a few minutes of speech). */
  readonly maxTextLength?: number;
  /** A synthesis taking longer is killed; default 15 s. */
  readonly timeoutMs?: number;
  /** Memory for cached results; default 16 MiB. */
  readonly cacheMaxBytes?: number;
  /** Processes running at once; default 2 (more queue). */
  readonly maxConcurrent?: number;
  /** Output larger than this is treated as a failure; default 32 MiB. */
  readonly maxOutputBytes?: number;
}

/** espeak-ng's accepted speed range (words per minute) without the sonic speed-up. */
export const MIN_RATE = 80;
export const MAX_RATE = 450;
/** Voice names: language codes, variants and file names (`en-us`, `en+f3`, `mb-en1`, `gmw/af`). */
const VOICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9][A-Za-z0-9_+-]*)?$/;
const INSTALL_HINT = 'install it (Debian/Ubuntu: apt-get install espeak-ng)';

export class EspeakSpeech implements Speech {
  private readonly binary: string;
  private readonly defaultVoice: string | undefined;
  private readonly defaultRate: number | undefined;
  private readonly maxTextLength: number;
  private readonly timeoutMs: number;
  private readonly maxConcurrent: number;
  private readonly maxOutputBytes: number;
  private readonly cache: ByteLru<Int16Array>;
  private readonly inflight = new Map<string, Promise<Int16Array>>();
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  private availability: Promise<boolean> | undefined;

  constructor(options: EspeakSpeechOptions = {}) {
    this.binary = options.binary ?? 'espeak-ng';
    this.defaultVoice = options.defaultVoice;
    this.defaultRate = options.defaultRate;
    this.maxTextLength = options.maxTextLength ?? 2000;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxConcurrent = Math.max(1, options.maxConcurrent ?? 2);
    this.maxOutputBytes = options.maxOutputBytes ?? 32 * 1024 * 1024;
    this.cache = new ByteLru(options.cacheMaxBytes ?? 16 * 1024 * 1024, (pcm) => pcm.byteLength);
  }

  /**
   * Whether the binary runs (`espeak-ng --version`). Checked once and remembered; for `doctor`
   * and for tests, never needed before `synthesize`.
   */
  isAvailable(): Promise<boolean> {
    this.availability ??= new Promise<boolean>((resolveAvailable) => {
      let child: ChildProcess;
      try {
        child = spawn(this.binary, ['--version'], { stdio: 'ignore', shell: false });
      } catch {
        resolveAvailable(false); // an unusable binary path (e.g. a NUL byte in it)
        return;
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
      timer.unref();
      child.once('error', () => {
        clearTimeout(timer);
        resolveAvailable(false);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        resolveAvailable(code === 0);
      });
    });
    return this.availability;
  }

  async synthesize(text: string, options: SpeechOptions = {}): Promise<Int16Array> {
    const voice = options.voice ?? this.defaultVoice;
    const rate = options.rate ?? this.defaultRate;
    this.checkInput(text, voice, rate);
    if (text.trim() === '') return new Int16Array(0);
    const key = `${voice ?? ''}\0${rate ?? ''}\0${text}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.queued(() => this.run(text, voice, rate)).then((pcm) => {
        this.cache.set(key, pcm);
        return pcm;
      });
      this.inflight.set(key, pending);
      const forget = (): void => {
        this.inflight.delete(key);
      };
      pending.then(forget, forget);
    }
    return pending;
  }

  private checkInput(text: string, voice: string | undefined, rate: number | undefined): void {
    if (typeof text !== 'string')
      throw new SpeechError('input', 'the text to speak is not a string');
    if (text.length > this.maxTextLength) {
      throw new SpeechError(
        'input',
        `the text to speak is ${text.length} characters; the limit is ${this.maxTextLength}`,
      );
    }
    if (voice !== undefined && (voice.length > 64 || !VOICE_NAME.test(voice))) {
      throw new SpeechError('input', `"${voice}" is not a valid espeak-ng voice name`);
    }
    if (rate !== undefined && !(Number.isInteger(rate) && rate >= MIN_RATE && rate <= MAX_RATE)) {
      throw new SpeechError(
        'input',
        `speech rate ${rate} is not a whole number of words per minute from ${MIN_RATE} to ${MAX_RATE}`,
      );
    }
  }

  /** Runs `task` when fewer than `maxConcurrent` syntheses are running. */
  private async queued<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxConcurrent) {
      // A finishing task hands its slot straight to the first waiter (`running` unchanged), so
      // a newcomer cannot slip in between and exceed the limit.
      await new Promise<void>((resolveTurn) => this.waiting.push(resolveTurn));
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.running -= 1;
      else next();
    }
  }

  private run(
    text: string,
    voice: string | undefined,
    rate: number | undefined,
  ): Promise<Int16Array> {
    // -b 1: the input is UTF-8; --stdin: read it all, not line by line.
    const args = ['--stdout', '--stdin', '-b', '1'];
    if (voice !== undefined) args.push('-v', voice);
    if (rate !== undefined) args.push('-s', String(rate));
    return new Promise<Int16Array>((resolveRun, rejectRun) => {
      let child: ChildProcessWithoutNullStreams;
      try {
        child = spawn(this.binary, args, { stdio: ['pipe', 'pipe', 'pipe'], shell: false });
      } catch (error) {
        rejectRun(
          new SpeechUnavailableError(`cannot run ${this.binary}: ${String(error)}`, {
            cause: error,
          }),
        );
        return;
      }
      let settled = false;
      const finish = (error: Error | undefined, pcm?: Int16Array): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error !== undefined) rejectRun(error);
        else resolveRun(pcm ?? new Int16Array(0));
      };
      const chunks: Buffer[] = [];
      let outputBytes = 0;
      let stderr = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(
          new SpeechError(
            'timeout',
            `${this.binary} took longer than ${this.timeoutMs} ms and was stopped`,
          ),
        );
      }, this.timeoutMs);
      timer.unref();

      child.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'EACCES') {
          finish(
            new SpeechUnavailableError(
              `text-to-speech needs espeak-ng, which is not installed or not runnable ` +
                `(${this.binary}: ${error.code}); ${INSTALL_HINT}`,
              { cause: error },
            ),
          );
        } else {
          finish(
            new SpeechError('failed', `cannot run ${this.binary}: ${error.message}`, {
              cause: error,
            }),
          );
        }
      });
      child.stdout.on('data', (chunk: Buffer) => {
        outputBytes += chunk.length;
        if (outputBytes > this.maxOutputBytes) {
          child.kill('SIGKILL');
          finish(
            new SpeechError(
              'output',
              `${this.binary} produced more than ${this.maxOutputBytes} bytes`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 2000) stderr += chunk.toString('utf8');
      });
      // The process may exit before reading everything (a bad voice): EPIPE is not our failure.
      child.stdin.on('error', () => undefined);
      child.stdin.end(text, 'utf8');

      child.once('close', (code, signal) => {
        if (settled) return;
        if (code !== 0) {
          const detail = stderr.trim().split('\n')[0] ?? '';
          finish(
            new SpeechError(
              'failed',
              `${this.binary} failed (${signal ?? `exit code ${code}`})${detail === '' ? '' : `: ${detail}`}`,
            ),
          );
          return;
        }
        try {
          finish(undefined, wavToPcm8k(Buffer.concat(chunks)));
        } catch (error) {
          const message = error instanceof WavFormatError ? error.message : String(error);
          finish(
            new SpeechError('output', `${this.binary} did not write a usable WAV: ${message}`, {
              cause: error,
            }),
          );
        }
      });
    });
  }
}
