import { getElement } from '../catalog/catalog.js';
import type { AnyElementDefinition, ElementOutcome } from '../catalog/element.js';
import type { CompiledFlow, CompiledState } from '../compiler/compiled-flow.js';
import type { CallControl } from './call-control.js';
import type { CallFacts } from './call-facts.js';
import { isCallerHungUp } from './caller-hung-up.js';
import { ABORT_GRACE_MS, ElementAttempt, type Guarded } from './element-attempt.js';
import { NodeContext } from './node-context.js';
import { buildOverrideFlow, overrideFlowId } from './override-flow.js';
import type { OverrideDecision } from './override.js';
import type { FlowServices } from './services.js';
import type { StepKind, StepLogEntry } from './step-log.js';

export interface ResolvedFlow {
  readonly flowId: string;
  readonly flow: CompiledFlow;
}

export type ElementLookup = (type: string) => AnyElementDefinition | undefined;

export interface FlowRunOptions {
  /** Names the flow in the step log (a flow id, or `builtin:<template>`). */
  readonly flowId: string;
  readonly flow: CompiledFlow;
  readonly call: CallControl;
  readonly facts: CallFacts;
  readonly services: FlowServices;
  /** Element types by name; the built-in catalog by default. */
  readonly catalog?: ElementLookup;
  /** Finds the target of a Go to flow element (another of the user's published flows). */
  readonly resolveFlow?: (flowId: string) => Promise<ResolvedFlow | undefined>;
  /** Aborted when the caller hangs up. */
  readonly hangUp: AbortSignal;
  /** Element runs and flow jumps allowed in one call; default 200. */
  readonly maxSteps?: number;
  /** Sees each step log entry as it is written (the call record, live events). */
  readonly onStep?: (entry: StepLogEntry) => void;
  /** The sequence an override runs; by default the built-in one (see override-flow.ts). */
  readonly overrideFlow?: (decision: OverrideDecision) => CompiledFlow | undefined;
  /** Flow variables the call starts with. */
  readonly variables?: Readonly<Record<string, string>>;
}

export type FlowRunOutcome = 'ended' | 'hung-up' | 'step-limit' | 'error' | 'overridden';

export interface FlowRunResult {
  /**
   * `ended`: the flow reached its end; `overridden`: the same, after the user's override took
   * over; `hung-up`: the caller hung up first; `step-limit`: the flow ran too many steps;
   * `error`: an element failed, ran past its time limit, or the flow pointed nowhere.
   */
  readonly outcome: FlowRunOutcome;
  readonly steps: readonly StepLogEntry[];
  readonly variables: Readonly<Record<string, string>>;
  /** The last node that ran or was running, if any ran. */
  readonly lastNode: string | undefined;
  /** The flow the call was in at the end (another after a Go to, `override:<kind>` after an override). */
  readonly flowId: string;
  /** Every node the call entered, in order, with the flow it belongs to. */
  readonly visits: readonly NodeVisit[];
}

export interface NodeVisit {
  readonly flow: string;
  readonly node: string;
}

export const DEFAULT_MAX_STEPS = 200;
/** A waiting element that settles faster than this did not really wait. */
const QUICK_RUN_MS = 500;
/** How many such quick runs of one node a call may make before the runtime stops it. */
const QUICK_LOOP_LIMIT = 5;
/** Elements that end the call themselves; an override cannot stop them. */
const ENDING_TYPES: ReadonlySet<string> = new Set(['hang-up', 'reject']);
export { ABORT_GRACE_MS };

/** What one node produced: an outcome, or a refusal because the call was already answered. */
type NodeResult =
  { readonly kind: 'outcome'; readonly outcome: ElementOutcome } | { readonly kind: 'refused' };

const REFUSED: NodeResult = { kind: 'refused' };

