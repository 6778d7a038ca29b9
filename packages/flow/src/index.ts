export {
  FlowEdgeSchema,
  FlowMapSchema,
  FlowNodeSchema,
  FlowPositionSchema,
  type FlowEdge,
  type FlowMap,
  type FlowMapInput,
  type FlowNode,
} from './flow-map.js';
export {
  KNOWN_ELEMENT_TYPES,
  START_ELEMENT_TYPE,
  isKnownElementType,
  type KnownElementType,
} from './known-elements.js';
export {
  formatIssuePath,
  joinIssuePath,
  parseWithIssues,
  type FlowIssue,
  type ParseOutcome,
} from './issues.js';
export {
  validateFlowMap,
  type FlowMapValidation,
  type ValidateFlowMapOptions,
} from './validate-flow-map.js';
export {
  validateFlowSet,
  type FlowSetIssue,
  type FlowSetValidation,
  type ValidateFlowSetOptions,
} from './validate-flow-set.js';
export { NO_PIN_ENVIRONMENT, type ElementCatalog } from './validation/element-catalog.js';
export { flowMapJsonSchema } from './json-schema.js';
// Element catalog: the element types, and their description as JSON for the editor.
export { ELEMENTS, getElement, pinsOf } from './catalog/catalog.js';
export type {
  AnyElementDefinition,
  ElementCategory,
  ElementDefinition,
  ElementOutcome,
  PinEnvironment,
  PinSpec,
  Precondition,
} from './catalog/element.js';
export {
  catalogDescription,
  describeElement,
  type DescribeCatalogOptions,
  type ElementDescription,
} from './catalog/describe-catalog.js';
// Compiler: a valid map -> the frozen state table the runtime executes.
export { compileFlowMap, FlowCompileError, type CompileOptions } from './compiler/compile.js';
export type { CompiledFlow, CompiledState } from './compiler/compiled-flow.js';
// Built-in templates: `builtin:<name>[:<parameter>]` handling methods as flow maps.
export {
  BUILTIN_PREFIX,
  BUILTIN_TEMPLATES,
  builtinTemplate,
  builtinTemplateUsage,
  copyTemplate,
  parseBuiltinMethod,
  type BuiltinMethodParse,
  type BuiltinTemplateInfo,
  type BuiltinTemplateParameter,
} from './templates/index.js';
// Runtime and simulator: run one call through a compiled flow; try a flow against a made-up call.
export {
  ABORT_GRACE_MS,
  DEFAULT_MAX_STEPS,
  FlowRun,
  type ElementLookup,
  type FlowRunOptions,
  type FlowRunOutcome,
  type FlowRunResult,
  type NodeVisit,
  type ResolvedFlow,
} from './runtime/flow-run.js';
export { buildOverrideFlow, overrideFlowId } from './runtime/override-flow.js';
// What a server implements to run flows on real calls (CallControl), and how it says the caller
// has gone.
export type {
  CallControl,
  ChatRequest,
  ChatResult,
  CollectRequest,
  CollectResult,
  DesktopChoice,
  NotifyRequest,
  NotifyResult,
  PlayRequest,
  PlayResult,
  Prompt,
  RecordRequest,
  RecordResult,
  RingRequest,
  RingResult,
  RingTarget,
} from './runtime/call-control.js';
export type { CallFacts } from './runtime/call-facts.js';
export { CallerHungUp, isCallerHungUp } from './runtime/caller-hung-up.js';
export type {
  FlowClock,
  FlowHttpClient,
  FlowServices,
  FlowTimers,
  HttpRequestSpec,
  HttpResponseSpec,
} from './runtime/services.js';
// The Voicemail element's greeting when a flow leaves it as it is.
export { DEFAULT_GREETING_TEXT } from './catalog/elements/voicemail.js';
export type { OverrideDecision } from './runtime/override.js';
export type { StepKind, StepLogEntry } from './runtime/step-log.js';
export {
  simulate,
  ScenarioError,
  type SimulateOptions,
  type SimulationResult,
} from './simulator/simulate.js';
export {
  checkScenario,
  OverrideDecisionSchema,
  RingTargetSchema,
  ScenarioSchema,
  scenarioFacts,
  scenarioScript,
  scenarioStart,
  type Scenario,
  type ScenarioInput,
} from './simulator/scenario.js';
export {
  parseScenario,
  SCENARIO_KEYS,
  type ScenarioKey,
  type ScenarioParse,
} from './simulator/parse-scenario.js';
export type { CallAction } from './simulator/scripted-call.js';
