/**
 * Something a user's calls can ring: a SIP phone that registers with us, or an external number
 * reached through a trunk (a cell phone, a home line).
 */
export type Device = SipDevice | ExternalDevice;

interface DeviceBase {
  /** Unique per user (`desk`, `cell`). */
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface SipDevice extends DeviceBase {
  readonly kind: 'sip';
  /** Digest username; unique across the whole server because REGISTER only carries this. */
  readonly sipUsername: string;
  /**
   * Digest secret. Kept retrievable (not hashed) because RFC 3261 §22.4 digest needs the
   * secret or a realm-bound HA1, and the realm is configuration that may change.
   */
  readonly sipPassword: string;
}

export interface ExternalDevice extends DeviceBase {
  readonly kind: 'external';
  /** E.164 number dialled through a trunk. */
  readonly number: string;
}

type WithoutTimestamps<T> = T extends unknown ? Omit<T, 'createdAt' | 'updatedAt'> : never;
export type DeviceInput = WithoutTimestamps<Device>;
