import { z } from 'zod';
import { HandlingMethod, Timestamp } from './common.js';
import {
  isCountryCode,
  isTimeZone,
  RESERVED_USER_IDS,
  USER_ID_PATTERN,
  USER_ID_RULE,
} from './identifiers.js';

export const Role = z.enum(['admin', 'user']);
export type Role = z.infer<typeof Role>;

/** An IANA time zone such as `Europe/Paris`, checked against the runtime's zone database. */
export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(isTimeZone, { message: 'not a known IANA time zone (e.g. Europe/Paris)' });

/** ISO 3166-1 alpha-2 country, used to read phone numbers written without `+`. */
export const Country = z.string().trim().toUpperCase().refine(isCountryCode, {
  message: 'use a two-letter ISO 3166 country code such as US or GB',
});

/** User ids: the CLI's pattern (`alice`, `front-desk`); the API makes a UUID when none is given. */
export const UserId = z
  .string()
  .regex(USER_ID_PATTERN, USER_ID_RULE)
  .refine((id) => !RESERVED_USER_IDS.includes(id), { message: 'this id is reserved' });

export const Email = z.email().max(254).toLowerCase();
export const Password = z.string().min(8, 'use at least 8 characters').max(256);

/** A user as the API shows it; the password hash never leaves the server. */
export const UserDto = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  timezone: z.string(),
  country: z.string(),
  role: Role,
  attendantId: z.string().nullable(),
  defaultHandling: z.string(),
  unknownHandling: z.string(),
  /** For callers who withhold their number; null: they get `unknownHandling`. */
  anonymousHandling: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type UserDto = z.infer<typeof UserDto>;

export const UserList = z.object({ items: z.array(UserDto) });
export type UserList = z.infer<typeof UserList>;

export const CreateUserRequest = z.object({
  id: UserId.optional().describe('Chosen id; a UUID is made when omitted'),
  name: z.string().trim().min(1).max(200),
  email: Email,
  password: Password,
  role: Role.default('user'),
  timezone: TimeZone.optional().describe('Defaults to the creating admin’s time zone'),
  country: Country.optional().describe('Defaults to the creating admin’s country'),
  attendantId: z.string().nullable().optional(),
  defaultHandling: HandlingMethod.optional(),
  unknownHandling: HandlingMethod.optional(),
  anonymousHandling: HandlingMethod.optional(),
});
export type CreateUserRequest = z.input<typeof CreateUserRequest>;

/**
 * Changes to a user. A user may change their own name, password, time zone, country and
 * handling defaults (callers without a code, unknown callers, anonymous callers); email, role and attendant are for admins. Changing one's own password needs
 * `currentPassword`.
 */
export const UpdateUserRequest = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  email: Email.optional(),
  password: Password.optional(),
  currentPassword: z.string().max(256).optional(),
  role: Role.optional(),
  timezone: TimeZone.optional(),
  country: Country.optional(),
  attendantId: z.string().nullable().optional(),
  defaultHandling: HandlingMethod.optional(),
  unknownHandling: HandlingMethod.optional(),
  anonymousHandling: HandlingMethod.nullable()
    .optional()
    .describe('For callers who withhold their number; null: the same as unknownHandling'),
});
export type UpdateUserRequest = z.input<typeof UpdateUserRequest>;
