/**
 * A greeting a user recorded or typed, played to callers before the voicemail tone.
 *
 * `default` is played when nothing more specific is set; `busy` and `unavailable` replace it for
 * callers sent to voicemail for that reason; `code` is for the contacts with one handling code
 * and `contact` for one contact (a caller can hear a message meant for them).
 */
export type GreetingSlot = 'default' | 'busy' | 'unavailable' | 'code' | 'contact';

export const GREETING_SLOTS: readonly GreetingSlot[] = [
  'default',
  'busy',
  'unavailable',
  'code',
  'contact',
];

/** `audio`: a WAV under the data directory (8 kHz 16-bit mono); `tts`: text spoken on playback. */
export type GreetingKind = 'audio' | 'tts';

export interface Greeting {
  readonly userId: string;
  readonly slot: GreetingSlot;
  /** The handling code (upper case) or the contact id; empty for the user-wide slots. */
  readonly ref: string;
  readonly kind: GreetingKind;
  /** `audio`: the WAV, relative to the data directory; null for `tts`. */
  readonly path: string | null;
  /** `tts`: the text to speak; null for `audio`. */
  readonly text: string | null;
  /** `tts`: the speech engine's voice, or null for the default. */
  readonly voice: string | null;
  /** `audio`: its length; null for `tts`. */
  readonly durationMs: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type GreetingInput = Omit<Greeting, 'createdAt' | 'updatedAt'>;