/**
 * Runs one call through a compiled flow: a state loop that runs an element, follows the
 * transition of the pin it left by, and writes a step log that explains every decision.
 *
 * Rules (each has a test in flow-run.test.ts):
 * - A pin with no transition ends the call: it is hung up (480 if unanswered, BYE if
 *   answered). An outcome with `ends` (Hang up, Reject) has already ended it. A ring that was
 *   answered is followed like any pin: CallControl.ring settles once the bridged conversation
 *   is over (the templates' `answered` -> Hang up "Call over"); the simulator's conversations
 *   take no time.
 * - Preconditions: `answered` answers the call first and logs a `precondition` step;
 *   `unanswered` on an answered call (Reject after a Play) is refused with a `precondition`
 *   step, and the call follows the node's `failed` connection if it has one, else it ends.
 * - Every element runs under a signal aborted by hang-up, override, and its
 *   `maxDurationMs(config)`. A hang-up ends the run at once (`hang-up` step) and the runtime
 *   makes no further CallControl call. A timeout logs a `limit` step and ends the call.
 * - `override(decision)` aborts the current element, logs an `override` step and runs a small
 *   sequence of ordinary elements for the decision; a later override replaces it the same way.
 * - At most `maxSteps` element runs and Go to jumps: then a `limit` step and the call ends.
 * - An element that throws (or a flow that points at a missing state or element, or a Go to
 *   that resolves to nothing) logs an `error` step and the call is ended cleanly.
 * - The last entry of every log is `end` or `hang-up`. `run()` never rejects.
 */
export class FlowRun {
  private readonly call: CallControl;
  private readonly facts: CallFacts;
  private readonly services: FlowServices;
  private readonly catalog: ElementLookup;
  private readonly hangUpSignal: AbortSignal;
  private readonly maxSteps: number;
  private readonly steps: StepLogEntry[] = [];
  private readonly visits: NodeVisit[] = [];
  private variables: Record<string, string>;
  /** What handlers see: a frozen copy, made again only when a variable changes. */
  private variablesView: Readonly<Record<string, string>>;
  private flowId: string;
  private flow: CompiledFlow;
  private stepCount = 0;
  private lastNode: string | undefined;
  private overridden = false;
  /** Set once the run is ending: an override can no longer change anything. */
  private ending = false;
  private pendingOverride: { decision: OverrideDecision; flow: CompiledFlow } | undefined;
  /** True while an element that ends the call (Hang up, Reject) runs. */
  private currentEnds = false;
  /** Quick re-entries of telephony nodes, for the loop guard (see `quickLoop`). */
  private readonly quickRuns = new Map<string, number>();
  /** The node the last override interrupted, for its log entry. */
  private interrupted: { node: string; type: string; startedAt: number } | undefined;
  /** The element now running, if any: override and hang-up stop it. */
  private current: ElementAttempt<NodeResult> | undefined;
  private running: Promise<FlowRunResult> | undefined;

  constructor(private readonly options: FlowRunOptions) {
    const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    if (!Number.isInteger(maxSteps) || maxSteps < 1) {
      throw new RangeError(`maxSteps must be a whole number of at least 1, got ${maxSteps}`);
    }
    this.maxSteps = maxSteps;
    this.call = options.call;
    this.facts = options.facts;
    this.services = options.services;
    this.catalog = options.catalog ?? getElement;
    this.hangUpSignal = options.hangUp;
    this.flowId = options.flowId;
    this.flow = options.flow;
    this.variables = { ...(options.variables ?? {}) };
    this.variablesView = Object.freeze({ ...this.variables });
  }

  /** Runs the call to its end; calling it again returns the same result. Never rejects. */
  run(): Promise<FlowRunResult> {
    this.running ??= this.runWatchingHangUp();
    return this.running;
  }

  private async runWatchingHangUp(): Promise<FlowRunResult> {
    // One listener for the whole call: a hang-up stops whichever element is running.
    const onHangUp = (): void => {
      this.current?.stop('hang-up');
    };
    this.hangUpSignal.addEventListener('abort', onHangUp, { once: true });
    try {
      return await this.execute();
    } catch (error) {
      // Only a bug in the runtime itself lands here; the caller still gets a result.
      this.log('error', { detail: { message: describeError(error), where: 'runtime' } });
      return this.result('error');
    } finally {
      this.hangUpSignal.removeEventListener('abort', onHangUp);
    }
  }

