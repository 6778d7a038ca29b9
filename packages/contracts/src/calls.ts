import { z } from 'zod';
import { Timestamp } from './common.js';

export const CallOutcome = z.enum([
  'in-progress',
  'answered',
  'voicemail',
  'forwarded',
  'rejected',
  'missed',
  'abandoned',
  'failed',
]);

export const CallDto = z.object({
  id: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  callerNumber: z.string().nullable(),
  callerName: z.string().nullable(),
  calledNumber: z.string(),
  contactId: z.string().nullable(),
  handlingCode: z.string().nullable(),
  flowId: z.string().nullable(),
  flowVersion: z.number().int().nullable(),
  outcome: CallOutcome,
  startedAt: Timestamp,
  answeredAt: Timestamp.nullable(),
  endedAt: Timestamp.nullable(),
});
export type CallDto = z.infer<typeof CallDto>;

export const CallStepDto = z.object({
  seq: z.number().int(),
  at: Timestamp,
  kind: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type CallStepDto = z.infer<typeof CallStepDto>;

export const CallDetailDto = CallDto.extend({ steps: z.array(CallStepDto) });
export type CallDetailDto = z.infer<typeof CallDetailDto>;

export const CallList = z.object({ items: z.array(CallDto) });
export type CallList = z.infer<typeof CallList>;

export const CallListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.iso.datetime({ offset: true }).optional().describe('Calls started before this time'),
});
