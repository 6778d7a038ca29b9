/**
 * A user's status as calls see it. The names are the flow package's (`Check status` pins), so a
 * status travels from the store to a running flow unchanged.
 */

/** What a user sets by hand (from the web client, the API, later a desk phone key). */
export type PresenceStatus = 'available' | 'busy' | 'do-not-disturb' | 'away';

export const PRESENCE_STATUSES: readonly PresenceStatus[] = [
  'available',
  'busy',
  'do-not-disturb',
  'away',
];

/** Every status a call can see: the ones set by hand and the ones read from the calendar. */
export type UserStatus = PresenceStatus | 'in-a-meeting' | 'out-of-office';

/** The status a user set, stored per user. */
export interface StatusSetting {
  readonly userId: string;
  readonly status: PresenceStatus;
  /** Epoch ms after which the setting no longer counts, or null for "until I change it". */
  readonly until: number | null;
  /** A short text shown to people who look (`back at 3`), or null. */
  readonly note: string | null;
  readonly updatedAt: number;
}

export type StatusSettingInput = Omit<StatusSetting, 'updatedAt'>;
