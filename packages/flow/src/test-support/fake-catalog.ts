import { z } from 'zod';
import {
  defineElement,
  type AnyElementDefinition,
  type ElementCategory,
  type PinEnvironment,
  type PinSpec,
} from '../catalog/element.js';
import type { FlowMapInput } from '../flow-map.js';

/**
 * A small element catalog for validator and compiler tests, independent of the real elements:
 * each rule can be shown on the fewest nodes. Handlers are never run by those tests.
 */
function fake<S extends z.ZodType>(
  type: string,
  category: ElementCategory,
  waits: boolean,
  config: S,
  pins: (config: z.output<S>, env: PinEnvironment) => readonly PinSpec[],
): AnyElementDefinition {
  return defineElement({
    type,
    label: type,
    category,
    description: `Fake ${type} element for tests.`,
    config,
    pins,
    preconditions: [],
    waits,
    maxDurationMs: () => 1000,
    run: () => Promise.reject(new Error('fake elements do not run')),
  });
}

const pin = (id: string, required = true): PinSpec => ({ id, label: id.toUpperCase(), required });

export const FAKE_CATALOG: readonly AnyElementDefinition[] = [
  fake('incoming-call', 'start', false, z.strictObject({}), () => [pin('next')]),
  // Waits (rings); `answered` is optional: an answered call that hangs up just ends.
  fake(
    'ring',
    'telephony',
    true,
    z.strictObject({ timeoutSeconds: z.int().min(1).max(600).default(20) }),
    () => [pin('answered', false), pin('no-answer'), pin('busy')],
  ),
  // Instant decision with one pin per configured value.
  fake(
    'decide',
    'decision',
    false,
    z.strictObject({ values: z.array(z.string()).min(1).default(['a', 'b']) }),
    (config) => config.values.map((v) => pin(v)),
  ),
  // Pins from the user's handling codes, like Match caller.
  fake('codes', 'decision', false, z.strictObject({}), (_config, env) => [
    ...env.handlingCodes.map((code) => pin(code)),
    pin('other'),
  ]),
  fake('goto-flow', 'end', false, z.strictObject({ flow: z.string().min(1) }), () => []),
  fake('end', 'end', false, z.strictObject({}), () => []),
];

/** start -> ring; ring no-answer/busy -> end. */
export function fakeMap(): FlowMapInput {
  return {
    schemaVersion: 1,
    name: 'Fake',
    nodes: [
      { id: 'start', type: 'incoming-call', position: { x: 0, y: 0 } },
      { id: 'ring', type: 'ring', position: { x: 200, y: 0 }, config: { timeoutSeconds: 25 } },
      { id: 'end', type: 'end', position: { x: 400, y: 0 } },
    ],
    edges: [
      { id: 'e1', from: { node: 'start', pin: 'next' }, to: { node: 'ring' } },
      { from: { node: 'ring', pin: 'no-answer' }, to: { node: 'end' } },
      { from: { node: 'ring', pin: 'busy' }, to: { node: 'end' } },
    ],
  };
}
