import type { Role, User } from '../model/user.js';
import type { Repositories } from '../ports/store.js';
import { hashPassword } from './passwords.js';

/** A user-facing validation failure naming the field. */
export class UserInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'UserInputError';
  }
}

export interface NewUser {
  id: string;
  name: string;
  email: string;
  password: string;
  timezone?: string | undefined;
  country?: string | undefined;
  role?: Role | undefined;
}

export const USER_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const DEFAULT_HANDLING = 'builtin:ring-then-voicemail';
export const DEFAULT_UNKNOWN_HANDLING = 'builtin:ring-then-voicemail';

/** True when `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** True when `country` is an ISO 3166-1 alpha-2 region code. */
export function isCountryCode(country: string): boolean {
  if (!/^[A-Z]{2}$/.test(country)) return false;
  try {
    return (
      new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' }).of(country) !== undefined
    );
  } catch {
    return false;
  }
}

/** Checks and creates a user; refuses ids and e-mail addresses already in use. */
export async function addUser(repos: Repositories, input: NewUser): Promise<User> {
  const id = input.id.trim();
  if (!USER_ID_PATTERN.test(id)) {
    throw new UserInputError(
      'id',
      'use 1-63 lower-case letters, digits, dot, dash or underscore, starting with a letter or digit',
    );
  }
  const email = input.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(email))
    throw new UserInputError('email', `"${input.email}" is not an e-mail address`);
  if (input.name.trim() === '') throw new UserInputError('name', 'required');
  if (input.password.length < 8) throw new UserInputError('password', 'use at least 8 characters');
  const timezone = input.timezone ?? 'UTC';
  if (!isTimeZone(timezone))
    throw new UserInputError(
      'timezone',
      `"${timezone}" is not an IANA time zone such as Europe/Paris`,
    );
  const country = (input.country ?? 'US').toUpperCase();
  if (!isCountryCode(country))
    throw new UserInputError(
      'country',
      `"${country}" is not a two-letter country code such as US or FR`,
    );
  if (await repos.users.get(id)) throw new UserInputError('id', `a user "${id}" already exists`);
  if (await repos.users.findByEmail(email))
    throw new UserInputError('email', `${email} is already used by another user`);
  return repos.users.put({
    id,
    name: input.name.trim(),
    email,
    passwordHash: await hashPassword(input.password),
    timezone,
    country,
    role: input.role ?? 'user',
    attendantId: null,
    defaultHandling: DEFAULT_HANDLING,
    unknownHandling: DEFAULT_UNKNOWN_HANDLING,
  });
}
