import { z } from 'zod';
import { Timestamp } from './common.js';

export const VoicemailDto = z.object({
  id: z.string(),
  callId: z.string().nullable(),
  callerNumber: z.string().nullable(),
  contactId: z.string().nullable(),
  durationMs: z.number().int(),
  heard: z.boolean(),
  mailStatus: z.enum(['pending', 'sent', 'failed', 'disabled']),
  createdAt: Timestamp,
});
export type VoicemailDto = z.infer<typeof VoicemailDto>;

export const VoicemailList = z.object({ items: z.array(VoicemailDto) });
export type VoicemailList = z.infer<typeof VoicemailList>;

export const UpdateVoicemailRequest = z.object({ heard: z.boolean() });
export type UpdateVoicemailRequest = z.infer<typeof UpdateVoicemailRequest>;
