/**
 * How a ring that nobody answered ended, for the flow: busy, no answer, or failed. Chosen like
 * a forking proxy picks its best response (RFC 3261 §16.7 step 6, `RingError.status`), with our
 * own cancellations (ring timeouts) counting as no answer and transport failures as failures.
 */
import type { RingError, RingLeg } from '@switchboard/sip';

export type UnansweredOutcome =
  | { readonly outcome: 'busy'; readonly detail: string }
  | { readonly outcome: 'no-answer'; readonly detail: string }
  | { readonly outcome: 'failed'; readonly detail: string };

/** Busy Here, Busy Everywhere, Decline: the callee (or its user) refused the call. */
const BUSY: ReadonlySet<number> = new Set([486, 600, 603]);
/** Timeout, Temporarily Unavailable, Request Terminated: nobody picked up. */
const NO_ANSWER: ReadonlySet<number> = new Set([408, 480, 487]);

export function unansweredOutcome(error: RingError): UnansweredOutcome {
  const legs = error.legs;
  const detail = legs.map(describeLeg).join(', ');
  const tried = legs.filter((leg) => leg.outcome === 'failed');
  if (tried.length > 0 && tried.every((leg) => leg.error?.kind === 'transport')) {
    return { outcome: 'failed', detail: `unreachable: ${detail}` };
  }
  if (BUSY.has(error.status)) return { outcome: 'busy', detail };
  if (NO_ANSWER.has(error.status)) return { outcome: 'no-answer', detail };
  return { outcome: 'failed', detail: `SIP ${String(error.status)}: ${detail}` };
}

/** `sip:desk@... 486`, `sip:+1202...@trunk cancelled`: one leg for the step log. */
export function describeLeg(leg: RingLeg): string {
  const uri = typeof leg.target.uri === 'string' ? leg.target.uri : 'target';
  const error = leg.error;
  if (error === undefined) return `${uri} ${leg.outcome}`;
  if (error.kind === 'rejected') return `${uri} ${String(error.status)}`;
  return `${uri} ${error.kind}`;
}

/** Legs we cancelled (ring timeout, caller hung up, override): they rang and were stopped. */
export function cancelledLegs(legs: readonly RingLeg[]): string[] {
  return legs
    .filter((leg) => leg.outcome === 'failed' && leg.error?.kind === 'cancelled')
    .map((leg) => (typeof leg.target.uri === 'string' ? leg.target.uri : 'target'));
}
