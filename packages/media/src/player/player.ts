/**
 * Plays a sequence of prompt files, silences, synthesized speech and raw PCM to a media endpoint,
 * as the `FrameSource` the pacing clock pulls a 20 ms frame from on every tick.
 *
 * Items play back to back as one continuous stream (a prompt ending mid-frame is continued by the
 * next item in the same frame), and only the very end is padded with silence to a whole frame.
 * Items load in order in the background while earlier ones play; if playback reaches an item that
 * is not loaded yet, the frame is padded and nothing is sent until it is (the RTP side then marks
 * the next packet as a talk-spurt start, RFC 3551 §4.1). A file or speech item that cannot be
 * loaded ends the playback with that error (the message names the file).
 *
 * Per frame nothing is allocated: samples are copied from the cached PCM into one frame buffer
 * per playback (a subarray view would itself be an object per frame). Receivers must not keep
 * the frame (frames.ts).
 */
import {
  FRAME_SAMPLES,
  SAMPLE_RATE,
  type Detach,
  type DtmfEvent,
  type FrameSource,
  type MediaEndpoint,
  type PcmFrame,
} from '../frames.js';
import { EspeakSpeech } from '../speech/espeak.js';
import type { Speech } from '../speech/speech.js';
import { PromptLibrary } from './prompt-library.js';

/** One thing to play. PCM is 8 kHz 16-bit mono. */
export type PlayItem =
  | { readonly file: string }
  | { readonly silenceMs: number }
  | { readonly speech: string; readonly voice?: string; readonly rate?: number }
  | { readonly pcm: Int16Array };

export interface PlayOptions {
  /** Stop playing when a digit arrives: `true` for any digit, or the digits that interrupt. */
  readonly bargeIn?: boolean | string;
  /** Aborting stops the playback (`{ stopped: true }`). */
  readonly signal?: AbortSignal;
}

/** How a playback ended; `playedMs` is the audio handed to the endpoint, silences included. */
export type PlayResult =
  | { readonly completed: true; readonly playedMs: number }
  | { readonly interruptedBy: string; readonly playedMs: number }
  | { readonly stopped: true; readonly playedMs: number };

export interface PlayerOptions {
  /** Where prompt files are decoded and cached; share one across all calls. */
  readonly prompts?: PromptLibrary;
  /** Text-to-speech for `{ speech }` items; default an `EspeakSpeech`, created when first used. */
  readonly speech?: Speech;
}

/** Longest single silence item (a guard against a typo playing hours of nothing). */
const MAX_SILENCE_MS = 10 * 60 * 1000;
const DTMF_DIGITS = /^[0-9*#A-D]+$/;

/** The playback currently attached to each endpoint, so a new one replaces the old cleanly. */
const attached = new WeakMap<MediaEndpoint, Playback>();

function validateItems(items: readonly PlayItem[]): void {
  if (!Array.isArray(items)) throw new TypeError('play items must be an array');
  items.forEach((item: unknown, index) => {
    const where = `play item ${index + 1}`;
    if (typeof item !== 'object' || item === null) throw new TypeError(`${where} is not an object`);
    if ('file' in item) {
      if (typeof item.file !== 'string' || item.file === '') {
        throw new TypeError(`${where}: file must be a non-empty path`);
      }
    } else if ('silenceMs' in item) {
      const ms = item.silenceMs;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_SILENCE_MS) {
        throw new RangeError(
          `${where}: silenceMs must be from 0 to ${MAX_SILENCE_MS}, got ${String(ms)}`,
        );
      }
    } else if ('speech' in item) {
      if (typeof item.speech !== 'string') throw new TypeError(`${where}: speech must be text`);
    } else if ('pcm' in item) {
      if (!(item.pcm instanceof Int16Array))
        throw new TypeError(`${where}: pcm must be an Int16Array`);
    } else {
      throw new TypeError(`${where} has none of file, silenceMs, speech, pcm`);
    }
  });
}

