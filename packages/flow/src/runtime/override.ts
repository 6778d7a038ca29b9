import type { RingTarget } from './call-control.js';

/**
 * The user's live decision from the notification window: it interrupts the current element
 * (which cleans up, e.g. cancels ringing) and replaces the rest of the flow.
 */
export type OverrideDecision =
  | { readonly kind: 'forward'; readonly target: RingTarget; readonly timeoutSeconds?: number }
  | { readonly kind: 'voicemail' }
  | { readonly kind: 'attendant' }
  | { readonly kind: 'reject'; readonly code?: number }
  /** Ring only this device of the user ("answer here"). */
  | { readonly kind: 'answer-on'; readonly deviceId: string };
