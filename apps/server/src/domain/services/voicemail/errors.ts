/**
 * Expected failures of the voicemail service, so the API can answer them (404, 400, 503)
 * without knowing how they came about.
 */

/** The message, greeting, recording, contact or handling code named does not exist (for this user). */
export class VoicemailNotFoundError extends Error {
  override readonly name = 'VoicemailNotFoundError';

  constructor(
    /** What was looked for, e.g. `Voicemail 1234`, `Contact bob`. */
    readonly what: string,
  ) {
    super(`${what} not found`);
  }
}

/** Something the caller sent cannot be used (a greeting too long, an empty one). */
export class VoicemailInputError extends Error {
  override readonly name = 'VoicemailInputError';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The service cannot do this in this configuration (mailing without an SMTP server). */
export class VoicemailUnavailableError extends Error {
  override readonly name = 'VoicemailUnavailableError';
}
