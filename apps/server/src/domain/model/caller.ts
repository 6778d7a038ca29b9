import type { Contact } from './contact.js';

/**
 * Who is calling, as far as the user's contacts can tell: a contact, a number nobody in the
 * contacts has, or nobody at all (withheld, anonymous).
 */
export type CallerKind = 'contact' | 'unknown' | 'anonymous';

/** Why a caller counts as anonymous, for the call record. */
export type WithheldReason =
  /** A Privacy header asked for the identity to be withheld (RFC 3323, RFC 3325 `id`). */
  | 'privacy'
  /** The network sent a placeholder (`anonymous`, `unavailable`, `restricted`...). */
  | 'placeholder'
  /** No number at all, or nothing with a digit in it. */
  | 'no-number';

export interface CallerIdentification {
  readonly kind: CallerKind;
  /** The calling number in E.164, when it could be read; null when anonymous or unreadable. */
  readonly e164: string | null;
  /**
   * The number to show and store: E.164 when readable, else the digits as received (a short
   * code, an extension); null when anonymous.
   */
  readonly number: string | null;
  /** The contact chosen for the number (see `pickContact`), or null. */
  readonly contact: Contact | null;
  /** The chosen contact's handling code, upper-case, or null. */
  readonly handlingCode: string | null;
  /**
   * The display name the network sent, cleaned up. Kept for the record and for callers who are
   * not contacts; never shown in place of a contact's own name.
   */
  readonly networkName: string | null;
  /** Why the caller is anonymous; null for the other kinds. */
  readonly withheld: WithheldReason | null;
  /** Ids of the other contacts holding the same number, which the rule passed over. */
  readonly otherContactIds: readonly string[];
}
