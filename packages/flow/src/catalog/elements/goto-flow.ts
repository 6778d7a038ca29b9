import { z } from 'zod';
import { defineElement } from '../element.js';

/** A user's flow id (the server's rule), or a built-in template such as `builtin:voicemail`. */
const FLOW_REFERENCE = /^(?:[a-z0-9][a-z0-9._-]{0,63}|builtin:[a-z0-9][a-z0-9:._-]{0,63})$/;

/**
 * Pseudo-pin of the outcome: Go to flow has no output pins, and the runtime acts on `gotoFlow`
 * instead of following a transition. It names what happened in the step log.
 */
export const GOTO_PIN = 'goto';

/**
 * Hands the call to another of the user's flows (or a built-in template, usable wherever a flow
 * id is). It has no pins: the call continues at the other flow's start, with its variables. The
 * validator checks that the flow exists and that flows do not go to each other in a cycle.
 */
export const gotoFlowElement = defineElement({
  type: 'goto-flow',
  label: 'Go to flow',
  category: 'end',
  description: 'Continues the call in another of your flows.',
  config: z.strictObject({
    flow: z
      .string()
      .trim()
      .regex(
        FLOW_REFERENCE,
        'a flow id is lower-case letters, digits and . _ - (up to 64), or builtin:<template>',
      )
      .describe('The flow to continue in: one of your flow ids, or builtin:<template>.')
      .meta({ title: 'Flow' }),
  }),
  pins: () => [],
  preconditions: [],
  waits: false,
  maxDurationMs: () => 1000,
  run: ({ config }) =>
    Promise.resolve({ pin: GOTO_PIN, gotoFlow: config.flow, detail: { flow: config.flow } }),
});
