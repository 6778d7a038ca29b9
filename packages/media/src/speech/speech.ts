/**
 * Text-to-speech as the player sees it: text in, 8 kHz 16-bit mono PCM out. The default
 * implementation runs espeak-ng (espeak.ts); a test or another engine can stand in.
 */

export interface SpeechOptions {
  /** Engine-specific voice name (espeak-ng: `en`, `en-us`, `fr`, `en+f3`...). */
  readonly voice?: string;
  /** Speaking rate in words per minute. */
  readonly rate?: number;
}

export interface Speech {
  /** The spoken text as 8 kHz 16-bit mono PCM. Rejects with a `SpeechError` when it cannot. */
  synthesize(text: string, options?: SpeechOptions): Promise<Int16Array>;
}

export type SpeechErrorReason = 'unavailable' | 'input' | 'timeout' | 'failed' | 'output';

/** Text could not be turned into audio; `reason` says which way it went wrong. */
export class SpeechError extends Error {
  override readonly name: string = 'SpeechError';

  constructor(
    readonly reason: SpeechErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The speech engine is not installed (or not runnable). Raised only when speech is actually
 * needed, never at startup; `doctor` reports the same condition ahead of time.
 */
export class SpeechUnavailableError extends SpeechError {
  override readonly name = 'SpeechUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options);
  }
}
