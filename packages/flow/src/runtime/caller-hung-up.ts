/**
 * The error a CallControl operation rejects with when the caller's leg is gone: the caller hung
 * up before or while the operation ran. The runtime treats it as a hang-up (not an element
 * failure); an element with a pin for it (Voicemail's `hung-up`) may catch it.
 */
export class CallerHungUp extends Error {
  constructor(message = 'the caller hung up') {
    super(message);
    this.name = 'CallerHungUp';
  }
}

/** True for a CallerHungUp, also one made by another copy of this module (bundles, workers). */
export function isCallerHungUp(error: unknown): error is CallerHungUp {
  return error instanceof CallerHungUp || (error instanceof Error && error.name === 'CallerHungUp');
}
