import type { PinEnvironment } from '../catalog/element.js';
import { FlowMapSchema, type FlowMap } from '../flow-map.js';
import { parseWithIssues, type FlowIssue } from '../issues.js';
import { analyseFlowMap, type FlowMapAnalysis } from './analyse-flow-map.js';
import type { ElementCatalog } from './element-catalog.js';

export type FlowMapValidation =
  | { readonly ok: true; readonly map: FlowMap }
  | { readonly ok: false; readonly errors: FlowIssue[] };

export type FlowMapCheck =
  | { readonly ok: true; readonly map: FlowMap; readonly analysis: FlowMapAnalysis }
  | { readonly ok: false; readonly errors: FlowIssue[] };

/**
 * The document's shape first (FlowMapSchema: nothing else can be checked on a broken shape),
 * then everything analyseFlowMap checks against `catalog`. The map comes back as written
 * (configs are not filled with defaults: the document stays the author's); the analysis holds
 * the parsed configs and pins for the compiler.
 */
export function checkFlowMap(
  input: unknown,
  catalog: ElementCatalog,
  env: PinEnvironment,
): FlowMapCheck {
  const parsed = parseWithIssues(FlowMapSchema, input);
  if (!parsed.ok) return { ok: false, errors: parsed.issues };
  const analysis = analyseFlowMap(parsed.value, catalog, env);
  if (analysis.issues.length > 0) return { ok: false, errors: [...analysis.issues] };
  return { ok: true, map: parsed.value, analysis };
}