  /**
   * The user's live choice: stops the current element (which cleans up) and runs the decision
   * instead of the rest of the flow. Returns false once the run is over.
   */
  override(decision: OverrideDecision): boolean {
    if (this.ending) return false;
    // The caller is talking to whoever answered: there is nothing left to steer.
    if (this.currentConnected()) return false;
    // Hang up and Reject are ending the call already; they would not stop for it.
    if (this.currentEnds) return false;
    // Build it first: a decision that cannot be carried out must not stop what runs now.
    const flow = this.buildOverride(decision);
    if (flow === undefined) return false;
    this.pendingOverride = { decision, flow };
    this.current?.stop('override');
    return true;
  }

  private buildOverride(decision: OverrideDecision): CompiledFlow | undefined {
    try {
      return (
        this.options.overrideFlow ?? ((d) => buildOverrideFlow(d, this.catalog, this.facts.user.id))
      )(decision);
    } catch {
      return undefined;
    }
  }

  private currentConnected(): boolean {
    return this.current?.connected?.() === true;
  }

  private async execute(): Promise<FlowRunResult> {
    let stateId = this.flow.start;
    for (;;) {
      if (this.hangUpSignal.aborted) return this.hungUp(undefined, { during: 'between-steps' });

      if (this.pendingOverride !== undefined) {
        stateId = this.applyOverride(this.pendingOverride);
        continue;
      }

      if (this.stepCount >= this.maxSteps) {
        this.log('limit', {
          node: stateId,
          detail: { reason: 'step-limit', maxSteps: this.maxSteps },
        });
        return this.ended('step-limit', undefined, {});
      }

      const state = this.flow.states[stateId];
      if (state === undefined) {
        this.log('error', {
          node: stateId,
          detail: { message: `flow "${this.flowId}" has no state "${stateId}"` },
        });
        return this.ended('error', undefined, {});
      }
      const element = this.catalog(state.type);
      if (element === undefined) {
        this.log('error', {
          node: state.id,
          type: state.type,
          detail: { message: `unknown element type "${state.type}"` },
        });
        return this.ended('error', undefined, {});
      }

      this.stepCount += 1;
      this.lastNode = state.id;
      this.visits.push({ flow: this.flowId, node: state.id });
      const startedAt = this.services.clock.now();
      const attempt = new ElementAttempt<NodeResult>(this.services.timers, this.hangUpSignal);
      this.current = attempt;
      this.currentEnds = ENDING_TYPES.has(state.type);
      let guarded: Guarded<NodeResult>;
      try {
        guarded = await attempt.settle(
          this.runNode(state, element, attempt),
          element.maxDurationMs(state.config),
        );
      } catch (error) {
        guarded = { kind: 'threw', error };
      } finally {
        this.current = undefined;
        this.currentEnds = false;
      }
      const durationMs = this.services.clock.now() - startedAt;
      const at = { node: state.id, type: state.type };

      if (guarded.kind === 'stopped') {
        const cleanup = guarded.cleanedUp ? {} : { cleanup: 'unconfirmed' };
        if (guarded.cause === 'hang-up') {
          return this.hungUp(state, { during: 'element', ...cleanup }, durationMs);
        }
        if (guarded.cause === 'override' || this.overridePending()) {
          // An override that arrived as the time limit struck still takes over.
          this.interrupted = { ...at, startedAt };
          continue;
        }
        const limitMs = safeMaxDuration(element, state);
        this.log('limit', {
          ...at,
          durationMs,
          detail: { reason: 'element-timeout', maxDurationMs: limitMs, ...cleanup },
        });
        return this.ended('error', state, {});
      }
      if (guarded.kind === 'threw') {
        this.log('error', { ...at, durationMs, detail: { message: describeError(guarded.error) } });
        return this.ended('error', state, {});
      }

      const result = guarded.value;
      if (result.kind === 'refused') {
        this.log('precondition', {
          ...at,
          detail: {
            precondition: 'unanswered',
            satisfied: false,
            reason: 'the call is already answered',
          },
        });
        const failed = state.transitions['failed'];
        if (failed === undefined) {
          return this.ended(this.normalOutcome(), state, { reason: 'precondition' });
        }
        stateId = failed;
        continue;
      }

      const outcome = result.outcome;
      if (typeof outcome.pin !== 'string') {
        this.log('error', {
          ...at,
          durationMs,
          detail: { message: 'the element returned no pin' },
        });
        return this.ended('error', state, {});
      }
      if (outcome.variables !== undefined) {
        Object.assign(this.variables, outcome.variables);
        this.variablesView = Object.freeze({ ...this.variables });
      }
      this.push({
        seq: this.steps.length + 1,
        at: startedAt,
        kind: 'element',
        flow: this.flowId,
        node: state.id,
        type: state.type,
        inputs: asRecord(state.config),
        pin: outcome.pin,
        ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
        durationMs,
      });

      if (outcome.ends === true)
        return this.ended(this.normalOutcome(), state, { by: 'element' }, false);
      // The user's choice arrived as the element finished: it replaces the rest of the flow.
      if (this.overridePending()) continue;

      if (outcome.gotoFlow !== undefined) {
        const jump = await this.gotoFlow(state, outcome.gotoFlow);
        if (jump.kind === 'stop') return this.ended(jump.outcome, state, {});
        stateId = jump.start;
        continue;
      }

      if (this.quickLoop(state, element, durationMs)) {
        this.log('limit', {
          ...at,
          detail: { reason: 'quick-loop', runs: QUICK_LOOP_LIMIT, pin: outcome.pin },
        });
        return this.ended('step-limit', state, {});
      }

      const next = this.nextState(state, element, outcome.pin);
      if (next === undefined) return this.ended(this.normalOutcome(), state, { pin: outcome.pin });
      stateId = next;
    }
  }

