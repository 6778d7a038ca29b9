import { z } from 'zod';
import { defineElement, type PinSpec } from '../element.js';

/** Same rule as the server's handling codes; they compare case-insensitively. */
const HANDLING_CODE = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

const CODE_PIN_PREFIX = 'code:';

/** Pin id of a handling code: `code:VIP`. */
export function codePin(code: string): string {
  return `${CODE_PIN_PREFIX}${code.toUpperCase()}`;
}

/**
 * The handling codes that get their own pin: those listed in `codes` (in the list's order), else
 * every code the user has. A listed code is kept even when the user has not defined it (yet):
 * the map then means the same wherever it is checked, with or without the user's codes at hand,
 * and a code nobody carries simply never fires.
 */
function codesWithPins(
  listed: readonly string[] | undefined,
  userCodes: readonly string[],
): string[] {
  return [...new Set(listed ?? userCodes.map((c) => c.toUpperCase()))];
}

/**
 * Sorts callers by what the user's contacts say about them.
 *
 * The rule: an anonymous caller (number withheld) leaves by `anonymous`; a number that is in no
 * contact by `unknown`; a known contact whose handling code has a pin by that pin (`code:VIP`);
 * every other known contact by `known-no-code`, which therefore also takes contacts whose code
 * was left out of `codes`. Listing codes is how a flow says "these codes are special here, the
 * rest are ordinary contacts". A code pin left unconnected, or a code the user defined after the
 * flow was published, also goes on by `known-no-code` (the runtime follows `fallbackPin`): a new
 * handling code must never make calls from a known contact end without a word.
 */
export const matchCallerElement = defineElement({
  type: 'match-caller',
  label: 'Match caller',
  category: 'decision',
  description:
    'Goes one way per handling code of the caller, or for a known contact without a code, an unknown number, or an anonymous caller.',
  config: z.strictObject({
    codes: z
      .array(
        z
          .string()
          .trim()
          .regex(
            HANDLING_CODE,
            'a handling code is a word of letters, digits, _ and - (up to 32, starting with a letter)',
          )
          .toUpperCase(),
      )
      .max(100, 'must hold at most 100 codes')
      .optional()
      .describe(
        'Handling codes that get their own pin. Leave it out for one pin per code you have; ' +
          'contacts whose code is not listed go out by "Known contact, no code".',
      )
      .meta({ title: 'Codes with their own pin' }),
  }),
  pins: (config, env) => {
    const pins: PinSpec[] = codesWithPins(config.codes, env.handlingCodes).map((code) => ({
      id: codePin(code),
      label: code,
      required: false,
    }));
    pins.push(
      { id: 'known-no-code', label: 'Known contact, no code', required: true },
      { id: 'unknown', label: 'Unknown caller', required: true },
      { id: 'anonymous', label: 'Anonymous', required: true },
    );
    return pins;
  },
  fallbackPin: (pin) => (pin.startsWith(CODE_PIN_PREFIX) ? 'known-no-code' : undefined),
  preconditions: [],
  waits: false,
  maxDurationMs: () => 1000,
  run: ({ config, facts }) => {
    const detail = { callerKind: facts.callerKind, handlingCode: facts.handlingCode };
    if (facts.callerKind !== 'known') return Promise.resolve({ pin: facts.callerKind, detail });
    const code = facts.handlingCode?.toUpperCase();
    const withPins = codesWithPins(config.codes, facts.user.handlingCodes);
    const pin = code !== undefined && withPins.includes(code) ? codePin(code) : 'known-no-code';
    return Promise.resolve({ pin, detail });
  },
});
