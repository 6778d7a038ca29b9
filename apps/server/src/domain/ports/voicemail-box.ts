/**
 * What the telephony side needs from the voicemail service (issue 7) while a call is running:
 * the greeting to play, a place for the recording, and a hand-over once the recording is on
 * disk. The voicemail service implements it (domain/services/voicemail/); telephony calls it
 * from the flow's Voicemail/Record element. Paths are always relative to the data directory and
 * chosen here, never from anything a caller sent.
 */
import type { Voicemail } from '../model/index.js';

/** Why the caller is asked to leave a message (selects the greeting variant). */
export type GreetingReason = 'unavailable' | 'busy';

/** One piece of a greeting, in the flow runtime's Prompt shape (file relative to data dir). */
export type GreetingPrompt =
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'tts'; readonly text: string; readonly voice?: string }
  | { readonly kind: 'silence'; readonly ms: number };

export interface GreetingQuery {
  readonly userId: string;
  readonly contactId: string | null;
  readonly handlingCode: string | null;
  readonly reason: GreetingReason;
}

export interface ReservedRecording {
  readonly voicemailId: string;
  /** Relative to the data directory, e.g. `voicemail/<userId>/<voicemailId>.wav`. */
  readonly relativePath: string;
}

export interface DepositInput {
  readonly voicemailId: string;
  readonly userId: string;
  readonly callId: string | null;
  /** E.164, or null for withheld callers. */
  readonly callerNumber: string | null;
  /** The contact's name when known, else the network display name, else null. */
  readonly callerName: string | null;
  readonly contactId: string | null;
  readonly handlingCode: string | null;
  readonly durationMs: number;
  /** The flow's Voicemail element said whether to e-mail it (`mailToUser`); true when absent. */
  readonly mailToUser?: boolean;
}

export interface VoicemailBox {
  /**
   * Recordings shorter than this are too short to keep (config `voicemail.minMessageSeconds`):
   * discard them and report `too-short`. Absent: the telephony side's own default.
   */
  readonly minDurationMs?: number;
  /** The prompts to play before the beep: personal (contact, code), variant, default, built-in. */
  greetingFor(query: GreetingQuery): Promise<readonly GreetingPrompt[]>;
  /** A fresh id and the file the recording is to be written to (its folder exists). */
  reserve(userId: string): Promise<ReservedRecording>;
  /**
   * The recording is complete and synced to disk: store the message, then mail it, light the
   * message-waiting indicators and publish the event (those may finish later; failures show in
   * the message's status). Resolves once the message is stored.
   */
  deposit(input: DepositInput): Promise<Voicemail>;
  /** The recording was too short to keep: remove the reserved file. */
  discard(reserved: ReservedRecording): Promise<void>;
}
