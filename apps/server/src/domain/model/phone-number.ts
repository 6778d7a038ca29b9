/** A DID: one E.164 number that reaches exactly one user (one-number service). */
export interface PhoneNumber {
  /** E.164 with the leading `+`, e.g. `+12025550100`. */
  readonly e164: string;
  readonly userId: string;
  readonly createdAt: number;
}
