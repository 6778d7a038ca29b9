/**
 * Why an SDP negotiation failed, with the SIP status to answer an INVITE with: 488 Not
 * Acceptable Here when the offer is fine but we share nothing with it (RFC 3261 §21.4.26,
 * RFC 3264 §6), 400 when the SDP itself is broken.
 */
export type SdpErrorCode =
  | 'malformed'
  | 'no-audio'
  | 'no-acceptable-codec'
  | 'unsupported-address'
  | 'answer-mismatch'
  | 'rejected';

export class SdpNegotiationError extends Error {
  override readonly name = 'SdpNegotiationError';

  constructor(
    readonly code: SdpErrorCode,
    message: string,
    readonly status: 400 | 488 = code === 'malformed' ? 400 : 488,
  ) {
    super(message);
  }
}
