/**
 * What is known about a call when its flow starts: who calls whom, what the contacts say about
 * the caller, the user's status and calendar. Read-only for elements; they change the call only
 * through CallControl and the flow's variables.
 */
export type UserStatus =
  'available' | 'busy' | 'in-a-meeting' | 'out-of-office' | 'do-not-disturb' | 'away';

export const USER_STATUSES: readonly UserStatus[] = [
  'available',
  'busy',
  'in-a-meeting',
  'out-of-office',
  'do-not-disturb',
  'away',
];

/** How the caller was recognised. */
export type CallerKind = 'known' | 'unknown' | 'anonymous';

export interface ContactFacts {
  readonly id: string;
  readonly name: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly organization: string | null;
  readonly emails: readonly string[];
  /** Groups or categories the contact belongs to (vCard CATEGORIES). */
  readonly groups: readonly string[];
  /** Every other field by name, for the Switch element and templates. */
  readonly fields: Readonly<Record<string, string>>;
}

export interface DeviceFacts {
  readonly id: string;
  readonly name: string;
  readonly kind: 'sip' | 'external';
}

export interface CallFacts {
  readonly callId: string;
  /** E.164, or null when withheld. */
  readonly callerNumber: string | null;
  /** The contact's name when known, else what the network sent (never trusted over the contact). */
  readonly callerName: string | null;
  readonly calledNumber: string;
  readonly callerKind: CallerKind;
  readonly contact: ContactFacts | null;
  /** Upper-case handling code of the contact, or null. */
  readonly handlingCode: string | null;
  readonly user: {
    readonly id: string;
    readonly name: string;
    readonly timezone: string;
    readonly attendantId: string | null;
    readonly devices: readonly DeviceFacts[];
    /** Every handling code the user has defined, for Match caller's pins. */
    readonly handlingCodes: readonly string[];
  };
  readonly status: UserStatus;
  readonly calendar: {
    /** The user is in a (busy) meeting at the start of the call. */
    readonly inMeetingNow: boolean;
    /** The caller's e-mail is among the attendees of one of the user's meetings today. */
    readonly callerIsAttendeeToday: boolean;
  };
  /** Epoch ms when the call arrived. */
  readonly startedAt: number;
}
