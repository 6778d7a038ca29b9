/**
 * The one error type of the message layer. It carries the SIP status code a server answers a
 * request with when the problem is in the request (RFC 3261 §21: 400 for syntax, 416 for an
 * unsupported URI scheme, 501 for an unknown method, 505 for a version, 513 for size). Builders
 * given an invalid name or value (our own code's mistake, not the peer's) throw it with 500.
 */
export class SipMessageError extends Error {
  override readonly name = 'SipMessageError';

  constructor(
    /** Status code to answer with (a response that fails is dropped instead, RFC 3261 §18.1.2). */
    readonly status: number,
    message: string,
    /** Canonical name of the header field at fault, when there is one. */
    readonly header?: string,
  ) {
    super(message);
  }
}

/** A 400 error for a header field that does not match its grammar. */
export function malformed(header: string, detail?: string): SipMessageError {
  const text =
    detail === undefined
      ? `Malformed ${header} header field`
      : `Malformed ${header} header field: ${detail}`;
  return new SipMessageError(400, text, header);
}
