import { z } from 'zod';
import { ELEMENTS } from './catalog/catalog.js';
import { configJsonSchema } from './catalog/describe-catalog.js';
import { FlowMapSchema } from './flow-map.js';
import type { ElementCatalog } from './validation/element-catalog.js';

type JsonObject = Record<string, unknown>;

/**
 * The JSON Schema (draft 2020-12) of a flow map document as people and editors write it (keys
 * with defaults are optional). Published as docs/flow-map.schema.json. Beyond the document's
 * shape it carries the element catalog: the element types a node may have and, per type, the
 * schema of its config, so an editor of YAML or JSON can complete and check configs. The checks
 * that a schema cannot express (ids, edges, pins, reachability, loops) are validateFlowMap's.
 */
export function flowMapJsonSchema(catalog: ElementCatalog = ELEMENTS): JsonObject {
  const { $schema, ...rest } = z.toJSONSchema(FlowMapSchema, {
    io: 'input',
    target: 'draft-2020-12',
  });
  const node = objectAt(rest, 'properties', 'nodes', 'items');
  const type = objectAt(node, 'properties', 'type');
  type.enum = catalog.map((element) => element.type);
  // One conditional per element type: `if type is X then config follows X's schema`.
  node.allOf = catalog.map((element) => ({
    if: { properties: { type: { const: element.type } }, required: ['type'] },
    then: { properties: { config: configJsonSchema(element) } },
  }));
  return { $schema, title: 'Switchboard flow map', ...rest };
}

/** The object at `path` inside a generated schema; the path is ours, so a miss is a bug. */
function objectAt(root: JsonObject, ...path: string[]): JsonObject {
  let current: unknown = root;
  for (const key of path) {
    current = (current as JsonObject | undefined)?.[key];
    if (current === null || typeof current !== 'object') {
      throw new Error(`flow map JSON Schema has no object at ${path.join('.')}`);
    }
  }
  return current as JsonObject;
}
