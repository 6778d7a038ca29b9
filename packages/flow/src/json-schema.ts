import { z } from 'zod';
import { FlowMapSchema } from './flow-map.js';

/**
 * The JSON Schema (draft 2020-12) of a flow map document as people and editors write it (keys
 * with defaults are optional). Published as docs/flow-map.schema.json; the checks that a schema
 * cannot express (ids, edges, reachability) are validateFlowMap's.
 */
export function flowMapJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(FlowMapSchema, {
    io: 'input',
    target: 'draft-2020-12',
  });
  return { $schema, title: 'Switchboard flow map', ...rest };
}
