import { z } from 'zod';
import { HandlingCodeName, Timestamp } from './common.js';

export const ContactSource = z.enum(['provision', 'import', 'api', 'carddav']);

export const ContactPhoneDto = z.object({
  /** E.164, the key for caller lookup. */
  e164: z.string(),
  /** As written. */
  raw: z.string(),
  type: z.string().nullable(),
});
export type ContactPhoneDto = z.infer<typeof ContactPhoneDto>;

export const ContactDto = z.object({
  id: z.string(),
  source: ContactSource,
  externalId: z.string().nullable(),
  name: z.string(),
  organization: z.string().nullable(),
  emails: z.array(z.string()),
  phones: z.array(ContactPhoneDto),
  handlingCode: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ContactDto = z.infer<typeof ContactDto>;

export const ContactPage = z.object({
  items: z.array(ContactDto),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});
export type ContactPage = z.infer<typeof ContactPage>;

export const ContactListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** A phone as people write it: `"(202) 555-0142"` or `{ "number": "...", "type": "cell" }`. */
export const ContactPhoneInput = z.union([
  z.string().max(40),
  z.object({
    number: z.string().max(40),
    type: z.string().trim().toLowerCase().max(20).nullable().optional(),
  }),
]);

/** Sizes every way into the contacts (API, vCard import, provisioning) keeps to. */
export const CONTACT_LIMITS = {
  name: 200,
  organization: 200,
  emails: 20,
  email: 254,
  phones: 20,
  phone: 40,
} as const;

/** A contact to create or replace. Phones are read in the owner's country. */
export const ContactInputDto = z.object({
  name: z.string().trim().min(1).max(CONTACT_LIMITS.name),
  organization: z.string().trim().max(CONTACT_LIMITS.organization).nullable().default(null),
  emails: z
    .array(z.email().max(CONTACT_LIMITS.email).toLowerCase())
    .max(CONTACT_LIMITS.emails)
    .default([]),
  phones: z.array(ContactPhoneInput).max(CONTACT_LIMITS.phones).default([]),
  handlingCode: HandlingCodeName.nullable().default(null),
});
export type ContactInputDto = z.input<typeof ContactInputDto>;

/** A handling-code prefix for vCard import: `hc:` reads `hc:VIP` categories and `[hc:VIP]` notes. */
export const CodePrefix = z
  .string()
  .min(1)
  .max(16)
  .regex(/^[^\s[\]]+$/, 'use 1-16 characters without spaces or brackets, e.g. hc:');

export const ContactImportQuery = z.object({
  codePrefix: CodePrefix.optional().describe(
    'Prefix of handling codes in CATEGORIES (`hc:VIP`) and NOTE (`[hc:VIP]`); the server’s setting when omitted',
  ),
});

/** What a vCard import did: counts, and each card skipped or imported with a remark. */
export const ContactImportResultDto = z.object({
  cards: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  skipped: z.array(
    z.object({ index: z.number().int(), name: z.string().optional(), reason: z.string() }),
  ),
  warnings: z.array(z.object({ index: z.number().int(), name: z.string(), message: z.string() })),
});
export type ContactImportResultDto = z.infer<typeof ContactImportResultDto>;
