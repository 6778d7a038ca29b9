import { randomUUID } from 'node:crypto';
import type { FlowRunOptions, StepLogEntry } from '@switchboard/flow';
import type { CallerIdentification, CallOutcome, CallRecord, User } from '../model/index.js';
import type { Clock } from '../ports/clock.js';
import type { CallTarget, LiveCall } from '../ports/live-calls.js';
import type { Logger } from '../ports/logger.js';
import type { Repositories, Store } from '../ports/store.js';
import { CallEventPublisher, stepDetail } from './call-events.js';
import { CallJournal } from './call-journal.js';
import { identifyCaller } from './caller-identification.js';
import type { EventBus } from './event-bus.js';
import { chooseHandlingMethod, flowResolver, type HandlingChoice } from './handling-choice.js';
import type { LiveCallControl, LiveCallHandle, LiveCallRegistry } from './live-call-registry.js';
import { tryE164 } from './phone-numbers.js';
import type { SettingsCache } from './settings-cache.js';
import { effectiveStatus, type EffectiveStatus } from './user-status.js';

/**
 * Steps 2, 3, 4, 6 and 7 of the call path as one service for the telephony adapter: it says
 * who calls and what to run, writes the call record and its step log, and publishes the call's
 * live events. The adapter answers SIP, runs the FlowRun with `runOptions()` and its own
 * CallControl, and reports what happens on the wire (ringing, answered, ended) back here.
 */

export interface InboundCallDeps {
  readonly store: Store;
  readonly events: EventBus;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Id of a new call record; random UUIDs unless a test wants predictable ones. */
  readonly newId?: () => string;
  /**
   * Where the call record is written (the server's one journal, committing calls' writes in
   * groups). Without one, the call gets a journal of its own that commits without waiting.
   */
  readonly journal?: CallJournal;
  /** Settings lookups cached between calls; without it every call reads the store. */
  readonly settings?: SettingsCache;
}

export interface IncomingCall {
  /** The DID called (Request-URI or To user part), E.164 with or without `+`. */
  readonly calledNumber: string;
  /** The calling number as received (URI or user part); see CallerInput. */
  readonly callingNumber: string | null;
  readonly displayName?: string | null;
  /** Privacy header values. */
  readonly privacy?: readonly string[];
}

export type CallStart =
  | { readonly ok: true; readonly call: InboundCall }
  /** No user has the number: the SIP side answers 404. */
  | { readonly ok: false; readonly reason: 'unknown-number'; readonly message: string };

/**
 * Starts a call for the number called: finds its user, identifies the caller, reads the user's
 * status, chooses the handling method, and records all three decisions as the call record's
 * first steps (`lookup`, `status`, `method`) before anything rings.
 */
export async function startInboundCall(
  deps: InboundCallDeps,
  incoming: IncomingCall,
): Promise<CallStart> {
  const { clock } = deps;
  const now = clock.now();
  // What the call reads: its settings from the cache while they hold, its caller from the store.
  const store = deps.settings === undefined ? deps.store : await deps.settings.lookups();
  const raw = incoming.calledNumber.trim();
  const calledNumber = tryE164(raw.startsWith('+') ? raw : `+${raw}`, undefined);
  const number = calledNumber === undefined ? undefined : await store.numbers.get(calledNumber);
  const user = number === undefined ? undefined : await store.users.get(number.userId);
  if (calledNumber === undefined || user === undefined) {
    return {
      ok: false,
      reason: 'unknown-number',
      message: `no user has the number ${incoming.calledNumber}`,
    };
  }
  const identification = await identifyCaller(store, {
    userId: user.id,
    country: user.country,
    callingNumber: incoming.callingNumber,
    displayName: incoming.displayName ?? null,
    privacy: incoming.privacy ?? [],
  });
  const status = await effectiveStatus(store, user.id, now);
  const callId = (deps.newId ?? randomUUID)();
  const choice = await chooseHandlingMethod(store, {
    user,
    identification,
    status,
    now,
    callId,
    calledNumber,
  });
  const record: CallRecord = {
    id: callId,
    userId: user.id,
    direction: 'inbound',
    callerNumber: identification.number,
    callerName: identification.contact?.name ?? identification.networkName,
    calledNumber,
    contactId: identification.contact?.id ?? null,
    handlingCode: identification.handlingCode,
    flowId: choice.flowId,
    flowVersion: choice.flowVersion,
    outcome: 'in-progress',
    startedAt: now,
    answeredAt: null,
    endedAt: null,
  };
  const call = new InboundCall(deps, store, record, user, identification, status, choice);
  call.recordDecisions();
  return { ok: true, call };
}

