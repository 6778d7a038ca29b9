/**
 * The call record's outcome from what happened on the wire and how the flow ended. In order:
 * a message left is `voicemail`; a refusal is `rejected`; a conversation with a target rung is
 * `answered` (one of the user's own devices) or `forwarded` (a number, another user); a caller
 * who left before being connected to anyone is `abandoned`; a flow that broke is `failed`;
 * anything else (nobody answered, we hung up) is `missed`.
 */
import type { FlowRunResult } from '@switchboard/flow';
import type { CallOutcome } from '../domain/model/index.js';
import type { CallSummary } from './sip-call-control.js';

export interface OutcomeAndDetail {
  readonly outcome: CallOutcome;
  /** For the `ended` step: who ended the call, how the flow ended, what was cancelled. */
  readonly detail: Readonly<Record<string, unknown>>;
}

export function callOutcome(
  summary: CallSummary,
  run: Pick<FlowRunResult, 'outcome'>,
  userId: string,
): OutcomeAndDetail {
  const endedBy =
    summary.conversationEndedBy ?? (summary.callerGone === undefined ? 'switchboard' : 'caller');
  const detail: Record<string, unknown> = {
    endedBy,
    flowOutcome: run.outcome,
    ...(summary.callerGone === undefined ? {} : { callerLeft: summary.callerGone }),
    ...(summary.cancelledLegs.length === 0 ? {} : { cancelledLegs: summary.cancelledLegs }),
    ...(summary.rejectedWith === null ? {} : { code: summary.rejectedWith }),
    ...(summary.overridden ? { overridden: true } : {}),
  };
  return { outcome: outcomeOf(summary, run, userId), detail };
}

function outcomeOf(
  summary: CallSummary,
  run: Pick<FlowRunResult, 'outcome'>,
  userId: string,
): CallOutcome {
  if (summary.voicemailId !== null) return 'voicemail';
  if (summary.rejectedWith !== null) return 'rejected';
  const by = summary.answeredBy;
  if (summary.connected && by !== null && by !== 'system') {
    return by.kind === 'number' || by.userId !== userId ? 'forwarded' : 'answered';
  }
  if (summary.callerGone !== undefined) return 'abandoned';
  if (run.outcome === 'error' || run.outcome === 'step-limit') return 'failed';
  return 'missed';
}
