import { z } from 'zod';
import type { Prompt } from '../../runtime/call-control.js';
import { defineElement } from '../element.js';
import { digitSchema, promptListSchema, promptsBoundMs, renderPrompts } from './media-config.js';
import { variableNameSchema } from './variables.js';

const configSchema = z.strictObject({
  prompt: promptListSchema
    .optional()
    .describe(
      'Played first, e.g. "Please enter your account number, then press hash." A key cuts it short.',
    )
    .meta({ title: 'Prompt' }),
  variable: variableNameSchema
    .describe(
      'The flow variable that receives the keys; read it as {{vars.<name>}} or in a Switch.',
    )
    .meta({ title: 'Save to variable' }),
  maxDigits: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(32, 'must be at most 32')
    .default(10)
    .describe('Input ends once this many keys are pressed.')
    .meta({ title: 'Most keys' }),
  terminator: digitSchema
    .optional()
    .describe('A key that ends input early, e.g. "#"; it is not saved with the others.')
    .meta({ title: 'End key' }),
  firstDigitTimeoutSeconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1 second')
    .max(120, 'must be at most 120 seconds')
    .default(10)
    .describe('How long to wait for the first key.')
    .meta({ title: 'Wait for the first key (seconds)' }),
  interDigitTimeoutSeconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1 second')
    .max(60, 'must be at most 60 seconds')
    .default(5)
    .describe('How long to wait between keys before taking what was entered.')
    .meta({ title: 'Wait between keys (seconds)' }),
});

/**
 * Collects keys (an account number, a PIN) into a flow variable. Leaves by `next` with what was
 * entered, or by `timeout` when the caller entered nothing (the variable is then emptied, so an
 * earlier value is never mistaken for this answer).
 */
export const collectDigitsElement = defineElement({
  type: 'collect-digits',
  label: 'Collect digits',
  category: 'media',
  description: 'Collects keys the caller presses into a variable.',
  config: configSchema,
  pins: () => [
    { id: 'next', label: 'Next', required: true },
    { id: 'timeout', label: 'Nothing entered', required: false },
  ],
  preconditions: ['answered'],
  waits: true,
  maxDurationMs: (config) =>
    promptsBoundMs(config.prompt) +
    (config.firstDigitTimeoutSeconds + config.maxDigits * config.interDigitTimeoutSeconds) * 1000 +
    5000,
  run: async ({ config, call, facts, variables, signal }) => {
    let prompts: Prompt[] | undefined;
    let initial: string | undefined;
    if (config.prompt !== undefined) {
      prompts = renderPrompts(config.prompt, facts, variables);
      initial = (await call.play({ prompts, bargeIn: true }, signal)).digit;
    }
    const result = await call.collectDigits(
      {
        maxDigits: config.maxDigits,
        ...(config.terminator !== undefined ? { terminator: config.terminator } : {}),
        firstDigitTimeoutSeconds: config.firstDigitTimeoutSeconds,
        interDigitTimeoutSeconds: config.interDigitTimeoutSeconds,
        ...(initial !== undefined ? { initial } : {}),
      },
      signal,
    );
    return {
      pin: result.digits === '' ? 'timeout' : 'next',
      // The digits themselves may be a PIN: the step log keeps only how many and how input ended.
      detail: {
        variable: config.variable,
        length: result.digits.length,
        ended: result.ended,
        ...(prompts !== undefined ? { prompts } : {}),
      },
      variables: { [config.variable]: result.digits },
    };
  },
});
