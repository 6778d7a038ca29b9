import { z } from 'zod';
import { defineElement } from '../element.js';
import { promptListSchema, promptsBoundMs, renderPrompts } from './media-config.js';

/** The flow variable a barge-in key is saved to. */
export const LAST_DIGIT_VARIABLE = 'lastDigit';

const configSchema = z.strictObject({
  prompts: promptListSchema
    .describe(
      'What the caller hears, one after the other: spoken text (with templates such as ' +
        '"Hello {{contact.firstName}}"), recorded prompts and pauses.',
    )
    .meta({ title: 'Prompts' }),
  bargeIn: z
    .boolean()
    .default(false)
    .describe(
      'Let a key press cut the prompts short; the key is saved in the variable lastDigit ' +
        '(empty when nobody pressed one).',
    )
    .meta({ title: 'Stop on a key press' }),
});

/**
 * Plays a message to the caller: how a caller hears something chosen for who they are. The
 * step log shows the prompts as spoken, after templating.
 */
export const playElement = defineElement({
  type: 'play',
  label: 'Play',
  category: 'media',
  description: 'Plays recorded prompts or text to speech to the caller.',
  config: configSchema,
  // Unwired, the call ends after the message ("we are closed today").
  pins: () => [{ id: 'next', label: 'Next', required: false }],
  preconditions: ['answered'],
  waits: true,
  maxDurationMs: (config) => promptsBoundMs(config.prompts) + 5000,
  run: async ({ config, call, facts, variables, signal }) => {
    const prompts = renderPrompts(config.prompts, facts, variables);
    const result = await call.play({ prompts, bargeIn: config.bargeIn }, signal);
    return {
      pin: 'next',
      detail: { prompts, ...(result.digit !== undefined ? { digit: result.digit } : {}) },
      ...(config.bargeIn ? { variables: { [LAST_DIGIT_VARIABLE]: result.digit ?? '' } } : {}),
    };
  },
});
