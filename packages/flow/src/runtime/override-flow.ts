import { REJECT_CODES } from '../catalog/elements/reject.js';
import type { AnyElementDefinition } from '../catalog/element.js';
import type { CompiledFlow, CompiledState } from '../compiler/compiled-flow.js';
import type { OverrideDecision } from './override.js';

/** How an override's sequence is named in the step log: `override:voicemail`. */
export function overrideFlowId(decision: OverrideDecision): string {
  return `override:${decision.kind}`;
}

interface SequenceStep {
  readonly id: string;
  readonly type: string;
  readonly config: Record<string, unknown>;
  readonly transitions?: Readonly<Record<string, string>>;
}

/**
 * The small flow an override runs, made of ordinary catalog elements so it is run and logged
 * like any other node:
 * - forward: Forward to the chosen number or user (Ring devices for one of the user's own
 *   devices), then the flow ends;
 * - voicemail: Voicemail with its default settings;
 * - attendant: Attendant, and Voicemail when the attendant does not answer;
 * - reject: Reject with the chosen code (486 busy by default);
 * - answer-on: Ring devices with that one device of the user.
 * Each config goes through the element's own schema (defaults filled in); undefined when the
 * catalog lacks an element or refuses the config, which the runtime logs as an error.
 */
export function buildOverrideFlow(
  decision: OverrideDecision,
  catalog: (type: string) => AnyElementDefinition | undefined,
  userId: string,
): CompiledFlow | undefined {
  const steps = sequenceFor(decision, userId);
  const states: Record<string, CompiledState> = {};
  for (const step of steps) {
    const element = catalog(step.type);
    if (element === undefined) return undefined;
    const parsed = element.config.safeParse(step.config);
    if (!parsed.success) return undefined;
    states[step.id] = Object.freeze({
      id: step.id,
      type: step.type,
      config: parsed.data,
      transitions: Object.freeze({ ...(step.transitions ?? {}) }),
    });
  }
  const first = steps[0];
  if (first === undefined) return undefined;
  return Object.freeze({
    format: 1,
    name: overrideFlowId(decision),
    start: first.id,
    states: Object.freeze(states),
  });
}

function sequenceFor(decision: OverrideDecision, userId: string): readonly SequenceStep[] {
  switch (decision.kind) {
    case 'forward': {
      const target = decision.target;
      const timeout =
        decision.timeoutSeconds === undefined ? {} : { timeoutSeconds: decision.timeoutSeconds };
      // Forward reaches numbers and users; a device of the user's own is rung like Ring
      // devices does, and another user's device through that user.
      if (target.kind === 'device' && target.userId === userId) {
        return [
          {
            id: 'override-forward',
            type: 'ring-devices',
            config: { devices: [target.deviceId], ...timeout },
          },
        ];
      }
      const forwardTarget =
        target.kind === 'device' ? { kind: 'user', userId: target.userId } : target;
      return [
        {
          id: 'override-forward',
          type: 'forward',
          config: { to: forwardTarget, ...timeout },
        },
      ];
    }
    case 'voicemail':
      return [{ id: 'override-voicemail', type: 'voicemail', config: {} }];
    case 'attendant':
      return [
        {
          id: 'override-attendant',
          type: 'attendant',
          config: {},
          transitions: { 'no-answer': 'override-voicemail' },
        },
        { id: 'override-voicemail', type: 'voicemail', config: {} },
      ];
    case 'reject':
      return [
        {
          id: 'override-reject',
          type: 'reject',
          config: rejectConfig(decision.code),
        },
      ];
    case 'answer-on':
      return [
        { id: 'override-ring', type: 'ring-devices', config: { devices: [decision.deviceId] } },
      ];
  }
}

/** Reject's config for a code: its named reason when it has one (486 is busy), else custom. */
function rejectConfig(code: number | undefined): Record<string, unknown> {
  if (code === undefined) return {};
  const named = Object.entries(REJECT_CODES).find(([, value]) => value === code);
  return named === undefined ? { reason: 'custom', code } : { reason: named[0] };
}
