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
}
