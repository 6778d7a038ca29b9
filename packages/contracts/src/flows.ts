import { z } from 'zod';
import { Timestamp } from './common.js';

export const FlowSummaryDto = z.object({
  id: z.string(),
  name: z.string(),
  currentVersion: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type FlowSummaryDto = z.infer<typeof FlowSummaryDto>;

export const FlowList = z.object({ items: z.array(FlowSummaryDto) });
export type FlowList = z.infer<typeof FlowList>;

/** A flow map document; its structure is checked by `@switchboard/flow`. */
export const FlowDocument = z.record(z.string(), z.unknown());

/** A flow with the document of one version (the current one unless a version was asked for). */
export const FlowDto = FlowSummaryDto.extend({
  version: z.number().int(),
  document: FlowDocument,
});
export type FlowDto = z.infer<typeof FlowDto>;

export const SaveFlowRequest = z.object({
  name: z.string().trim().min(1).max(200),
  document: FlowDocument,
});
export type SaveFlowRequest = z.infer<typeof SaveFlowRequest>;

export const FlowVersionDto = z.object({ version: z.number().int(), createdAt: Timestamp });
export type FlowVersionDto = z.infer<typeof FlowVersionDto>;

export const FlowVersionList = z.object({ items: z.array(FlowVersionDto) });
export type FlowVersionList = z.infer<typeof FlowVersionList>;
