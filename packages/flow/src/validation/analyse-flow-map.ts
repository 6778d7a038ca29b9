import type { AnyElementDefinition, PinEnvironment, PinSpec } from '../catalog/element.js';
import type { FlowMap, FlowNode } from '../flow-map.js';
import { formatIssuePath, parseWithIssues, type FlowIssue } from '../issues.js';
import { START_ELEMENT_TYPE } from '../start-element.js';
import { catalogIndex, type ElementCatalog } from './element-catalog.js';
import { cyclicComponents, reachableFrom } from './graph.js';

/** What the validator learnt about one node; the compiler builds its state from it. */
export interface AnalysedNode {
  /** Position in `map.nodes`. */
  readonly index: number;
  readonly node: FlowNode;
  /** Undefined for an unknown element type. */
  readonly element: AnyElementDefinition | undefined;
  /** The config parsed by the element's schema (defaults filled in), when it is valid. */
  readonly config: { readonly valid: true; readonly value: unknown } | { readonly valid: false };
  /** The node's output pins; undefined when they cannot be known (unknown type, bad config). */
  readonly pins: readonly PinSpec[] | undefined;
}

export interface FlowMapAnalysis {
  /** Every problem found, in document order of the rules below. Empty for a valid map. */
  readonly issues: readonly FlowIssue[];
  /** Nodes by id (the first node when an id is used twice, which is itself an issue). */
  readonly nodes: ReadonlyMap<string, AnalysedNode>;
  /** The id of the (first) start node. */
  readonly start: string | undefined;
}

const at = (...path: PropertyKey[]) => formatIssuePath(path);

/**
 * The checks that need the element catalog and the graph, on a map whose shape is already valid
 * (FlowMapSchema): unique ids, known element types, each config against its element's schema,
 * exactly one start, edges between existing nodes from pins their node has, at most one edge per
 * pin, every required pin connected, every node reachable from the start, and no loop that could
 * run without waiting for anything. Every problem is reported, with the node and pin concerned.
 */
export function analyseFlowMap(
  map: FlowMap,
  catalog: ElementCatalog,
  env: PinEnvironment,
): FlowMapAnalysis {
  const elements = catalogIndex(catalog);
  const issues: FlowIssue[] = [];
  const nodes = new Map<string, AnalysedNode>();

  map.nodes.forEach((node, index) => {
    const first = nodes.get(node.id);
    if (first !== undefined) {
      issues.push({
        path: at('nodes', index, 'id'),
        message: `duplicate node id "${node.id}" (also nodes[${first.index}])`,
        node: node.id,
      });
    }
    const analysed = analyseNode(node, index, elements, env, issues);
    if (first === undefined) nodes.set(node.id, analysed);
  });

  const starts = map.nodes.flatMap((node, i) =>
    node.type === START_ELEMENT_TYPE ? [{ i, id: node.id }] : [],
  );
  if (starts.length === 0) {
    issues.push({
      path: 'nodes',
      message: `a flow needs one start node of type "${START_ELEMENT_TYPE}"`,
    });
  }
  for (const extra of starts.slice(1)) {
    issues.push({
      path: at('nodes', extra.i, 'type'),
      message: `a flow has exactly one "${START_ELEMENT_TYPE}" node (the first is nodes[${String(starts[0]?.i)}])`,
      node: extra.id,
    });
  }

  const successors = checkEdges(map, nodes, issues);
  checkRequiredPins(map, nodes, successors.byPin, issues);

  const start = starts[0]?.id;
  const next = (id: string) => successors.byNode.get(id) ?? [];
  if (start !== undefined) {
    const reached = reachableFrom(start, next);
    map.nodes.forEach((node, i) => {
      // Duplicates are already reported; an unreachable copy would only repeat that.
      if (!reached.has(node.id) && nodes.get(node.id)?.index === i) {
        issues.push({
          path: at('nodes', i),
          message: `node "${node.id}" cannot be reached from the "${START_ELEMENT_TYPE}" node`,
          node: node.id,
        });
      }
    });
  }

  checkLoopsWait(nodes, next, issues);

  return { issues, nodes, start };
}

function analyseNode(
  node: FlowNode,
  index: number,
  elements: ReadonlyMap<string, AnyElementDefinition>,
  env: PinEnvironment,
  issues: FlowIssue[],
): AnalysedNode {
  const element = elements.get(node.type);
  if (element === undefined) {
    issues.push({
      path: at('nodes', index, 'type'),
      message: `unknown element type "${node.type}"; known types: ${[...elements.keys()].join(', ')}`,
      node: node.id,
    });
    return { index, node, element, config: { valid: false }, pins: undefined };
  }
  const parsed = parseWithIssues(element.config, node.config, ['nodes', index, 'config']);
  if (!parsed.ok) {
    for (const issue of parsed.issues) issues.push({ ...issue, node: node.id });
    return { index, node, element, config: { valid: false }, pins: undefined };
  }
  return {
    index,
    node,
    element,
    config: { valid: true, value: parsed.value },
    pins: element.pins(parsed.value, env),
  };
}