/** One inbound call from start to end: its record, its step log and its live events. */
export class InboundCall {
  private readonly publisher: CallEventPublisher;
  private readonly journal: CallJournal;
  /** Committed once the latest write is (the journal keeps one call's writes in order). */
  private writes: Promise<void>;
  private handle: LiveCallHandle | undefined;
  private answeredAt: number | null = null;
  private answeredBy: string | undefined;
  private finished: Promise<CallRecord> | undefined;

  constructor(
    private readonly deps: InboundCallDeps,
    /** Where the call reads flows it switches to (the cached lookups it started with). */
    private readonly lookups: Repositories,
    readonly record: CallRecord,
    readonly user: User,
    readonly identification: CallerIdentification,
    readonly status: EffectiveStatus,
    readonly choice: HandlingChoice,
  ) {
    this.publisher = new CallEventPublisher(deps.events, deps.clock);
    this.journal =
      deps.journal ?? new CallJournal({ store: deps.store, logger: deps.logger, maxDelayMs: 0 });
    // The record goes in first: the journal commits a call's writes in the order made.
    this.writes = this.journal.insert(record);
  }

  get callId(): string {
    return this.record.id;
  }

  /** What a FlowRun needs from the domain; the adapter adds `call`, `services` and `hangUp`. */
  runOptions(): Pick<FlowRunOptions, 'flowId' | 'flow' | 'facts' | 'resolveFlow' | 'onStep'> {
    return {
      flowId: this.choice.flowId,
      flow: this.choice.flow,
      facts: this.choice.facts,
      resolveFlow: flowResolver(this.lookups, this.user.id),
      onStep: (entry) => {
        this.onStep(entry);
      },
    };
  }

  /** The call as the live-call list shows it now. */
  liveCall(): LiveCall {
    const { identification, record } = this;
    return {
      callId: record.id,
      userId: record.userId,
      callerKind: identification.kind,
      callerNumber: identification.number,
      callerName: record.callerName,
      networkName: identification.networkName,
      contactId: identification.contact?.id ?? null,
      handlingCode: identification.handlingCode,
      calledNumber: record.calledNumber,
      startedAt: record.startedAt,
      answered: this.answeredAt !== null,
      flowId: this.choice.flowId,
      node: null,
      ringing: [],
    };
  }

  /**
   * Lists the call in `registry` (so the API can show and override it) until it ends. An
   * override the call takes is recorded as its `override` step.
   */
  track(registry: LiveCallRegistry, control: LiveCallControl): void {
    this.handle ??= registry.register(this.liveCall(), {
      override: (decision, note) => {
        const taken = control.override(decision, note);
        if (taken) {
          this.append('override', this.deps.clock.now(), {
            decision: note.decision,
            requestedBy: note.requestedBy,
            remember: note.remember,
          });
        }
        return taken;
      },
    });
  }

  /** Records a step of the flow's log and publishes it (the FlowRun's `onStep`). */
  onStep(entry: StepLogEntry): void {
    // The runtime's own override entry (the element it stopped, the sequence it started) is
    // kept apart from the `override` step the API writes for the user's request.
    const kind = entry.kind === 'override' ? 'override-applied' : entry.kind;
    this.append(kind, entry.at, {
      flow: entry.flow,
      ...(entry.node === undefined ? {} : { node: entry.node }),
      ...(entry.type === undefined ? {} : { type: entry.type }),
      ...(entry.pin === undefined ? {} : { pin: entry.pin }),
      ...stepDetail(entry),
    });
    this.handle?.update({ flowId: entry.flow, node: this.nodeAfter(entry) });
    this.publisher.step(this.ref(), entry);
  }

  /**
   * The element running after a step, as far as the step log tells: the step log is written as
   * elements finish, so the next one is the transition taken (known for the chosen flow), or the
   * element a precondition step is about to run. Null when it cannot be told.
   */
  private nodeAfter(entry: StepLogEntry): string | null {
    if (entry.kind === 'precondition') return entry.node ?? null;
    if (entry.kind !== 'element' || entry.node === undefined || entry.pin === undefined) {
      return null;
    }
    if (entry.flow !== this.choice.flowId) return null;
    return this.choice.flow.states[entry.node]?.transitions[entry.pin] ?? null;
  }

