import { z } from 'zod';
import { defineElement } from '../element.js';

/** Pseudo-pin of elements that end the call: they have no output pins. */
export const END_PIN = 'end';

/** Ends the call: BYE when it was answered, else a final response (CallControl.hangUp). */
export const hangUpElement = defineElement({
  type: 'hang-up',
  label: 'Hang up',
  category: 'end',
  description: 'Ends the call.',
  config: z.strictObject({}).describe('Hang up has no settings.'),
  pins: () => [],
  preconditions: [],
  waits: false,
  maxDurationMs: () => 5000,
  run: async ({ call }) => {
    const answered = call.answered;
    await call.hangUp();
    return { pin: END_PIN, ends: true, detail: { answered } };
  },
});
