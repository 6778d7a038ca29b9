/**
 * Audio conversion the domain needs for uploaded greetings: any common WAV in, the engine's
 * telephone format out (8 kHz, 16-bit, mono). The media adapter (integrations/audio/)
 * implements it.
 */

/**
 * The bytes are not audio we can read. `notWav`: not a WAV file at all (another format, or
 * not audio); otherwise a WAV file that is broken or in an encoding we do not decode.
 */
export class AudioFormatError extends Error {
  override readonly name = 'AudioFormatError';

  constructor(
    message: string,
    readonly notWav: boolean,
  ) {
    super(message);
  }
}

export interface TelephoneAudio {
  /** A complete WAV file: 8 kHz, 16-bit PCM, mono. */
  readonly wav: Buffer;
  readonly durationMs: number;
}

export interface AudioConverter {
  /** Converts a WAV file of any common rate, width and channel count; throws `AudioFormatError`. */
  toTelephoneWav(bytes: Uint8Array): TelephoneAudio;
}
