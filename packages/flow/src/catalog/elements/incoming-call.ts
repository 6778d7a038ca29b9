import { z } from 'zod';
import { defineElement } from '../element.js';

/** The single start of every flow: the call has arrived and nothing has been done with it yet. */
export const incomingCallElement = defineElement({
  type: 'incoming-call',
  label: 'Incoming call',
  category: 'start',
  description: 'Where every call starts; connect it to the first thing to do with the call.',
  config: z.strictObject({}).describe('Incoming call has no settings.'),
  pins: () => [{ id: 'next', label: 'Next', required: true }],
  preconditions: [],
  waits: false,
  maxDurationMs: () => 1000,
  run: () => Promise.resolve({ pin: 'next' }),
});
