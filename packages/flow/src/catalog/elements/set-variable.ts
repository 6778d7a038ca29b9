import { z } from 'zod';
import { renderTemplate } from '../../runtime/template.js';
import { defineElement } from '../element.js';
import { capVariable, MAX_VARIABLE_LENGTH, variableNameSchema } from './variables.js';

const AssignmentSchema = z.strictObject({
  name: variableNameSchema
    .describe('The variable to set; later elements read it as {{vars.<name>}}.')
    .meta({ title: 'Variable' }),
  value: z
    .string()
    .max(1000, 'must be at most 1000 characters')
    .describe(
      'Text with {{placeholders}} from the call, e.g. {{caller.number}}, {{contact.organization}}, ' +
        '{{vars.other}}; a placeholder with no value becomes empty.',
    )
    .meta({ title: 'Value' }),
});

/**
 * Sets flow variables from templates. Assignments run in order, each seeing the ones before it
 * (`a = x`, then `b = {{vars.a}}y`). A value is cut at MAX_VARIABLE_LENGTH characters.
 */
export const setVariableElement = defineElement({
  type: 'set-variable',
  label: 'Set variable',
  category: 'data',
  description: 'Stores values from the call in flow variables for later elements.',
  config: z.strictObject({
    assignments: z
      .array(AssignmentSchema)
      .min(1, 'add at least one variable to set')
      .max(50, 'must hold at most 50 assignments')
      .describe(
        `Variables to set, in order. Values are cut at ${String(MAX_VARIABLE_LENGTH)} characters.`,
      )
      .meta({ title: 'Assignments' }),
  }),
  pins: () => [{ id: 'next', label: 'Next', required: true }],
  preconditions: [],
  waits: false,
  maxDurationMs: () => 1000,
  run: ({ config, facts, variables }) => {
    const current: Record<string, string> = { ...variables };
    const set: Record<string, string> = {};
    for (const { name, value } of config.assignments) {
      const rendered = capVariable(renderTemplate(value, facts, current));
      current[name] = rendered;
      set[name] = rendered;
    }
    return Promise.resolve({ pin: 'next', variables: set, detail: { set: Object.keys(set) } });
  },
});