function validateBargeIn(bargeIn: boolean | string | undefined): void {
  if (typeof bargeIn === 'string' && bargeIn !== '' && !DTMF_DIGITS.test(bargeIn)) {
    throw new RangeError(`bargeIn digits must be among 0-9 * # A-D, got "${bargeIn}"`);
  }
}

export class Player {
  private readonly prompts: PromptLibrary;
  private speech: Speech | undefined;

  constructor(options: PlayerOptions = {}) {
    this.prompts = options.prompts ?? new PromptLibrary();
    this.speech = options.speech;
  }

  /** Plays `items` on `endpoint`; resolves when they end, a barge-in digit comes, or it is stopped. */
  async play(
    endpoint: MediaEndpoint,
    items: readonly PlayItem[],
    options: PlayOptions = {},
  ): Promise<PlayResult> {
    return this.start(endpoint, items, options).result;
  }

  /**
   * Starts playing and returns the playback (its `result`, and `stop()`). A playback already
   * attached to the endpoint is stopped. Throws for malformed items.
   */
  start(endpoint: MediaEndpoint, items: readonly PlayItem[], options: PlayOptions = {}): Playback {
    validateItems(items);
    validateBargeIn(options.bargeIn);
    const playback = new Playback(endpoint, items, options, {
      loadFile: (path) => this.prompts.load(path),
      synthesize: (text, voice, rate) => {
        this.speech ??= new EspeakSpeech();
        return this.speech.synthesize(text, {
          ...(voice === undefined ? {} : { voice }),
          ...(rate === undefined ? {} : { rate }),
        });
      },
    });
    playback.begin();
    return playback;
  }
}

interface Loaders {
  loadFile(path: string): Promise<Int16Array>;
  synthesize(
    text: string,
    voice: string | undefined,
    rate: number | undefined,
  ): Promise<Int16Array>;
}

/** One playback on one endpoint: the frame source the pacing clock pulls from. */
export class Playback implements FrameSource {
  /** Settles once, when the playback ends. */
  readonly result: Promise<PlayResult>;
  /**
   * Resolves once every item is loaded (files decoded, speech synthesized) or the playback has
   * ended, whichever comes first; never rejects (a load failure is reported by `result`). Lets a
   * caller wait for speech before answering, and tests tick without guessing.
   */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  /** Loaded items: PCM, or a number of silent samples; `undefined` while loading. */
  private readonly loaded: (Int16Array | number | undefined)[];
  private readonly frame = new Int16Array(FRAME_SAMPLES);
  private readonly bargeDigits: string | undefined;
  private index = 0;
  private offset = 0;
  private samplesPlayed = 0;
  private done = false;
  private detachDtmf: Detach | undefined;
  private resolveResult!: (result: PlayResult) => void;
  private rejectResult!: (error: unknown) => void;

  constructor(
    private readonly endpoint: MediaEndpoint,
    private readonly items: readonly PlayItem[],
    private readonly options: PlayOptions,
    private readonly loaders: Loaders,
  ) {
    this.result = new Promise<PlayResult>((resolveResult, rejectResult) => {
      this.resolveResult = resolveResult;
      this.rejectResult = rejectResult;
    });
    this.ready = new Promise<void>((resolveReady) => {
      this.markReady = resolveReady;
    });
    this.loaded = new Array<Int16Array | number | undefined>(items.length).fill(undefined);
    const { bargeIn } = options;
    this.bargeDigits =
      bargeIn === true ? '' : typeof bargeIn === 'string' && bargeIn !== '' ? bargeIn : undefined;
  }

  /** Milliseconds of audio handed to the endpoint so far. */
  get playedMs(): number {
    return (this.samplesPlayed * 1000) / SAMPLE_RATE;
  }

  /** Ends the playback now (`{ stopped: true }`); nothing happens once it has ended. */
  stop(): void {
    this.end({ stopped: true, playedMs: this.playedMs });
  }

