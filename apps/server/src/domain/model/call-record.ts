/** What happened to one call: enough to explain every decision afterwards. */
export type CallDirection = 'inbound' | 'outbound';
export type CallOutcome =
  | 'in-progress'
  | 'answered'
  | 'voicemail'
  | 'forwarded'
  | 'rejected'
  | 'missed'
  | 'abandoned'
  | 'failed';

export interface CallRecord {
  readonly id: string;
  readonly userId: string;
  readonly direction: CallDirection;
  readonly callerNumber: string | null;
  readonly callerName: string | null;
  readonly calledNumber: string;
  readonly contactId: string | null;
  readonly handlingCode: string | null;
  readonly flowId: string | null;
  readonly flowVersion: number | null;
  readonly outcome: CallOutcome;
  readonly startedAt: number;
  readonly answeredAt: number | null;
  readonly endedAt: number | null;
  /**
   * Who answered: `device:<id>` for one of the user's devices, `number:<E.164>` for a number
   * rung through a trunk, `user:<id>` for another user (an attendant), `system` when the call
   * was answered to play or record (menu, voicemail). Absent while nobody has answered.
   */
  readonly answeredBy?: string;
}

/** One entry of a call's step log: an element run, a decision, an override. */
export interface CallStep {
  readonly callId: string;
  readonly seq: number;
  readonly at: number;
  /** Short machine-readable kind, e.g. `lookup`, `element`, `override`, `ended`. */
  readonly kind: string;
  readonly detail: Readonly<Record<string, unknown>>;
}
