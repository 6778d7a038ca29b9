import { z } from 'zod';
import { HandlingMethod, Timestamp } from './common.js';

export const HandlingCodeDto = z.object({
  code: z.string(),
  method: z.string(),
  description: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type HandlingCodeDto = z.infer<typeof HandlingCodeDto>;

export const HandlingCodeList = z.object({ items: z.array(HandlingCodeDto) });
export type HandlingCodeList = z.infer<typeof HandlingCodeList>;

export const PutHandlingCodeRequest = z.object({
  method: HandlingMethod,
  description: z.string().trim().max(500).nullable().default(null),
});
export type PutHandlingCodeRequest = z.input<typeof PutHandlingCodeRequest>;
