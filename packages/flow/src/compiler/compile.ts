import { ELEMENTS } from '../catalog/catalog.js';
import type { PinEnvironment } from '../catalog/element.js';
import type { FlowIssue } from '../issues.js';
import type { FlowMapAnalysis } from '../validation/analyse-flow-map.js';
import { checkFlowMap } from '../validation/check-flow-map.js';
import { NO_PIN_ENVIRONMENT, type ElementCatalog } from '../validation/element-catalog.js';
import type { FlowMap } from '../flow-map.js';
import type { CompiledFlow, CompiledState } from './compiled-flow.js';
import { frozenJson } from './frozen-json.js';

/** The map given to compileFlowMap is not valid; `issues` says why, as the validator would. */
export class FlowCompileError extends Error {
  readonly issues: readonly FlowIssue[];

  constructor(issues: readonly FlowIssue[]) {
    const first = issues[0];
    const where = first && first.path !== '' ? `${first.path}: ` : '';
    const more = issues.length > 1 ? ` (and ${String(issues.length - 1)} more)` : '';
    super(`the flow map is not valid: ${where}${first?.message ?? 'unknown problem'}${more}`);
    this.name = 'FlowCompileError';
    this.issues = issues;
  }
}

export interface CompileOptions {
  /** The user the flow belongs to (Match caller's pins); no handling codes by default. */
  readonly env?: PinEnvironment;
  /** The element types; the full catalog by default. */
  readonly catalog?: ElementCatalog;
}

/**
 * Turns a flow map into the state table the runtime executes. Only a valid map compiles (it is
 * validated here, so nothing else has to be trusted); otherwise a FlowCompileError carries every
 * issue. Each state holds its config parsed by the element's schema (defaults filled in) and its
 * transitions, pin -> next node, in the element's pin order. The result is plain JSON, deeply
 * frozen, and the same for the same map, so it can be stored with the published version.
 */
export function compileFlowMap(map: unknown, options: CompileOptions = {}): CompiledFlow {
  const checked = checkFlowMap(map, options.catalog ?? ELEMENTS, options.env ?? NO_PIN_ENVIRONMENT);
  if (!checked.ok) throw new FlowCompileError(checked.errors);
  return buildCompiledFlow(checked.map, checked.analysis);
}

function buildCompiledFlow(map: FlowMap, analysis: FlowMapAnalysis): CompiledFlow {
  const targets = new Map<string, string>();
  for (const edge of map.edges)
    targets.set(JSON.stringify([edge.from.node, edge.from.pin]), edge.to.node);

  const states: Record<string, CompiledState> = {};
  for (const { node, config, pins } of analysis.nodes.values()) {
    // A valid map has a valid config and known pins on every node.
    if (!config.valid || pins === undefined) throw new Error(`node "${node.id}" was not checked`);
    const transitions: Record<string, string> = {};
    for (const pin of pins) {
      const target = targets.get(JSON.stringify([node.id, pin.id]));
      if (target !== undefined) transitions[pin.id] = target;
    }
    states[node.id] = Object.freeze({
      id: node.id,
      type: node.type,
      config: frozenJson(config.value, `nodes.${node.id}.config`),
      transitions: Object.freeze(transitions),
    });
  }
  const start = analysis.start;
  if (start === undefined) throw new Error('a valid flow map has a start node');
  return Object.freeze({
    format: 1,
    name: map.name,
    start,
    states: Object.freeze(states),
  });
}
