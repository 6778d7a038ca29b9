import { z } from 'zod';

/**
 * The flow map document: what the editor saves, provisioning files carry and the compiler reads.
 * Only the shape lives here; which element types and pins exist is the element catalog's business.
 * Objects are strict so a misspelt key is reported instead of silently ignored.
 */
const identifier = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[A-Za-z0-9_.:-]+$/, 'may hold only letters, digits and _ . : -');

export const FlowPositionSchema = z.strictObject({
  x: z.number(),
  y: z.number(),
});

export const FlowNodeSchema = z
  .strictObject({
    id: identifier.describe('Unique inside the map; edges name nodes by it.'),
    type: z.string().min(1, 'must not be empty').describe('Element type, e.g. `ring-devices`.'),
    position: FlowPositionSchema.describe('Where the editor draws the node.'),
    config: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Element settings; their schema comes from the element catalog.'),
    label: z.string().optional().describe('Text shown on the node instead of its type.'),
  })
  .describe('One element of the flow.');

export const FlowEdgeSchema = z
  .strictObject({
    id: z.string().min(1, 'must not be empty').optional(),
    from: z.strictObject({
      node: z.string().min(1, 'must not be empty'),
      pin: z.string().min(1, 'must not be empty').describe('Output pin of the source node.'),
    }),
    to: z.strictObject({ node: z.string().min(1, 'must not be empty') }),
  })
  .describe('Where the call goes when the source node leaves through `from.pin`.');

export const FlowMapSchema = z
  .strictObject({
    schemaVersion: z.literal(1, 'must be 1 (the only version so far)'),
    name: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    description: z.string().optional(),
    nodes: z.array(FlowNodeSchema),
    edges: z.array(FlowEdgeSchema),
  })
  .describe('A Switchboard call flow map.');

export type FlowMap = z.output<typeof FlowMapSchema>;
export type FlowMapInput = z.input<typeof FlowMapSchema>;
export type FlowNode = z.output<typeof FlowNodeSchema>;
export type FlowEdge = z.output<typeof FlowEdgeSchema>;
