import { z } from 'zod';

/**
 * Flow variables as the data elements write them (Set variable, HTTP request captures) and the
 * Switch element reads them. Names are short identifiers so `{{vars.name}}` always parses.
 */
export const VARIABLE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

export const variableNameSchema = z
  .string()
  .regex(
    VARIABLE_NAME_PATTERN,
    'a variable name is a letter or _ followed by up to 31 letters, digits or _',
  )
  // The one name a plain object cannot hold as data: assigning it would change the prototype.
  .refine((name) => name !== '__proto__', '"__proto__" cannot be a variable name');

/**
 * Longest value a variable keeps. A value may feed itself (`{{vars.x}}{{vars.x}}` in a loop),
 * and a webhook may answer megabytes: the cap keeps a call's memory bounded whatever the map.
 */
export const MAX_VARIABLE_LENGTH = 4096;

export function capVariable(value: string): string {
  return value.length > MAX_VARIABLE_LENGTH ? value.slice(0, MAX_VARIABLE_LENGTH) : value;
}