interface Successors {
  /** Node id -> ids of the nodes its edges lead to (edges between existing nodes only). */
  readonly byNode: ReadonlyMap<string, readonly string[]>;
  /** `JSON [node, pin]` -> index of the first edge leaving that pin. */
  readonly byPin: ReadonlyMap<string, number>;
}

const pinKey = (node: string, pin: string) => JSON.stringify([node, pin]);

function checkEdges(
  map: FlowMap,
  nodes: ReadonlyMap<string, AnalysedNode>,
  issues: FlowIssue[],
): Successors {
  const edgeIds = new Map<string, number>();
  const byPin = new Map<string, number>();
  const byNode = new Map<string, string[]>();
  map.edges.forEach((edge, i) => {
    const { node: fromId, pin } = edge.from;
    if (edge.id !== undefined) {
      const first = edgeIds.get(edge.id);
      if (first !== undefined) {
        issues.push({
          path: at('edges', i, 'id'),
          message: `duplicate edge id "${edge.id}" (also edges[${first}])`,
        });
      } else edgeIds.set(edge.id, i);
    }
    const from = nodes.get(fromId);
    const toKnown = nodes.has(edge.to.node);
    // Issues about an edge point at its source node and pin, where the editor draws it.
    const concerns = from === undefined ? {} : { node: fromId, pin };
    if (from === undefined) {
      issues.push({ path: at('edges', i, 'from', 'node'), message: `no node with id "${fromId}"` });
    } else if (from.pins !== undefined && !from.pins.some((p) => p.id === pin)) {
      issues.push({
        path: at('edges', i, 'from', 'pin'),
        message: `node "${fromId}" has no pin "${pin}"; ${pinList(from.node.type, from.pins)}`,
        ...concerns,
      });
    }
    if (!toKnown) {
      issues.push({
        path: at('edges', i, 'to', 'node'),
        message: `no node with id "${edge.to.node}"`,
        ...concerns,
      });
    }
    // A pin is one decision ("no answer", "busy"...): two edges from it would leave the runtime
    // to guess which one the author meant.
    const key = pinKey(fromId, pin);
    const firstUse = byPin.get(key);
    if (firstUse !== undefined) {
      issues.push({
        path: at('edges', i, 'from', 'pin'),
        message: `pin "${pin}" of node "${fromId}" already has an edge (edges[${firstUse}])`,
        ...concerns,
      });
    } else byPin.set(key, i);
    if (from !== undefined && toKnown) {
      const list = byNode.get(fromId) ?? [];
      if (!list.includes(edge.to.node)) list.push(edge.to.node);
      byNode.set(fromId, list);
    }
  });
  return { byNode, byPin };
}

function pinList(type: string, pins: readonly PinSpec[]): string {
  if (pins.length === 0) return `a ${type} node has no output pins`;
  return `the pins of a ${type} node here are: ${pins.map((p) => p.id).join(', ')}`;
}

function checkRequiredPins(
  map: FlowMap,
  nodes: ReadonlyMap<string, AnalysedNode>,
  byPin: ReadonlyMap<string, number>,
  issues: FlowIssue[],
): void {
  map.nodes.forEach((node, i) => {
    const analysed = nodes.get(node.id);
    if (analysed?.index !== i || analysed.pins === undefined) return;
    for (const pin of analysed.pins) {
      if (!pin.required || byPin.has(pinKey(node.id, pin.id))) continue;
      issues.push({
        path: at('nodes', i),
        message: `pin "${pin.id}" (${pin.label}) of node "${node.id}" must be connected to the next step`,
        node: node.id,
        pin: pin.id,
      });
    }
  });
}

/**
 * A loop is fine when the call waits somewhere on it (a ring, a prompt, a key press): each round
 * then takes the caller's time and ends when they give up. A loop made only of instant elements
 * (decisions, variables, requests) would spin without end, so it is refused. Looking for cycles
 * among the non-waiting nodes alone finds exactly the loops with no waiting node on them.
 */
function checkLoopsWait(
  nodes: ReadonlyMap<string, AnalysedNode>,
  next: (id: string) => readonly string[],
  issues: FlowIssue[],
): void {
  // Nodes of an unknown type are already reported; whether they wait cannot be known.
  const instant = [...nodes.values()].filter((n) => n.element !== undefined && !n.element.waits);
  const instantIds = new Set(instant.map((n) => n.node.id));
  const loops = cyclicComponents(
    instant.map((n) => n.node.id),
    (id) => next(id).filter((target) => instantIds.has(target)),
  );
  for (const loop of loops) {
    const first = nodes.get(loop[0] ?? '');
    if (first === undefined) continue;
    const names = loop.map((id) => `"${id}"`).join(', ');
    issues.push({
      path: at('nodes', first.index),
      message:
        `${loop.length === 1 ? `node ${names} leads back to itself` : `nodes ${names} form a loop`} ` +
        'with no element that waits (such as ring devices, menu, play or notify desktop): ' +
        'the call would go round it without end',
      node: first.node.id,
    });
  }
}