  ringing(targets: readonly CallTarget[], mode: 'simultaneous' | 'sequential'): void {
    this.handle?.update({ ringing: targets });
    this.publisher.ringing(this.ref(), targets, mode);
  }

  /** The caller's leg was answered: by a target rung, or by Switchboard (null). */
  answered(by: CallTarget | null): void {
    if (this.answeredAt !== null) return;
    const at = this.deps.clock.now();
    this.answeredAt = at;
    this.handle?.update({ answered: true, ringing: [] });
    const answeredBy = by === null ? 'system' : describeTarget(by, this.user.id);
    this.answeredBy = answeredBy;
    this.writes = this.journal.update(this.callId, { answeredAt: at, answeredBy });
    this.publisher.answered(this.ref(), by);
  }

  forwarded(to: CallTarget, reason: string | null): void {
    this.publisher.forwarded(this.ref(), to, reason);
  }

  voicemail(phase: 'started' | 'recorded', voicemailId?: string, durationMs?: number): void {
    this.publisher.voicemail(this.ref(), phase, voicemailId ?? null, durationMs ?? null);
  }

  /**
   * The call is over: the record gets its outcome and end time and an `ended` step, it leaves the
   * live calls, and `call.ended` goes out. Resolves with the record as it now stands, once all of
   * it is committed; the first call decides.
   */
  finish(
    outcome: CallOutcome,
    detail: Readonly<Record<string, unknown>> = {},
  ): Promise<CallRecord> {
    this.finished ??= (async () => {
      const endedAt = this.deps.clock.now();
      this.handle?.end();
      this.append('ended', endedAt, { outcome, ...detail });
      this.writes = this.journal.update(this.callId, { outcome, endedAt });
      const updated: CallRecord = {
        ...this.record,
        outcome,
        answeredAt: this.answeredAt,
        ...(this.answeredBy === undefined ? {} : { answeredBy: this.answeredBy }),
        endedAt,
      };
      this.publisher.ended({
        ...this.ref(),
        outcome,
        startedAt: this.record.startedAt,
        answeredAt: this.answeredAt,
        endedAt,
      });
      await this.writes;
      return updated;
    })();
    return this.finished;
  }

  /** Resolves once every step so far is stored. */
  flushed(): Promise<void> {
    return this.writes;
  }

  /**
   * The three decisions made before the flow starts, as the record's first steps, and the
   * `call.incoming` event. The call goes on while they are written.
   */
  recordDecisions(): void {
    const { identification: who, status, choice } = this;
    const at = this.record.startedAt;
    this.append('lookup', at, {
      callerKind: who.kind,
      number: who.number,
      withheld: who.withheld,
      contactId: who.contact?.id ?? null,
      contactName: who.contact?.name ?? null,
      handlingCode: who.handlingCode,
      networkName: who.networkName,
      otherContactIds: [...who.otherContactIds],
    });
    this.append('status', at, {
      status: status.status,
      source: status.source,
      eventId: status.event?.id ?? null,
      until: status.source === 'set' ? (status.setting?.until ?? null) : null,
    });
    this.append('method', at, {
      reason: choice.reason,
      configured: choice.configured,
      method: choice.method,
      flowVersion: choice.flowVersion,
      handlingCode: choice.handlingCode,
      passedOver: choice.passedOver.map((p) => ({ method: p.method, problem: p.problem })),
    });
    this.publisher.incoming(
      { ...this.ref(), calledNumber: this.record.calledNumber },
      who,
      { reason: choice.reason, method: choice.method, flowVersion: choice.flowVersion },
      status.status,
    );
  }

  private ref(): { callId: string; userId: string } {
    return { callId: this.record.id, userId: this.record.userId };
  }

  private append(kind: string, at: number, detail: Record<string, unknown>): void {
    this.writes = this.journal.appendStep(this.callId, { at, kind, detail });
  }
}

/**
 * `device:desk`, `number:+1202...`, `user:bob`: the call record's `answeredBy`. Another user's
 * device (an attendant's) is `device:<userId>/<deviceId>`.
 */
export function describeTarget(target: CallTarget, ownerId: string): string {
  switch (target.kind) {
    case 'device':
      return target.userId === ownerId
        ? `device:${target.deviceId}`
        : `device:${target.userId}/${target.deviceId}`;
    case 'number':
      return `number:${target.number}`;
    case 'user':
      return `user:${target.userId}`;
  }
}
