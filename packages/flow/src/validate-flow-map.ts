import { FlowMapSchema, type FlowMap } from './flow-map.js';
import { formatIssuePath, parseWithIssues, type FlowIssue } from './issues.js';
import { KNOWN_ELEMENT_TYPES, START_ELEMENT_TYPE, isKnownElementType } from './known-elements.js';

export type FlowMapValidation =
  | { readonly ok: true; readonly map: FlowMap }
  | { readonly ok: false; readonly errors: FlowIssue[] };

/**
 * Checks a flow map document: its shape (FlowMapSchema), then what a schema cannot say: node ids
 * are unique, edges join existing nodes, there is exactly one `incoming-call` start node, every
 * output pin leads to at most one place, every node can be reached from the start, and every
 * element type is known. Every problem is reported, not just the first.
 */
export function validateFlowMap(input: unknown): FlowMapValidation {
  const parsed = parseWithIssues(FlowMapSchema, input);
  if (!parsed.ok) return { ok: false, errors: parsed.issues };
  const map = parsed.value;
  const errors: FlowIssue[] = [];
  const at = (...path: PropertyKey[]) => formatIssuePath(path);

  const nodeIndex = new Map<string, number>();
  map.nodes.forEach((node, i) => {
    const first = nodeIndex.get(node.id);
    if (first !== undefined) {
      errors.push({
        path: at('nodes', i, 'id'),
        message: `duplicate node id "${node.id}" (also nodes[${first}])`,
      });
    } else nodeIndex.set(node.id, i);
    if (!isKnownElementType(node.type)) {
      errors.push({
        path: at('nodes', i, 'type'),
        message: `unknown element type "${node.type}"; known types: ${KNOWN_ELEMENT_TYPES.join(', ')}`,
      });
    }
  });

  const starts = map.nodes.flatMap((node, i) => (node.type === START_ELEMENT_TYPE ? [i] : []));
  if (starts.length === 0) {
    errors.push({
      path: 'nodes',
      message: `a flow needs one start node of type "${START_ELEMENT_TYPE}"`,
    });
  }
  for (const extra of starts.slice(1)) {
    errors.push({
      path: at('nodes', extra, 'type'),
      message: `a flow has exactly one "${START_ELEMENT_TYPE}" node (the first is nodes[${String(starts[0])}])`,
    });
  }

  const edgeIds = new Map<string, number>();
  const pinUsers = new Map<string, number>();
  const next = new Map<string, string[]>();
  map.edges.forEach((edge, i) => {
    if (edge.id !== undefined) {
      const first = edgeIds.get(edge.id);
      if (first !== undefined) {
        errors.push({
          path: at('edges', i, 'id'),
          message: `duplicate edge id "${edge.id}" (also edges[${first}])`,
        });
      } else edgeIds.set(edge.id, i);
    }
    const fromKnown = nodeIndex.has(edge.from.node);
    const toKnown = nodeIndex.has(edge.to.node);
    if (!fromKnown)
      errors.push({
        path: at('edges', i, 'from', 'node'),
        message: `no node with id "${edge.from.node}"`,
      });
    if (!toKnown)
      errors.push({
        path: at('edges', i, 'to', 'node'),
        message: `no node with id "${edge.to.node}"`,
      });
    // A pin is one decision ("no answer", "busy"...): two edges from it would leave the runtime
    // to guess which one the author meant.
    const pinKey = JSON.stringify([edge.from.node, edge.from.pin]);
    const firstUse = pinUsers.get(pinKey);
    if (firstUse !== undefined) {
      errors.push({
        path: at('edges', i, 'from', 'pin'),
        message: `pin "${edge.from.pin}" of node "${edge.from.node}" already has an edge (edges[${firstUse}])`,
      });
    } else pinUsers.set(pinKey, i);
    if (fromKnown && toKnown) {
      const list = next.get(edge.from.node) ?? [];
      list.push(edge.to.node);
      next.set(edge.from.node, list);
    }
  });

  const startIndex = starts[0];
  if (startIndex !== undefined) {
    const start = map.nodes[startIndex];
    const reached = new Set<string>();
    const queue = start ? [start.id] : [];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      if (reached.has(id)) continue;
      reached.add(id);
      queue.push(...(next.get(id) ?? []));
    }
    map.nodes.forEach((node, i) => {
      // Duplicates are already reported; an unreachable copy would only repeat that.
      if (!reached.has(node.id) && nodeIndex.get(node.id) === i) {
        errors.push({
          path: at('nodes', i),
          message: `node "${node.id}" cannot be reached from the "${START_ELEMENT_TYPE}" node`,
        });
      }
    });
  }

  return errors.length > 0 ? { ok: false, errors } : { ok: true, map };
}
