/** A person (or an office seat) whose calls Switchboard handles. */
export type Role = 'admin' | 'user';

export interface User {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  /** scrypt hash in the self-describing form produced by `hashPassword`. */
  readonly passwordHash: string;
  /** IANA zone, e.g. `America/New_York`; schedules and calendars are read in it. */
  readonly timezone: string;
  /** ISO 3166-1 alpha-2 country used to read numbers written without a `+`. */
  readonly country: string;
  readonly role: Role;
  /** Another user's id who answers for this user, if any. */
  readonly attendantId: string | null;
  /** Handling method for known contacts without a handling code (`builtin:<t>` or a flow id). */
  readonly defaultHandling: string;
  /** Handling method for callers not found in the contacts. */
  readonly unknownHandling: string;
  /**
   * Handling method for callers who withhold their number (anonymous); absent when they get
   * `unknownHandling` like any caller not in the contacts.
   */
  readonly anonymousHandling?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The fields a caller may set; timestamps are the store's business. */
export type UserInput = Omit<User, 'createdAt' | 'updatedAt'>;

/** The stored fields of a user as input for `put`, to write back a changed copy. */
export function toUserInput(user: User): UserInput {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    passwordHash: user.passwordHash,
    timezone: user.timezone,
    country: user.country,
    role: user.role,
    attendantId: user.attendantId,
    defaultHandling: user.defaultHandling,
    unknownHandling: user.unknownHandling,
    ...(user.anonymousHandling === undefined ? {} : { anonymousHandling: user.anonymousHandling }),
  };
}
