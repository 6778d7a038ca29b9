import { z } from 'zod';
import type { Prompt } from '../../runtime/call-control.js';
import { defineElement, type PinSpec } from '../element.js';
import {
  DIGITS,
  digitSchema,
  promptListSchema,
  promptsBoundMs,
  renderPrompts,
} from './media-config.js';
import { LAST_DIGIT_VARIABLE } from './play.js';

export const MENU_TIMEOUT_PIN = 'timeout';
export const MENU_INVALID_PIN = 'invalid';

/** The pin of a menu key: `digit:1`, `digit:*`. */
export function digitPin(digit: string): string {
  return `digit:${digit}`;
}

const configSchema = z.strictObject({
  prompt: promptListSchema
    .describe('What the caller hears, e.g. "For sales press 1, for support press 2."')
    .meta({ title: 'Prompt' }),
  digits: z
    .array(digitSchema)
    .min(1, 'offer at least one key')
    .max(DIGITS.length, `at most ${String(DIGITS.length)} keys`)
    .refine((keys) => new Set(keys).size === keys.length, 'each key may be listed once')
    .default(['1', '2'])
    .describe('The keys the caller may press; each gets its own pin.')
    .meta({ title: 'Keys' }),
  timeoutSeconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1 second')
    .max(60, 'must be at most 60 seconds')
    .default(5)
    .describe('How long to wait for a key after the prompt has played.')
    .meta({ title: 'Wait for a key (seconds)' }),
  retries: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(5, 'must be at most 5')
    .default(2)
    .describe(
      'How many more times to play the prompt after no key or a wrong one, before leaving ' +
        'by "No key" or "Wrong key".',
    )
    .meta({ title: 'Retries' }),
  invalidPrompt: promptListSchema
    .optional()
    .describe(
      'Played before a retry after a key that is not on the menu, e.g. "Sorry, that key is not valid."',
    )
    .meta({ title: 'Wrong key prompt' }),
  timeoutPrompt: promptListSchema
    .optional()
    .describe('Played before a retry when no key came, e.g. "Sorry, I did not hear anything."')
    .meta({ title: 'No key prompt' }),
});

interface Attempt {
  readonly result: 'timeout' | 'invalid';
  readonly key?: string;
}

/**
 * An IVR menu: plays the prompt (a key cuts it short), waits for a key, and leaves by that
 * key's pin. No key or a key not on the menu plays the matching apology and the prompt again,
 * `retries` times; after that the call leaves by `timeout` or `invalid`, whichever the last
 * attempt was.
 */
export const menuElement = defineElement({
  type: 'menu',
  label: 'Menu',
  category: 'media',
  description: 'Plays a prompt and branches on the key the caller presses.',
  config: configSchema,
  pins: (config): PinSpec[] => [
    ...config.digits.map((digit) => ({ id: digitPin(digit), label: digit, required: true })),
    // Unwired, the call ends: the caller gave no usable answer after every retry.
    { id: MENU_TIMEOUT_PIN, label: 'No key', required: false },
    { id: MENU_INVALID_PIN, label: 'Wrong key', required: false },
  ],
  preconditions: ['answered'],
  waits: true,
  maxDurationMs: (config) => {
    const apology = Math.max(
      promptsBoundMs(config.invalidPrompt),
      promptsBoundMs(config.timeoutPrompt),
    );
    const attempt = promptsBoundMs(config.prompt) + config.timeoutSeconds * 1000 + apology;
    return (config.retries + 1) * attempt + 5000;
  },
  run: async ({ config, call, facts, variables, signal }) => {
    const prompt = renderPrompts(config.prompt, facts, variables);
    const apologies: Record<Attempt['result'], Prompt[] | undefined> = {
      invalid: config.invalidPrompt && renderPrompts(config.invalidPrompt, facts, variables),
      timeout: config.timeoutPrompt && renderPrompts(config.timeoutPrompt, facts, variables),
    };
    const allowed = new Set<string>(config.digits);
    const attempts: Attempt[] = [];
    /** A key pressed during an apology: it answers the next attempt without the prompt. */
    let early: string | undefined;
    for (let round = 0; round <= config.retries; round++) {
      let key = early;
      early = undefined;
      if (key === undefined)
        key = (await call.play({ prompts: prompt, bargeIn: true }, signal)).digit;
      if (key === undefined) {
        const heard = await call.collectDigits(
          {
            maxDigits: 1,
            firstDigitTimeoutSeconds: config.timeoutSeconds,
            interDigitTimeoutSeconds: config.timeoutSeconds,
          },
          signal,
        );
        if (heard.digits !== '') key = heard.digits;
      }
      if (key !== undefined && allowed.has(key)) {
        return {
          pin: digitPin(key),
          detail: { digit: key, prompt, ...(attempts.length > 0 ? { failed: attempts } : {}) },
          variables: { [LAST_DIGIT_VARIABLE]: key },
        };
      }
      const attempt: Attempt =
        key === undefined ? { result: 'timeout' } : { result: 'invalid', key };
      attempts.push(attempt);
      const apology = apologies[attempt.result];
      if (round < config.retries && apology !== undefined) {
        early = (await call.play({ prompts: apology, bargeIn: true }, signal)).digit;
      }
    }
    const last = attempts[attempts.length - 1];
    return {
      pin: last?.result === 'invalid' ? MENU_INVALID_PIN : MENU_TIMEOUT_PIN,
      detail: { prompt, failed: attempts },
    };
  },
});
