/** Where a contact came from; sync and provisioning only touch their own. */
export type ContactSource = 'provision' | 'import' | 'api' | 'carddav';

export interface ContactPhone {
  /** Normalised E.164, the key for caller lookup. */
  readonly e164: string;
  /** As the user wrote it, shown back to them. */
  readonly raw: string;
  /** vCard TYPE such as `cell`, `work`, or null. */
  readonly type: string | null;
}

export interface Contact {
  readonly id: string;
  readonly userId: string;
  readonly source: ContactSource;
  /** Stable key inside its source (vCard UID, provisioning key); null for API-made contacts. */
  readonly externalId: string | null;
  readonly name: string;
  readonly organization: string | null;
  readonly emails: readonly string[];
  readonly phones: readonly ContactPhone[];
  /** Upper-case handling code, or null when the contact has none. */
  readonly handlingCode: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type ContactInput = Omit<Contact, 'createdAt' | 'updatedAt'>;
