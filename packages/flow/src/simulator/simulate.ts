import type { PinEnvironment } from '../catalog/element.js';
import { compileFlowMap } from '../compiler/compile.js';
import type { CompiledFlow } from '../compiler/compiled-flow.js';
import type { FlowIssue } from '../issues.js';
import type { CallFacts } from '../runtime/call-facts.js';
import { CallerHungUp } from '../runtime/caller-hung-up.js';
import {
  FlowRun,
  type ElementLookup,
  type FlowRunOutcome,
  type NodeVisit,
  type ResolvedFlow,
} from '../runtime/flow-run.js';
import type { FlowHttpClient, FlowServices } from '../runtime/services.js';
import type { StepLogEntry } from '../runtime/step-log.js';
import { builtinTemplate } from '../templates/index.js';
import {
  checkScenario,
  scenarioFacts,
  scenarioScript,
  type Scenario,
  type ScenarioInput,
} from './scenario.js';
import { ScriptedCall, type CallAction } from './scripted-call.js';
import { VirtualTime } from './virtual-time.js';

export interface SimulateOptions {
  /** A flow map document: validated and compiled here (FlowCompileError when invalid). */
  readonly map?: unknown;
  /** Or a flow already compiled. */
  readonly flow?: CompiledFlow;
  /** Names the flow in the step log; `main` by default. */
  readonly flowId?: string;
  /** The call to play; a ScenarioInput is checked (ScenarioError when invalid). Default `{}`. */
  readonly scenario?: ScenarioInput;
  /** The user's handling codes for compiling maps; the scenario user's by default. */
  readonly env?: PinEnvironment;
  /**
   * The user's other flows for Go to flow, by id: flow map documents or compiled flows.
   * `builtin:<template>` targets need no entry.
   */
  readonly flows?: Readonly<Record<string, unknown>>;
  readonly maxSteps?: number;
  /** Element types; the built-in catalog by default. */
  readonly catalog?: ElementLookup;
  /** Sees each step as it is logged. */
  readonly onStep?: (entry: StepLogEntry) => void;
}

export interface SimulationResult {
  /**
   * The nodes the call went through, in order. Nodes of a flow reached by Go to are written
   * `flowId/nodeId`; nodes of an override's sequence are named `override-*`.
   */
  readonly path: readonly string[];
  readonly steps: readonly StepLogEntry[];
  readonly outcome: FlowRunOutcome;
  /** What happened to the call, from the scripted call: rings, prompts, keys, hang-up... */
  readonly actions: readonly CallAction[];
  readonly variables: Readonly<Record<string, string>>;
  /** The facts the flow ran with (from the scenario). */
  readonly facts: CallFacts;
  /** Virtual epoch ms at the start and at the end of the flow. */
  readonly startedAt: number;
  readonly endedAt: number;
}

/** The scenario given to `simulate` is not valid; `issues` says why, by path. */
export class ScenarioError extends Error {
  readonly issues: readonly FlowIssue[];

  constructor(issues: readonly FlowIssue[]) {
    const first = issues[0];
    const where = first && first.path !== '' ? `${first.path}: ` : '';
    const more = issues.length > 1 ? ` (and ${String(issues.length - 1)} more)` : '';
    super(`the scenario is not valid: ${where}${first?.message ?? 'unknown problem'}${more}`);
    this.name = 'ScenarioError';
    this.issues = issues;
  }
}

/**
 * Runs a flow against a scripted call in virtual time, with no network: the same runtime and
 * element handlers as a real call, a ScriptedCall instead of SIP, and webhooks answered from
 * the scenario. Takes milliseconds whatever the call's length. Browser-safe: the editor's test
 * panel runs it.
 */
export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  const checked = checkScenario(options.scenario ?? {});
  if (!checked.ok) throw new ScenarioError(checked.issues);
  const scenario = checked.value;
  const facts = scenarioFacts(scenario);
  const env = options.env ?? { handlingCodes: facts.user.handlingCodes };
  const flowId = options.flowId ?? 'main';
  const flow = options.flow ?? compileFlowMap(options.map, { env });

  const time = new VirtualTime(facts.startedAt);
  const call = new ScriptedCall(scenarioScript(scenario), { clock: time, timers: time });
  const hangUp = new AbortController();
  call.onHangUp(() => {
    hangUp.abort(new CallerHungUp());
  });
  const services: FlowServices = { clock: time, timers: time, http: scenarioHttp(scenario) };
  const run = new FlowRun({
    flowId,
    flow,
    call,
    facts,
    services,
    hangUp: hangUp.signal,
    resolveFlow: (id) => Promise.resolve(resolveOther(id, options.flows, env)),
    variables: scenario.variables,
    ...(options.catalog === undefined ? {} : { catalog: options.catalog }),
    ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
    ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
  });

  // The user's clicks in the notification window, at their times.
  const finished = new AbortController();
  for (const { afterSeconds, decision } of scenario.overrides) {
    time.sleep(afterSeconds * 1000, finished.signal).then(
      () => run.override(decision),
      () => undefined,
    );
  }
  try {
    const result = await run.run();
    return {
      path: pathOf(result.visits, flowId),
      steps: result.steps,
      outcome: result.outcome,
      actions: call.actions,
      variables: result.variables,
      facts,
      startedAt: facts.startedAt,
      endedAt: time.now(),
    };
  } finally {
    finished.abort();
  }
}

function pathOf(visits: readonly NodeVisit[], mainFlow: string): string[] {
  return visits.map((visit) =>
    visit.flow === mainFlow || visit.flow.startsWith('override:')
      ? visit.node
      : `${visit.flow}/${visit.node}`,
  );
}

/** A Go to target: one of `flows` (map or compiled), or a built-in template. */
function resolveOther(
  id: string,
  flows: Readonly<Record<string, unknown>> | undefined,
  env: PinEnvironment,
): ResolvedFlow | undefined {
  const given = flows !== undefined && Object.hasOwn(flows, id) ? flows[id] : undefined;
  if (given !== undefined) {
    return { flowId: id, flow: isCompiledFlow(given) ? given : compileFlowMap(given, { env }) };
  }
  const template = id.startsWith('builtin:') ? builtinTemplate(id) : undefined;
  return template === undefined
    ? undefined
    : { flowId: id, flow: compileFlowMap(template, { env }) };
}

function isCompiledFlow(value: unknown): value is CompiledFlow {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { format?: unknown }).format === 1 &&
    typeof (value as { states?: unknown }).states === 'object'
  );
}

/** Webhooks get the scenario's canned answer; without one they fail, as with no network. */
function scenarioHttp(scenario: Scenario): FlowHttpClient {
  const answer = scenario.http;
  return {
    send: () =>
      answer === undefined
        ? Promise.reject(
            new Error('the simulator makes no network requests (give the scenario an http answer)'),
          )
        : Promise.resolve({ status: answer.status, body: answer.body }),
  };
}
