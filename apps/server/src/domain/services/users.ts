import {
  isCountryCode,
  isTimeZone,
  isUserId,
  RESERVED_USER_IDS,
  USER_ID_RULE,
} from '@switchboard/contracts';
import { toUserInput, type Role, type User } from '../model/user.js';
import type { Repositories } from '../ports/store.js';
import { builtinDevice, builtinMethodList, parseBuiltinMethod } from './builtin-methods.js';
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
  /** Another, existing user who answers for this one; none by default. */
  attendantId?: string | null | undefined;
  /** `builtin:<template>` (a new user has no flows yet); DEFAULT_HANDLING by default. */
  defaultHandling?: string | undefined;
  /** `builtin:<template>`; DEFAULT_UNKNOWN_HANDLING by default. */
  unknownHandling?: string | undefined;
  /** `builtin:<template>` for anonymous callers; none (they get unknownHandling) by default. */
  anonymousHandling?: string | undefined;
}

export const DEFAULT_HANDLING = 'builtin:ring-then-voicemail';
export const DEFAULT_UNKNOWN_HANDLING = 'builtin:ring-then-voicemail';

/** Checks and creates a user; refuses ids and e-mail addresses already in use. */
export async function addUser(repos: Repositories, input: NewUser): Promise<User> {
  const id = input.id.trim();
  if (!isUserId(id)) {
    throw new UserInputError(
      'id',
      RESERVED_USER_IDS.includes(id) ? `"${id}" is reserved` : USER_ID_RULE,
    );
  }
  const email = input.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(email))
    throw new UserInputError('email', `"${input.email}" is not an e-mail address`);
  if (input.name.trim() === '') throw new UserInputError('name', 'required');
  checkPassword(input.password);
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
  // A new user has no flows yet, so only built-in templates can be named.
  const handling = (field: string, method: string | undefined, fallback: string): string => {
    if (method === undefined) return fallback;
    const builtin = parseBuiltinMethod(method);
    // A new user has no devices yet either, so no builtin can name one.
    if (builtin !== undefined && builtinDevice(builtin) === undefined) return method;
    throw new UserInputError(
      field,
      builtin === undefined
        ? `"${method}" is not a built-in method (a new user has no flows yet); use one of ${builtinMethodList()}`
        : `"${method}" names a device, and a new user has none yet; add the device, then set it`,
    );
  };
  const defaultHandling = handling('defaultHandling', input.defaultHandling, DEFAULT_HANDLING);
  const unknownHandling = handling(
    'unknownHandling',
    input.unknownHandling,
    DEFAULT_UNKNOWN_HANDLING,
  );
  const anonymousHandling =
    input.anonymousHandling === undefined
      ? undefined
      : handling('anonymousHandling', input.anonymousHandling, DEFAULT_UNKNOWN_HANDLING);
  if (await repos.users.get(id)) throw new UserInputError('id', `a user "${id}" already exists`);
  if (await repos.users.findByEmail(email))
    throw new UserInputError('email', `${email} is already used by another user`);
  const attendantId = input.attendantId ?? null;
  if (attendantId === id)
    throw new UserInputError('attendantId', 'a user cannot attend themselves');
  if (attendantId !== null && !(await repos.users.get(attendantId)))
    throw new UserInputError('attendantId', `there is no user "${attendantId}"`);
  return repos.users.put({
    id,
    name: input.name.trim(),
    email,
    passwordHash: await hashPassword(input.password),
    timezone,
    country,
    role: input.role ?? 'user',
    attendantId,
    defaultHandling,
    unknownHandling,
    ...(anonymousHandling === undefined ? {} : { anonymousHandling }),
  });
}

export const MIN_PASSWORD_LENGTH = 8;

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new UserInputError('password', `use at least ${String(MIN_PASSWORD_LENGTH)} characters`);
  }
}

/**
 * Gives a user a new sign-in password (an operator's reset) and ends every session they had, so
 * whoever knew the old one is signed out. API tokens are separate credentials and stay.
 */
export async function resetPassword(
  repos: Repositories,
  userId: string,
  password: string,
): Promise<User> {
  checkPassword(password);
  const user = await repos.users.get(userId);
  if (!user) throw new UserInputError('id', `there is no user "${userId}"`);
  const updated = await repos.users.put({
    ...toUserInput(user),
    passwordHash: await hashPassword(password),
  });
  await repos.auth.deleteSessionsOfUser(userId);
  return updated;
}