  /**
   * A waiting element that returns at once (a ring to a device that does not exist, a trunk
   * that answers busy straight away) does not make a loop safe: looped back on itself it would
   * send hundreds of INVITEs to a carrier in a second. The validator cannot know which pins
   * come back at once, so the runtime ends a call whose telephony node keeps coming back
   * without time passing.
   */
  private quickLoop(
    state: CompiledState,
    element: AnyElementDefinition,
    durationMs: number,
  ): boolean {
    if (!element.waits) return false;
    const key = `${this.flowId}/${state.id}`;
    if (durationMs >= QUICK_RUN_MS) {
      this.quickRuns.delete(key);
      return false;
    }
    const runs = (this.quickRuns.get(key) ?? 0) + 1;
    this.quickRuns.set(key, runs);
    return runs >= QUICK_LOOP_LIMIT;
  }

  /** Where the call goes from `pin`: its connection, else the element's fallback pin's. */
  private nextState(
    state: CompiledState,
    element: AnyElementDefinition,
    pin: string,
  ): string | undefined {
    const direct = state.transitions[pin];
    if (direct !== undefined) return direct;
    const fallback = element.fallbackPin?.(pin);
    return fallback === undefined ? undefined : state.transitions[fallback];
  }

  /** Preconditions, then the element itself. */
  private async runNode(
    state: CompiledState,
    element: AnyElementDefinition,
    attempt: ElementAttempt<NodeResult>,
  ): Promise<NodeResult> {
    for (const precondition of element.preconditions) {
      if (precondition === 'unanswered' && this.call.answered) return REFUSED;
      if (precondition === 'answered' && !this.call.answered) {
        const startedAt = this.services.clock.now();
        await this.call.answer(attempt.signal);
        this.log('precondition', {
          node: state.id,
          type: state.type,
          detail: { precondition: 'answered', action: 'answered the call' },
          durationMs: this.services.clock.now() - startedAt,
          at: startedAt,
        });
      }
    }
    // From here on, an answer is someone picking up what this element rang.
    if (!this.call.answered) attempt.connected = () => this.call.answered;
    const outcome = await element.run(
      new NodeContext(state, this.call, this.facts, this.services, this.variablesView, attempt),
    );
    return { kind: 'outcome', outcome };
  }

  private applyOverride(pending: { decision: OverrideDecision; flow: CompiledFlow }): string {
    const { decision, flow } = pending;
    this.pendingOverride = undefined;
    const interrupted = this.interrupted;
    this.interrupted = undefined;
    const now = this.services.clock.now();
    this.log('override', {
      ...(interrupted === undefined
        ? {}
        : {
            node: interrupted.node,
            type: interrupted.type,
            durationMs: now - interrupted.startedAt,
          }),
      detail: { decision, ...(interrupted === undefined ? {} : { interrupted: interrupted.node }) },
    });
    this.flowId = overrideFlowId(decision);
    this.flow = flow;
    this.overridden = true;
    return flow.start;
  }

