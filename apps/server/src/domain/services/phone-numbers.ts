import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** Why a string could not be read as a phone number, worded for the person who wrote it. */
export class PhoneNumberError extends Error {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`"${input}" is not a phone number: ${reason}`);
    this.name = 'PhoneNumberError';
  }
}

/**
 * Reads a number as people write it (`(202) 555-0142`, `+44 20 7946 0958`, `tel:+1-202-...`,
 * `00 33 1 ...`) and returns E.164 (`+12025550142`), using `country` for numbers without an
 * international prefix; without a country only international numbers (`+...`) can be read.
 * Throws PhoneNumberError when the input cannot be a number.
 *
 * Validity is checked against libphonenumber's metadata only where the number is possible;
 * carriers deliver short codes and new ranges before the metadata knows them, so a possible but
 * unassigned number is still accepted rather than breaking caller lookup.
 */
export function toE164(input: string, country: string | undefined): string {
  const trimmed = input.trim().replace(/^tel:/i, '');
  if (trimmed === '') throw new PhoneNumberError(input, 'it is empty');
  if (!/^[+\d(][\d\s().\-/+]*$/.test(trimmed.replace(/;.*$/, ''))) {
    throw new PhoneNumberError(input, 'it holds characters other than digits, spaces and ()-./+');
  }
  const parsed = parsePhoneNumberFromString(trimmed.replace(/;.*$/, ''), {
    ...(country === undefined ? {} : { defaultCountry: country.toUpperCase() as CountryCode }),
    extract: false,
  });
  if (!parsed) {
    throw new PhoneNumberError(
      input,
      country === undefined
        ? 'it has no country code (+...) and no country is set to read it in'
        : `it cannot be read as a number in ${country}`,
    );
  }
  if (!parsed.isPossible()) {
    throw new PhoneNumberError(input, 'it has the wrong number of digits for its country');
  }
  return parsed.number;
}

/** Like toE164 but returns undefined instead of throwing, for untrusted network input. */
export function tryE164(input: string, country: string | undefined): string | undefined {
  try {
    return toE164(input, country);
  } catch (error) {
    if (error instanceof PhoneNumberError) return undefined;
    throw error;
  }
}
