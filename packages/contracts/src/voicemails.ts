import { z } from 'zod';
import { Timestamp } from './common.js';

export const MailStatus = z
  .enum(['pending', 'sent', 'failed', 'disabled'])
  .describe(
    'pending: being mailed (retrying while the mail server is unreachable); sent; failed (see ' +
      'mailError); disabled: not mailed (no mail server configured, no address, or the flow said not to)',
  );
export type MailStatus = z.infer<typeof MailStatus>;

export const VoicemailDto = z.object({
  id: z.string(),
  callId: z.string().nullable(),
  callerNumber: z.string().nullable(),
  /** The contact's name, else the network's display name, when the message was left. */
  callerName: z.string().nullable(),
  contactId: z.string().nullable(),
  handlingCode: z.string().nullable(),
  durationMs: z.number().int(),
  heard: z.boolean(),
  heardAt: Timestamp.nullable(),
  mailStatus: MailStatus,
  /** Why mailing failed (with `failed`, and while `pending` after a failed attempt). */
  mailError: z.string().nullable(),
  createdAt: Timestamp,
  /** The recording (audio/wav, HTTP range requests supported). */
  audioUrl: z.string(),
});
export type VoicemailDto = z.infer<typeof VoicemailDto>;

/** The mailbox's message-waiting summary. */
export const VoicemailCountsDto = z.object({
  new: z.number().int(),
  heard: z.number().int(),
});
export type VoicemailCountsDto = z.infer<typeof VoicemailCountsDto>;

export const VoicemailList = z.object({
  items: z.array(VoicemailDto),
  counts: VoicemailCountsDto,
});
export type VoicemailList = z.infer<typeof VoicemailList>;

export const VoicemailListQuery = z.object({
  status: z.enum(['new', 'heard']).optional().describe('Only new (unheard) or only heard messages'),
  caller: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .optional()
    .describe(
      'Messages from this number (any common format, read in the user’s country), or `anonymous`',
    ),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.iso.datetime({ offset: true }).optional().describe('Messages left before this time'),
});
export type VoicemailListQuery = z.infer<typeof VoicemailListQuery>;

export const UpdateVoicemailRequest = z.object({ heard: z.boolean() });
export type UpdateVoicemailRequest = z.infer<typeof UpdateVoicemailRequest>;

export const VoicemailAudioQuery = z.object({
  download: z
    .enum(['0', '1', 'true', 'false'])
    .optional()
    .describe('1: Content-Disposition attachment (save the file) instead of inline (play it)'),
});
export type VoicemailAudioQuery = z.infer<typeof VoicemailAudioQuery>;

// --- greetings -----------------------------------------------------------------------------------

export const GreetingSlot = z
  .enum(['default', 'busy', 'unavailable', 'code', 'contact'])
  .describe(
    'default; busy / unavailable (callers sent to voicemail for that reason); code (callers whose ' +
      'contact has the handling code); contact (one contact)',
  );
export type GreetingSlot = z.infer<typeof GreetingSlot>;

export const GreetingDto = z.object({
  slot: GreetingSlot,
  /** The handling code (`code`) or contact id (`contact`); null for the user-wide slots. */
  ref: z.string().nullable(),
  kind: z.enum(['audio', 'tts']),
  /** `tts`: the text spoken. */
  text: z.string().nullable(),
  voice: z.string().nullable(),
  /** `audio`: its length. */
  durationMs: z.number().int().nullable(),
  /** `audio`: the recording (audio/wav); null for `tts`. */
  audioUrl: z.string().nullable(),
  updatedAt: Timestamp,
});
export type GreetingDto = z.infer<typeof GreetingDto>;

export const GreetingList = z.object({ items: z.array(GreetingDto) });
export type GreetingList = z.infer<typeof GreetingList>;

/** A text greeting, spoken by the server's speech engine when played. */
export const SetGreetingTextRequest = z.object({
  text: z.string().trim().min(1).max(1000),
  voice: z
    .string()
    .regex(/^[A-Za-z0-9_+-]{1,40}$/, 'expected a speech voice name such as en-us')
    .optional(),
});
export type SetGreetingTextRequest = z.infer<typeof SetGreetingTextRequest>;

// --- live events -------------------------------------------------------------------------------

/** A message arrived (stored; its e-mail may still be pending). */
export const VoicemailNewEvent = z.object({
  type: z.literal('voicemail.new'),
  userId: z.string(),
  voicemail: VoicemailDto,
  counts: VoicemailCountsDto,
  at: Timestamp,
});
export type VoicemailNewEvent = z.infer<typeof VoicemailNewEvent>;

/** A message changed: heard or new again, or its e-mail was sent or failed. */
export const VoicemailUpdatedEvent = z.object({
  type: z.literal('voicemail.updated'),
  userId: z.string(),
  voicemail: VoicemailDto,
  counts: VoicemailCountsDto,
  at: Timestamp,
});
export type VoicemailUpdatedEvent = z.infer<typeof VoicemailUpdatedEvent>;

/** A message was deleted (by the user or by the retention setting). */
export const VoicemailDeletedEvent = z.object({
  type: z.literal('voicemail.deleted'),
  userId: z.string(),
  voicemailId: z.string(),
  counts: VoicemailCountsDto,
  at: Timestamp,
});
export type VoicemailDeletedEvent = z.infer<typeof VoicemailDeletedEvent>;