  /** Follows a Go to flow outcome: the new flow's start, or why the call cannot continue. */
  private async gotoFlow(
    state: CompiledState,
    target: string,
  ): Promise<
    | { readonly kind: 'jump'; readonly start: string }
    | { readonly kind: 'stop'; readonly outcome: FlowRunOutcome }
  > {
    const at = { node: state.id, type: state.type };
    if (this.stepCount >= this.maxSteps) {
      this.log('limit', {
        ...at,
        detail: { reason: 'step-limit', maxSteps: this.maxSteps, gotoFlow: target },
      });
      return { kind: 'stop', outcome: 'step-limit' };
    }
    // A jump counts as a step: two flows that go to each other are a loop like any other.
    this.stepCount += 1;
    let resolved: ResolvedFlow | undefined;
    try {
      resolved = await this.options.resolveFlow?.(target);
    } catch (error) {
      this.log('error', {
        ...at,
        detail: { message: `flow "${target}" could not be loaded: ${describeError(error)}` },
      });
      return { kind: 'stop', outcome: 'error' };
    }
    if (resolved === undefined) {
      this.log('error', { ...at, detail: { message: `no flow "${target}" to go to` } });
      return { kind: 'stop', outcome: 'error' };
    }
    this.log('goto', { ...at, detail: { from: this.flowId, to: resolved.flowId } });
    this.flowId = resolved.flowId;
    this.flow = resolved.flow;
    return { kind: 'jump', start: resolved.flow.start };
  }

  /** Read through a method: `override()` sets it while the loop awaits an element. */
  private overridePending(): boolean {
    return this.pendingOverride !== undefined;
  }

  private normalOutcome(): FlowRunOutcome {
    return this.overridden ? 'overridden' : 'ended';
  }

  /**
   * Ends the call: hangs up unless told not to (the element ended it, or the caller is
   * connected), and writes the `end` entry. A caller who hung up meanwhile makes it a hang-up.
   */
  private async ended(
    outcome: FlowRunOutcome,
    state: CompiledState | undefined,
    detail: Record<string, unknown>,
    hangUp = true,
  ): Promise<FlowRunResult> {
    this.ending = true;
    if (this.hangUpSignal.aborted) return this.hungUp(state, { during: 'end' });
    const extra: Record<string, unknown> = {};
    if (hangUp) {
      extra['hungUp'] = true;
      try {
        await this.call.hangUp();
      } catch (error) {
        if (isCallerHungUp(error)) return this.hungUp(state, { during: 'end' });
        extra['hangUpError'] = describeError(error);
      }
    }
    this.log('end', {
      ...(state === undefined ? {} : { node: state.id, type: state.type }),
      detail: { ...detail, ...extra },
    });
    return this.result(outcome);
  }

  private hungUp(
    state: CompiledState | undefined,
    detail: Record<string, unknown>,
    durationMs?: number,
  ): FlowRunResult {
    this.log('hang-up', {
      ...(state === undefined ? {} : { node: state.id, type: state.type }),
      detail,
      ...(durationMs === undefined ? {} : { durationMs }),
    });
    return this.result('hung-up');
  }

  private result(outcome: FlowRunOutcome): FlowRunResult {
    this.ending = true;
    this.current = undefined;
    return {
      outcome,
      steps: [...this.steps],
      variables: { ...this.variables },
      lastNode: this.lastNode,
      flowId: this.flowId,
      visits: [...this.visits],
    };
  }

  private log(
    kind: StepKind,
    fields: Omit<StepLogEntry, 'seq' | 'at' | 'kind' | 'flow'> & { at?: number },
  ): void {
    this.push({
      seq: this.steps.length + 1,
      at: this.services.clock.now(),
      kind,
      flow: this.flowId,
      ...fields,
    });
  }

  private push(entry: StepLogEntry): void {
    this.steps.push(entry);
    try {
      this.options.onStep?.(entry);
    } catch {
      // A failing log sink (a closed socket) must not change what happens to the call.
    }
  }
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function safeMaxDuration(element: AnyElementDefinition, state: CompiledState): number | undefined {
  try {
    return element.maxDurationMs(state.config);
  } catch {
    return undefined;
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
