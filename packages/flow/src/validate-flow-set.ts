import { ELEMENTS } from './catalog/catalog.js';
import type { FlowMap } from './flow-map.js';
import { formatIssuePath, type FlowIssue } from './issues.js';
import { BUILTIN_PREFIX, parseBuiltinMethod } from './templates/builtin-templates.js';
import { catalogIndex, type ElementCatalog } from './validation/element-catalog.js';
import { cyclicComponents } from './validation/graph.js';

/** The element that hands a call to another flow, and the config key naming that flow. */
const GOTO_TYPE = 'goto-flow';
const GOTO_TARGET_KEY = 'flow';

/** A problem in one flow of a set: the issue as in validateFlowMap, and which flow it is in. */
export interface FlowSetIssue extends FlowIssue {
  readonly flow: string;
}

export type FlowSetValidation =
  { readonly ok: true } | { readonly ok: false; readonly errors: FlowSetIssue[] };

export interface ValidateFlowSetOptions {
  readonly catalog?: ElementCatalog;
}

interface Goto {
  readonly flow: string;
  readonly node: string;
  readonly path: string;
  readonly target: string;
}

/**
 * The checks that span a user's flows (each map's own problems are validateFlowMap's): every
 * Go to flow names one of the flows in the set or a built-in template, and no flows go to each
 * other in a cycle (A -> B -> A would pass the call around without end, and the runtime's step
 * limit would cut it off mid-air). Built-in templates never go anywhere, so they close no cycle.
 */
export function validateFlowSet(
  maps: Readonly<Record<string, FlowMap>>,
  options: ValidateFlowSetOptions = {},
): FlowSetValidation {
  const goto = catalogIndex(options.catalog ?? ELEMENTS).get(GOTO_TYPE);
  const flowIds = Object.keys(maps);
  const gotos: Goto[] = [];
  const errors: FlowSetIssue[] = [];

  for (const flow of flowIds) {
    maps[flow]?.nodes.forEach((node, i) => {
      if (node.type !== GOTO_TYPE || goto === undefined) return;
      const parsed = goto.config.safeParse(node.config);
      // A broken config is the map's own problem, reported by validateFlowMap.
      const target = parsed.success ? targetOf(parsed.data) : undefined;
      if (target === undefined) return;
      const path = formatIssuePath(['nodes', i, 'config', GOTO_TARGET_KEY]);
      if (target.startsWith(BUILTIN_PREFIX)) {
        const builtin = parseBuiltinMethod(target);
        if (!builtin.ok) errors.push({ flow, node: node.id, path, message: builtin.message });
        return;
      }
      if (!Object.hasOwn(maps, target)) {
        errors.push({
          flow,
          node: node.id,
          path,
          message: `goes to flow "${target}", which is not one of the user's flows (${flowIds.join(', ')})`,
        });
        return;
      }
      gotos.push({ flow, node: node.id, path, target });
    });
  }

  const targets = (flow: string) => [
    ...new Set(gotos.filter((g) => g.flow === flow).map((g) => g.target)),
  ];
  const componentOf = new Map<string, number>();
  cyclicComponents(flowIds, targets).forEach((cycle, i) => {
    for (const flow of cycle) componentOf.set(flow, i);
  });
  for (const g of gotos) {
    const component = componentOf.get(g.flow);
    if (component === undefined || componentOf.get(g.target) !== component) continue;
    const inCycle = (f: string) => targets(f).filter((t) => componentOf.get(t) === component);
    const back = pathBetween(g.target, g.flow, inCycle);
    errors.push({
      flow: g.flow,
      node: g.node,
      path: g.path,
      message: `goes to flow "${g.target}", which comes back here (${[g.flow, ...back].join(' -> ')}); flows must not go to each other in a cycle`,
    });
  }

  return errors.length > 0 ? { ok: false, errors } : { ok: true };
}

function targetOf(config: unknown): string | undefined {
  const target = (config as Record<string, unknown> | null)?.[GOTO_TARGET_KEY];
  return typeof target === 'string' ? target : undefined;
}

/** The shortest path `from` ... `to` (both included) following `next`; [from, to] if none. */
function pathBetween(from: string, to: string, next: (v: string) => readonly string[]): string[] {
  const previous = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let v = queue.shift(); v !== undefined; v = queue.shift()) {
    if (v === to) break;
    for (const w of next(v)) {
      if (previous.has(w)) continue;
      previous.set(w, v);
      queue.push(w);
    }
  }
  if (!previous.has(to)) return [from, to];
  const path: string[] = [];
  for (let v: string | null | undefined = to; v != null; v = previous.get(v)) path.unshift(v);
  return path;
}
