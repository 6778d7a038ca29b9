/**
 * A handling code (VIP, FAMILY, BLOCK...) that a user writes in a contact's field, and the
 * handling method run for callers who carry it.
 */
export interface HandlingCode {
  readonly userId: string;
  /** Upper-case code as written in the contact (`VIP`). */
  readonly code: string;
  /** `builtin:<template>` or the id of one of the user's flows. */
  readonly method: string;
  readonly description: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type HandlingCodeInput = Omit<HandlingCode, 'createdAt' | 'updatedAt'>;

/** Prefix of handling methods that name a template shipped with the server. */
export const BUILTIN_PREFIX = 'builtin:';
