/**
 * `pending`: waiting to be mailed (or retrying); `sent`: the SMTP server took it; `failed`: it
 * could not be mailed (the reason is in `mailError`); `disabled`: not mailed at all (no SMTP
 * server configured, the user has no address, or the flow said not to).
 */
export type MailStatus = 'pending' | 'sent' | 'failed' | 'disabled';

/** A message left for a user. The recording lives under the data directory. */
export interface Voicemail {
  readonly id: string;
  readonly userId: string;
  readonly callId: string | null;
  readonly callerNumber: string | null;
  readonly contactId: string | null;
  /** Path relative to the data directory. */
  readonly path: string;
  readonly durationMs: number;
  readonly heard: boolean;
  readonly mailStatus: MailStatus;
  readonly createdAt: number;
  // The fields below came with the voicemail service (migration 0006). The store always fills
  // them in; they are optional so code written before them still builds a Voicemail.
  /** The contact's name, else the network's display name, when the message was left. */
  readonly callerName?: string | null;
  /** The contact's handling code (upper case) when the message was left. */
  readonly handlingCode?: string | null;
  /** When it was (last) marked heard; null while new. */
  readonly heardAt?: number | null;
  /** Mail attempts made so far. */
  readonly mailAttempts?: number;
  /** When the next mail attempt is due (pending only); also the lease of an attempt under way. */
  readonly mailNextAttemptAt?: number | null;
  /** Why the last attempt failed (kept with `failed`, and while retrying). */
  readonly mailError?: string | null;
}
