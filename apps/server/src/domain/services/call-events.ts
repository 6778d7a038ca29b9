import type { CallerDto, CallTargetDto, HandlingReason, ServerEvent } from '@switchboard/contracts';
import type { StepLogEntry } from '@switchboard/flow';
import type { CallerIdentification, CallOutcome, UserStatus } from '../model/index.js';
import type { Clock } from '../ports/clock.js';
import type { CallTarget } from '../ports/live-calls.js';
import type { EventBus } from './event-bus.js';

/** The call an event is about. */
export interface CallRef {
  readonly callId: string;
  readonly userId: string;
}

/** How the caller is shown: the contact's name, the network's only for callers not in contacts. */
export function callerDto(identification: CallerIdentification): CallerDto {
  return {
    kind: identification.kind,
    number: identification.number,
    name: identification.contact?.name ?? identification.networkName,
    networkName: identification.networkName,
    contactId: identification.contact?.id ?? null,
    handlingCode: identification.handlingCode,
  };
}

export function callTargetDto(target: CallTarget): CallTargetDto {
  switch (target.kind) {
    case 'device':
      return { kind: 'device', userId: target.userId, deviceId: target.deviceId };
    case 'number':
      return { kind: 'number', number: target.number };
    case 'user':
      return { kind: 'user', userId: target.userId };
  }
}

/**
 * Typed live events of calls (contracts' call-events.ts) onto the event bus, which hands them to
 * the user's WebSocket sessions (and admins'). Each method is one event type, stamped with the
 * clock; nothing here waits or fails: a client that is not connected refetches the call.
 */
export class CallEventPublisher {
  constructor(
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  incoming(
    call: CallRef & { readonly calledNumber: string },
    identification: CallerIdentification,
    handling: {
      readonly reason: HandlingReason;
      readonly method: string;
      readonly flowVersion: number | null;
    },
    status: UserStatus,
  ): void {
    this.publish(call, {
      type: 'call.incoming',
      ...this.base(call),
      caller: callerDto(identification),
      calledNumber: call.calledNumber,
      status,
      reason: handling.reason,
      method: handling.method,
      flowVersion: handling.flowVersion,
    });
  }

  ringing(
    call: CallRef,
    targets: readonly CallTarget[],
    mode: 'simultaneous' | 'sequential',
  ): void {
    this.publish(call, {
      type: 'call.ringing',
      ...this.base(call),
      targets: targets.map(callTargetDto),
      mode,
    });
  }

  /** `by` null: Switchboard answered the caller itself (to play a menu, take a message). */
  answered(call: CallRef, by: CallTarget | null): void {
    this.publish(call, {
      type: 'call.answered',
      ...this.base(call),
      by: by === null ? null : callTargetDto(by),
    });
  }

  step(call: CallRef, entry: StepLogEntry): void {
    this.publish(call, {
      type: 'call.step',
      ...this.base(call),
      kind: entry.kind,
      flow: entry.flow,
      node: entry.node ?? null,
      elementType: entry.type ?? null,
      pin: entry.pin ?? null,
      detail: stepDetail(entry),
    });
  }

  forwarded(call: CallRef, to: CallTarget, reason: string | null): void {
    this.publish(call, {
      type: 'call.forwarded',
      ...this.base(call),
      to: callTargetDto(to),
      reason,
    });
  }

  voicemail(
    call: CallRef,
    phase: 'started' | 'recorded',
    voicemailId: string | null = null,
    durationMs: number | null = null,
  ): void {
    this.publish(call, {
      type: 'call.voicemail',
      ...this.base(call),
      phase,
      voicemailId,
      durationMs,
    });
  }

  ended(
    call: CallRef & {
      readonly outcome: CallOutcome;
      readonly startedAt: number;
      readonly answeredAt: number | null;
      readonly endedAt: number;
    },
  ): void {
    this.publish(call, {
      type: 'call.ended',
      ...this.base(call),
      outcome: call.outcome,
      answeredAt: call.answeredAt === null ? null : iso(call.answeredAt),
      durationMs: Math.max(0, call.endedAt - call.startedAt),
    });
  }

  private base(call: CallRef): { callId: string; userId: string; at: string } {
    return { callId: call.callId, userId: call.userId, at: iso(this.clock.now()) };
  }

  private publish(call: CallRef, event: ServerEvent): void {
    this.bus.publish(call.userId, event);
  }
}

/** A step log entry's detail for the record and events: its detail, inputs and duration. */
export function stepDetail(entry: StepLogEntry): Record<string, unknown> {
  return {
    ...(entry.detail ?? {}),
    ...(entry.inputs === undefined ? {} : { inputs: entry.inputs }),
    ...(entry.durationMs === undefined ? {} : { durationMs: entry.durationMs }),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
