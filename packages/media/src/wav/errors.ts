/**
 * A WAV file that cannot be read: not RIFF/WAVE, no `fmt ` or `data` chunk, an encoding we do not
 * decode, or values no real file has (zero channels, a 0 Hz rate). The message names what is
 * wrong and where, so a person replacing a prompt file knows what to fix.
 */
export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
  /** Byte offset in the file where the problem was found, when there is one. */
  readonly offset: number | undefined;

  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.offset = offset;
  }
}