  /** @internal Attaches to the endpoint and starts loading. */
  begin(): void {
    const { signal } = this.options;
    if (signal?.aborted === true) {
      this.end({ stopped: true, playedMs: 0 });
      return;
    }
    if (this.items.length === 0) {
      this.end({ completed: true, playedMs: 0 });
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (this.bargeDigits !== undefined) this.detachDtmf = this.endpoint.onDtmf(this.onDtmf);
    const previous = attached.get(this.endpoint);
    attached.set(this.endpoint, this);
    previous?.stop();
    this.endpoint.setSource(this);
    void this.load();
  }

  nextFrame(): PcmFrame | undefined {
    if (this.done) return undefined;
    const frame = this.frame;
    const count = this.items.length;
    let filled = 0;
    while (filled < FRAME_SAMPLES && this.index < count) {
      const item = this.loaded[this.index];
      if (item === undefined) break; // still loading
      const want = FRAME_SAMPLES - filled;
      if (typeof item === 'number') {
        const n = Math.min(item - this.offset, want);
        frame.fill(0, filled, filled + n);
        filled += n;
        this.offset += n;
        if (this.offset >= item) this.nextItem();
      } else {
        const n = Math.min(item.length - this.offset, want);
        const from = this.offset;
        for (let i = 0; i < n; i += 1) frame[filled + i] = item[from + i] ?? 0;
        filled += n;
        this.offset += n;
        if (this.offset >= item.length) this.nextItem();
      }
    }
    this.samplesPlayed += filled;
    const finished = this.index >= count;
    if (filled === 0) {
      if (finished) queueMicrotask(this.complete);
      return undefined;
    }
    if (filled < FRAME_SAMPLES) frame.fill(0, filled); // the last partial frame, padded
    // The last frame is handed over now; end in a microtask so a following play() can attach
    // before the next tick and sequences stay gapless.
    if (finished) queueMicrotask(this.complete);
    return frame;
  }

  private nextItem(): void {
    this.loaded[this.index] = undefined; // let a big speech buffer go once played
    this.index += 1;
    this.offset = 0;
  }

  private async load(): Promise<void> {
    // PCM and silence are ready at once; files and speech load in order, ahead of playback.
    this.items.forEach((item, i) => {
      if ('pcm' in item) this.loaded[i] = item.pcm;
      else if ('silenceMs' in item)
        this.loaded[i] = Math.round((item.silenceMs * SAMPLE_RATE) / 1000);
    });
    for (let i = 0; i < this.items.length && !this.done; i += 1) {
      const item = this.items[i];
      if (item === undefined || this.loaded[i] !== undefined) continue;
      try {
        if ('file' in item) this.loaded[i] = await this.loaders.loadFile(item.file);
        else if ('speech' in item) {
          this.loaded[i] = await this.loaders.synthesize(item.speech, item.voice, item.rate);
        }
      } catch (error) {
        this.fail(error);
        return;
      }
    }
    this.markReady();
  }

  private readonly complete = (): void => {
    this.end({ completed: true, playedMs: this.playedMs });
  };

  private readonly onAbort = (): void => {
    this.stop();
  };

  private readonly onDtmf = (event: DtmfEvent): void => {
    const digits = this.bargeDigits;
    if (digits === undefined || (digits !== '' && !digits.includes(event.digit))) return;
    this.end({ interruptedBy: event.digit, playedMs: this.playedMs });
  };

  private fail(error: unknown): void {
    if (this.detach()) this.rejectResult(error);
  }

  private end(result: PlayResult): void {
    if (this.detach()) this.resolveResult(result);
  }

  /** Detaches everything once; false when the playback had already ended. */
  private detach(): boolean {
    if (this.done) return false;
    this.done = true;
    this.markReady();
    this.detachDtmf?.();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (attached.get(this.endpoint) === this) {
      attached.delete(this.endpoint);
      this.endpoint.setSource(undefined);
    }
    return true;
  }
}
