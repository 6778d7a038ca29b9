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
  /**
   * Where the carrier puts the number it calls (the DID): the Request-URI (most carriers), or
   * the To header (carriers that rewrite the Request-URI to our address or a trunk id).
   */
  readonly calledNumberFrom: CalledNumberSource;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type CalledNumberSource = 'request-uri' | 'to';

export const CALLED_NUMBER_SOURCES: readonly CalledNumberSource[] = ['request-uri', 'to'];

/** A trunk as written; `calledNumberFrom` is `request-uri` when left out. */
export type TrunkInput = Omit<Trunk, 'createdAt' | 'updatedAt' | 'calledNumberFrom'> & {
  readonly calledNumberFrom?: CalledNumberSource;
};
