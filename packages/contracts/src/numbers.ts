import { z } from 'zod';
import { Timestamp } from './common.js';

export const PhoneNumberDto = z.object({
  /** E.164 with the leading `+`. */
  number: z.string(),
  userId: z.string(),
  createdAt: Timestamp,
});
export type PhoneNumberDto = z.infer<typeof PhoneNumberDto>;

export const PhoneNumberList = z.object({ items: z.array(PhoneNumberDto) });
export type PhoneNumberList = z.infer<typeof PhoneNumberList>;

export const AddNumberRequest = z.object({
  number: z.string().min(1).max(40).describe('In any common format; read in the user’s country'),
});
export type AddNumberRequest = z.infer<typeof AddNumberRequest>;
