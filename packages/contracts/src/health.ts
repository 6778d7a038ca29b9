import { z } from 'zod';

export const HealthDto = z.object({
  status: z.enum(['ok', 'error']),
  version: z.string(),
  store: z.enum(['sqlite', 'postgres']),
  uptimeSeconds: z.number(),
  /** Why the status is `error`. */
  message: z.string().optional(),
});
export type HealthDto = z.infer<typeof HealthDto>;
