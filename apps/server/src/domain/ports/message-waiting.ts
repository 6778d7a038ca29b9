/**
 * The message-waiting summary of a user's mailbox (RFC 3842 `Voice-Message: new/old`), and the
 * listener the telephony side gives the voicemail service to light phones' lamps when it
 * changes.
 */
export interface MessageCounts {
  /** Messages not yet heard. */
  readonly newMessages: number;
  /** Messages heard and kept. */
  readonly oldMessages: number;
}

/** Told, after the change is stored, that a user's counts changed. Must not throw. */
export type MessageCountsListener = (userId: string, counts: MessageCounts) => void;
