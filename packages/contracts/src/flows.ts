import { z } from 'zod';
import { Timestamp } from './common.js';

export const FlowSummaryDto = z.object({
  id: z.string(),
  name: z.string(),
  currentVersion: z.number().int(),
  /** The version calls run; null until the flow is published. */
  publishedVersion: z.number().int().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type FlowSummaryDto = z.infer<typeof FlowSummaryDto>;

export const FlowList = z.object({ items: z.array(FlowSummaryDto) });
export type FlowList = z.infer<typeof FlowList>;

/** A flow map document; its structure is checked by `@switchboard/flow`. */
export const FlowDocument = z.record(z.string(), z.unknown());

/** A flow with the document of one version (the current one unless a version was asked for). */
/** A problem that keeps a flow from being published, located for the editor. */
export const FlowIssueDto = z.object({
  path: z.string(),
  message: z.string(),
  node: z.string().optional(),
  pin: z.string().optional(),
});
export type FlowIssueDto = z.infer<typeof FlowIssueDto>;

export const FlowDto = FlowSummaryDto.extend({
  version: z.number().int(),
  document: FlowDocument,
  /** When this version was published, or null for a draft. */
  publishedAt: Timestamp.nullable(),
  /** What keeps this version from being published (empty when it could be). */
  issues: z.array(FlowIssueDto),
});
export type FlowDto = z.infer<typeof FlowDto>;

export const SaveFlowRequest = z.object({
  name: z.string().trim().min(1).max(200),
  document: FlowDocument,
});
export type SaveFlowRequest = z.infer<typeof SaveFlowRequest>;

export const FlowVersionDto = z.object({
  version: z.number().int(),
  createdAt: Timestamp,
  publishedAt: Timestamp.nullable(),
});
export type FlowVersionDto = z.infer<typeof FlowVersionDto>;

export const FlowVersionList = z.object({ items: z.array(FlowVersionDto) });
export type FlowVersionList = z.infer<typeof FlowVersionList>;

export const PublishFlowRequest = z.object({
  version: z.number().int().min(1).optional().describe('The newest version when omitted'),
});
export type PublishFlowRequest = z.infer<typeof PublishFlowRequest>;

export const CopyTemplateRequest = z.object({
  template: z
    .string()
    .min(1)
    .max(100)
    .describe('A built-in handling method, e.g. `builtin:business-hours-menu`'),
  name: z.string().trim().min(1).max(200),
});
export type CopyTemplateRequest = z.infer<typeof CopyTemplateRequest>;

export const FlowTemplateDto = z.object({
  method: z.string(),
  description: z.string(),
  /** What the template's parameter is (e.g. a device id for `builtin:forward:<deviceId>`). */
  parameter: z.string().nullable(),
});
export const FlowTemplateList = z.object({ items: z.array(FlowTemplateDto) });
export type FlowTemplateList = z.infer<typeof FlowTemplateList>;

export const SimulateFlowRequest = z.object({
  scenario: z
    .string()
    .max(2000)
    .default('')
    .describe(
      'The call as key=value words, e.g. `caller=+12025550142 status=busy presses=2 answer=none`; the user’s devices, codes and contacts fill in the rest',
    ),
  version: z.number().int().min(1).optional().describe('The newest version when omitted'),
});
export type SimulateFlowRequest = z.input<typeof SimulateFlowRequest>;

/** What a simulated call did: the nodes it went through, the step log and the call's actions. */
export const SimulationDto = z.object({
  outcome: z.string(),
  path: z.array(z.string()),
  steps: z.array(z.record(z.string(), z.unknown())),
  actions: z.array(z.record(z.string(), z.unknown())),
  variables: z.record(z.string(), z.string()),
});
export type SimulationDto = z.infer<typeof SimulationDto>;
