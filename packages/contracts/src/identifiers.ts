import { isSupportedCountry } from 'libphonenumber-js/min';

/**
 * The rules for values people type that several layers check: the API schemas here, the CLI and
 * provisioning through the server's domain. One definition, so a value one accepts the others
 * accept too.
 */

/** `alice`, `front-desk`: lower-case, URL-safe, short. */
export const USER_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const USER_ID_RULE =
  'use 1-63 lower-case letters, digits, dot, dash or underscore, starting with a letter or digit';
/** Ids the API gives a meaning of its own (`/api/users/me/...`). */
export const RESERVED_USER_IDS: readonly string[] = ['me'];

export function isUserId(id: string): boolean {
  return USER_ID_PATTERN.test(id) && !RESERVED_USER_IDS.includes(id);
}

/** True when `zone` is an IANA time zone the runtime's zone database knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * True for an upper-case ISO 3166-1 alpha-2 code that phone numbers can be read in. The list is
 * libphonenumber's, the same library that reads the numbers, so a country accepted here can
 * always be used to normalise a local number.
 */
export function isCountryCode(country: string): boolean {
  return /^[A-Z]{2}$/.test(country) && isSupportedCountry(country);
}
