import type { FlowEdge, FlowMap, FlowNode } from '../flow-map.js';

/**
 * Building blocks for the built-in templates: nodes placed on a grid that reads left to right
 * (one column per step of the call, one row per branch), so a copied template opens in the editor
 * already tidy.
 */
const COLUMN_WIDTH = 240;
const ROW_HEIGHT = 160;

export function node(
  id: string,
  type: string,
  column: number,
  row: number,
  config: Record<string, unknown> = {},
  label?: string,
): FlowNode {
  return {
    id,
    type,
    position: { x: column * COLUMN_WIDTH, y: row * ROW_HEIGHT },
    config,
    ...(label === undefined ? {} : { label }),
  };
}

/** An edge from `from`'s pin to `to`; its id names the pin, which is unique in a valid map. */
export function edge(from: string, pin: string, to: string): FlowEdge {
  return { id: `${from}.${pin}`, from: { node: from, pin }, to: { node: to } };
}

export function flowMap(
  name: string,
  description: string,
  nodes: FlowNode[],
  edges: FlowEdge[],
): FlowMap {
  return { schemaVersion: 1, name, description, nodes, edges };
}
