/**
 * Errors the store ports raise for expected failures, so services and the API can answer them
 * (409, 400) without knowing which database is behind the port.
 */

/** A write would take a key someone else holds: a SIP username, an e-mail address, an id. */
export class ConflictError extends Error {
  constructor(
    /** The entity written, e.g. `device`, `user`. */
    readonly entity: string,
    /** The field (camelCase, as in the model) whose value is already taken, e.g. `sipUsername`. */
    readonly field: string,
    message = `${entity} ${field} is already taken`,
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** A write names a row that does not exist (a number for an unknown user, a step of an unknown call). */
export class MissingReferenceError extends Error {
  constructor(
    /** The entity written, e.g. `number`. */
    readonly entity: string,
    message = `${entity} refers to a row that does not exist (unknown user, call or flow)`,
  ) {
    super(message);
    this.name = 'MissingReferenceError';
  }
}
