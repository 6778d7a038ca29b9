import type { CallDecision } from '@switchboard/contracts';
import type { OverrideDecision } from '@switchboard/flow';
import type { CallerKind } from '../model/index.js';

/** Something a call rings or is sent to (the flow runtime's RingTarget). */
export type CallTarget = Extract<OverrideDecision, { kind: 'forward' }>['target'];

/** A call in progress, as the live-call window shows it. */
export interface LiveCall {
  readonly callId: string;
  readonly userId: string;
  readonly callerKind: CallerKind;
  /** E.164 (or the digits received), null when withheld. */
  readonly callerNumber: string | null;
  /** The contact's name, else the network's display name. */
  readonly callerName: string | null;
  readonly networkName: string | null;
  readonly contactId: string | null;
  readonly handlingCode: string | null;
  readonly calledNumber: string;
  readonly startedAt: number;
  /** The caller's leg is answered: the call can no longer be overridden. */
  readonly answered: boolean;
  /** The flow now running (`override:<kind>` after an override). */
  readonly flowId: string;
  /** The element now running, if any. */
  readonly node: string | null;
  /** What is being rung now. */
  readonly ringing: readonly CallTarget[];
}

/** Why an override was not carried out. */
export type OverrideRefusal =
  /** No such call in progress (never was, or over). */
  | 'not-found'
  /** The call has been answered: the caller is talking to someone. */
  | 'answered'
  /** The running flow cannot take it now (it is ending the call, or the decision cannot run). */
  | 'refused';

/** Who asked for an override, and the code they asked to remember: kept in the call record. */
export interface OverrideRequest {
  readonly requestedBy: string | null;
  /** The handling code the caller's contact gets from now on, if the user asked for that. */
  readonly remember: string | null;
}

export type OverrideOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: OverrideRefusal; readonly message: string };

/**
 * The calls in progress and the way to steer them (step 6 of the call path). The telephony side
 * implements it over the running FlowRuns (LiveCallRegistry does the bookkeeping); the API lists
 * calls and sends the user's decisions through it. Decisions reach it checked: devices belong
 * to the user, numbers are E.164.
 */
export interface LiveCalls {
  /** The user's calls in progress, oldest first. */
  list(userId: string): Promise<LiveCall[]>;
  get(callId: string): Promise<LiveCall | undefined>;
  /**
   * Interrupts what the call is doing and runs the decision instead; the call records it as an
   * `override` step (with `request`) once taken.
   */
  override(
    callId: string,
    decision: CallDecision,
    request?: OverrideRequest,
  ): Promise<OverrideOutcome>;
}
