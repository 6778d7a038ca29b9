import { PhoneNumberError, toE164 } from '../domain/services/phone-numbers.js';
import { invalidField } from './errors.js';

/** toE164 with its complaint turned into a 400 naming the field (`number`, `phones[2]`). */
export function normaliseNumber(raw: string, country: string, path: string): string {
  try {
    return toE164(raw, country);
  } catch (error) {
    if (error instanceof PhoneNumberError) throw invalidField(path, error.message);
    throw error;
  }
}
