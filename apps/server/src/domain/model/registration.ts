/**
 * A SIP registration: one contact address a phone bound to an address-of-record with REGISTER
 * (RFC 3261 §10). The registrar decides what to store; the server keeps these in its database
 * so registrations survive a restart and every instance sharing the database sees them.
 *
 * The domain knows no SIP: the AOR, contact and path are opaque text here, written and read
 * back exactly by the telephony adapter (`telephony/location-store.ts`).
 */

/** Transports a REGISTER can arrive on. */
export type RegistrationTransport = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

export const REGISTRATION_TRANSPORTS: readonly RegistrationTransport[] = [
  'udp',
  'tcp',
  'tls',
  'ws',
  'wss',
];

/** Where the REGISTER that wrote the registration came from (to reach a phone behind NAT). */
export interface RegistrationSource {
  readonly transport: RegistrationTransport;
  /** Source IP address (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** The connection it arrived on (TCP, TLS, WebSocket), or null for UDP. */
  readonly connectionId: string | null;
}

export interface Registration {
  /** The canonical address-of-record, e.g. `sip:alice-desk@example.org`. */
  readonly aor: string;
  /** What makes the registration unique within its AOR (the registrar's binding key). */
  readonly key: string;
  /** The contact URI, as last registered. */
  readonly contact: string;
  /** When it lapses, epoch milliseconds; it is gone for every reader from then on. */
  readonly expiresAt: number;
  /** Call-ID and CSeq of the REGISTER that last wrote it (the registrar orders by them). */
  readonly callId: string;
  readonly cseq: number;
  /** Preference 0 to 1, or null when the phone gave none. */
  readonly q: number | null;
  /** The phone's `+sip.instance` (RFC 5626), or null. */
  readonly instanceId: string | null;
  /** Path header values to reach the contact through (RFC 3327); empty when none. */
  readonly path: readonly string[];
  readonly source: RegistrationSource;
  readonly userAgent: string | null;
  /** When it was last written, epoch milliseconds. */
  readonly updatedAt: number;
  /**
   * The device (and its user) whose SIP username is the AOR's user part, linked when the
   * registration was written; null when no device held that username. Deleting the device
   * deletes its registrations.
   */
  readonly userId: string | null;
  readonly deviceId: string | null;
}

/** A registration as written: the store links the owning device itself. */
export type RegistrationInput = Omit<Registration, 'userId' | 'deviceId'>;

/** One atomic change of an AOR's registrations. */
export interface RegistrationChanges {
  /** Registrations to insert or replace (by key); each must be for the AOR being changed. */
  readonly put: readonly RegistrationInput[];
  /** Keys of the AOR's registrations to delete (applied before `put`). */
  readonly remove: readonly string[];
  /**
   * The SIP username the AOR belongs to (its user part): the registrations put are linked to
   * the device holding it. Omitted, or held by no device: they are stored unlinked.
   */
  readonly sipUsername?: string;
}
