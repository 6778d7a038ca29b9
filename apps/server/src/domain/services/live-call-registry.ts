import type { CallDecision } from '@switchboard/contracts';
import type { OverrideDecision } from '@switchboard/flow';
import type {
  CallTarget,
  LiveCall,
  LiveCalls,
  OverrideOutcome,
  OverrideRequest,
} from '../ports/live-calls.js';

/** An override as the call record keeps it: the API's decision and who asked. */
export interface OverrideNote extends OverrideRequest {
  readonly decision: CallDecision;
}

/** How the registry reaches a running call: FlowRun.override, in the telephony adapter. */
export interface LiveCallControl {
  /**
   * Hands the decision to the running flow; false when it cannot take it now. `note` is what
   * the call records of it once taken.
   */
  override(decision: OverrideDecision, note: OverrideNote): boolean;
}

/** What the owner of a registered call tells the registry as the call goes on. */
export interface LiveCallHandle {
  update(patch: Partial<Pick<LiveCall, 'answered' | 'flowId' | 'node' | 'ringing'>>): void;
  /** The call is over: it leaves the registry. Calling it twice is harmless. */
  end(): void;
}

/**
 * The calls in progress in this process: the LiveCalls port as a registry. The telephony
 * adapter registers each call with its control (the FlowRun) and keeps it up to date; tests
 * register calls with a scripted control. Each server instance knows its own calls only; with
 * several instances on one PostgreSQL, an override must reach the instance holding the call
 * (not solved here: the telephony issue routes calls of one user to one instance).
 */
export class LiveCallRegistry implements LiveCalls {
  private readonly calls = new Map<string, { call: LiveCall; control: LiveCallControl }>();

  register(call: LiveCall, control: LiveCallControl): LiveCallHandle {
    if (this.calls.has(call.callId)) {
      throw new RangeError(`call ${call.callId} is already registered`);
    }
    const entry = { call, control };
    this.calls.set(call.callId, entry);
    return {
      update: (patch) => {
        if (this.calls.get(call.callId) !== entry) return;
        entry.call = { ...entry.call, ...patch };
      },
      end: () => {
        if (this.calls.get(call.callId) === entry) this.calls.delete(call.callId);
      },
    };
  }

  list(userId: string): Promise<LiveCall[]> {
    const calls = [...this.calls.values()]
      .map((e) => e.call)
      .filter((c) => c.userId === userId)
      .sort((a, b) => a.startedAt - b.startedAt || (a.callId < b.callId ? -1 : 1));
    return Promise.resolve(calls);
  }

  get(callId: string): Promise<LiveCall | undefined> {
    return Promise.resolve(this.calls.get(callId)?.call);
  }

  /** How many calls are in progress, for metrics and leak checks in tests. */
  size(): number {
    return this.calls.size;
  }

  override(
    callId: string,
    decision: CallDecision,
    request: OverrideRequest = { requestedBy: null, remember: null },
  ): Promise<OverrideOutcome> {
    const entry = this.calls.get(callId);
    if (entry === undefined) {
      return Promise.resolve({
        ok: false,
        reason: 'not-found',
        message: `call ${callId} is not in progress`,
      });
    }
    if (entry.call.answered) {
      return Promise.resolve({
        ok: false,
        reason: 'answered',
        message: `call ${callId} has been answered; it can no longer be redirected`,
      });
    }
    const taken = entry.control.override(toOverrideDecision(entry.call.userId, decision), {
      decision,
      ...request,
    });
    return Promise.resolve(
      taken
        ? { ok: true }
        : {
            ok: false,
            reason: 'refused',
            message: `call ${callId} cannot take a decision now (it is being connected or ended)`,
          },
    );
  }
}

/** The API's decision as the flow runtime's override. */
export function toOverrideDecision(userId: string, decision: CallDecision): OverrideDecision {
  switch (decision.action) {
    case 'forward': {
      const target: CallTarget =
        decision.deviceId !== undefined
          ? { kind: 'device', userId, deviceId: decision.deviceId }
          : { kind: 'number', number: decision.number ?? '' };
      return { kind: 'forward', target };
    }
    case 'voicemail':
      return { kind: 'voicemail' };
    case 'attendant':
      return { kind: 'attendant' };
    case 'reject':
      return decision.code === undefined
        ? { kind: 'reject' }
        : { kind: 'reject', code: decision.code };
    case 'answer':
      return { kind: 'answer-on', deviceId: decision.deviceId };
  }
}
