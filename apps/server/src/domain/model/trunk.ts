/** A SIP carrier connection: where outbound calls go and whom we trust to deliver inbound ones. */
export interface Trunk {
  readonly id: string;
  /** Host (name or address) calls to external numbers are sent to. */
  readonly host: string;
  readonly port: number;
  /** Source addresses trusted to deliver calls for our numbers (and whose PAI we believe). */
  readonly inbound: readonly string[];
  /** Digest credentials the carrier may ask of us (RFC 3261 §22.2). */
  readonly username: string | null;
  readonly password: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type TrunkInput = Omit<Trunk, 'createdAt' | 'updatedAt'>;
