import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ELEMENTS, getElement, pinsOf } from '../catalog/catalog.js';
import type { PinEnvironment } from '../catalog/element.js';
import { compileFlowMap } from '../compiler/compile.js';
import type { FlowEdge, FlowMapInput, FlowNode } from '../flow-map.js';
import { USER_STATUSES } from '../runtime/call-facts.js';
import type { OverrideDecision } from '../runtime/override.js';
import type { ScenarioInput } from './scenario.js';
import { simulate } from './simulate.js';

// Property: any valid map, built from the real catalog with valid configs and random edges,
// run against any scenario, never makes the runtime throw, never fails with an error, and
// always ends (by an `end` or `hang-up` entry) within its step limit.

const CODES = ['VIP', 'FAMILY'];
const env: PinEnvironment = { handlingCodes: CODES };

/** Valid configs for every element type (several where the config changes the behaviour). */
const CONFIGS: Readonly<Record<string, readonly Record<string, unknown>[]>> = {
  'match-caller': [{}, { codes: ['VIP'] }],
  switch: [
    { value: 'caller.number', cases: [{ id: 'us', match: { kind: 'prefix', value: '+1202' } }] },
    {
      value: 'contact.group',
      cases: [{ id: 'family', match: { kind: 'equals', value: 'Family' } }],
    },
    {
      value: 'variable',
      field: 'account',
      cases: [{ id: 'some', match: { kind: 'pattern', value: '1*' } }],
    },
  ],
  'check-status': [{}],
  schedule: [{}, { hours: [{ days: ['sat', 'sun'], from: '22:00', to: '06:00' }] }],
  calendar: [{ check: 'in-meeting-now' }, { check: 'caller-attendee-today' }],
  'ring-devices': [
    {},
    { devices: ['cell'], mode: 'sequential', timeoutSeconds: 5 },
    { devices: ['desk', 'cell'], mode: 'sequential' },
  ],
  'notify-desktop': [{}],
  forward: [
    { to: { kind: 'number', number: '+15551234567' } },
    { to: { kind: 'user', userId: 'frank' }, timeoutSeconds: 10 },
  ],
  attendant: [{}],
  play: [
    { prompts: [{ kind: 'tts', text: 'Hello {{contact.firstName}}' }] },
    { prompts: [{ kind: 'file', file: 'welcome.wav' }], bargeIn: true },
  ],
  menu: [
    { prompt: [{ kind: 'tts', text: 'Press 1 or 2' }] },
    { prompt: [{ kind: 'silence', ms: 500 }], digits: ['1', '#'], retries: 0 },
  ],
  'collect-digits': [{ variable: 'account', terminator: '#', maxDigits: 4 }],
  voicemail: [{}, { maxSeconds: 30 }],
  'start-web-chat': [{}],
  'set-variable': [{ assignments: [{ name: 'account', value: '1{{caller.number}}' }] }],
  'http-request': [{ url: 'https://hooks.example.test/call?from={{caller.number}}' }],
  'goto-flow': [
    { flow: 'builtin:voicemail' },
    { flow: 'builtin:ring-all' },
    { flow: 'builtin:reject' },
  ],
  'hang-up': [{}],
  reject: [{}, { reason: 'decline' }],
};

const TYPES = ELEMENTS.map((e) => e.type).filter((t) => t !== 'incoming-call');
/** Elements with no way out (Hang up, Reject, Go to) end a branch: drawn less often. */
const SINKS = TYPES.filter((t) => pinsOf(t, CONFIGS[t]?.[0] ?? {}, env).length === 0);
const typeArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...TYPES.filter((t) => !SINKS.includes(t))) },
  { weight: 1, arbitrary: fc.constantFrom(...SINKS) },
);

interface Recipe {
  readonly nodes: readonly { readonly type: string; readonly configIndex: number }[];
  /** Random choices for the edges, consumed in order. */
  readonly choices: readonly number[];
}

/**
 * Builds a valid map: every required pin is connected, optional ones mostly. A node that does
 * not wait connects only forward (to a later node), so every loop passes through a waiting
 * element; a hang-up at the end gives every node somewhere to go. Unreachable nodes are dropped.
 */
function buildMap(recipe: Recipe): FlowMapInput {
  const nodes: FlowNode[] = [
    { id: 'start', type: 'incoming-call', position: { x: 0, y: 0 }, config: {} },
  ];
  recipe.nodes.forEach((n, i) => {
    const configs = CONFIGS[n.type] ?? [{}];
    const config = configs[n.configIndex % configs.length] ?? {};
    nodes.push({ id: `n${i + 1}`, type: n.type, position: { x: (i + 1) * 200, y: 0 }, config });
  });
  nodes.push({
    id: 'end',
    type: 'hang-up',
    position: { x: (nodes.length + 1) * 200, y: 0 },
    config: {},
  });

  let c = 0;
  const next = () => recipe.choices[c++ % recipe.choices.length] ?? 0;
  const edges: FlowEdge[] = [];
  nodes.forEach((node, i) => {
    const waits = getElement(node.type)?.waits ?? false;
    const targets = nodes.slice(1).filter((_, j) => waits || j + 1 > i);
    pinsOf(node.type, node.config, env).forEach((pin, p) => {
      if (!pin.required && next() % 4 === 0) return;
      // The first pin leads to the next node in line, so every node up to the first dead end
      // (Hang up, Reject, Go to) is reached; the other pins branch anywhere allowed.
      const to = p === 0 ? nodes[i + 1] : targets[next() % targets.length];
      if (to !== undefined)
        edges.push({ from: { node: node.id, pin: pin.id }, to: { node: to.id } });
    });
  });

  const reached = new Set(['start']);
  for (let grew = true; grew;) {
    grew = false;
    for (const e of edges) {
      if (reached.has(e.from.node) && !reached.has(e.to.node)) {
        reached.add(e.to.node);
        grew = true;
      }
    }
  }
  return {
    schemaVersion: 1,
    name: 'Random',
    nodes: nodes.filter((n) => reached.has(n.id)),
    edges: edges.filter((e) => reached.has(e.from.node)),
  };
}

const recipeArb: fc.Arbitrary<Recipe> = fc.record({
  nodes: fc.array(fc.record({ type: typeArb, configIndex: fc.nat(5) }), {
    minLength: 1,
    maxLength: 14,
    size: 'large',
  }),
  choices: fc.array(fc.nat(1000), { minLength: 1, maxLength: 60, size: 'large' }),
});

const decisionArb: fc.Arbitrary<OverrideDecision> = fc.oneof(
  fc.constant({ kind: 'voicemail' } as const),
  fc.constant({ kind: 'attendant' } as const),
  fc
    .constantFrom(undefined, 486, 603, 404)
    .map((code) =>
      code === undefined ? ({ kind: 'reject' } as const) : ({ kind: 'reject', code } as const),
    ),
  fc
    .constantFrom('desk', 'cell', 'gone')
    .map((deviceId) => ({ kind: 'answer-on', deviceId }) as const),
  fc.constant({ kind: 'forward', target: { kind: 'number', number: '+15557654321' } } as const),
);

const scenarioArb: fc.Arbitrary<ScenarioInput> = fc
  .record({
    caller: fc.constantFrom('known-code', 'known', 'unknown', 'anonymous'),
    status: fc.constantFrom(...USER_STATUSES),
    at: fc.constantFrom('2026-11-23T10:00', '2026-11-23T23:30', '2026-11-28T03:00'),
    keys: fc.array(
      fc.record({
        digits: fc.stringMatching(/^[0-9*#]{1,4}$/),
        afterSeconds: fc.integer({ min: 0, max: 20 }),
      }),
      { maxLength: 3 },
    ),
    ringing: fc.oneof(
      fc.constant({ outcome: 'no-answer' } as const),
      fc
        .integer({ min: 1, max: 40 })
        .map((afterSeconds) => ({ outcome: 'answer', afterSeconds }) as const),
      fc.constant({ outcome: 'busy' } as const),
      fc.constant({ outcome: 'fail' } as const),
    ),
    desktop: fc.constantFrom(null, 'accept', 'voicemail', 'attendant'),
    hangUp: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
    speaks: fc.option(
      fc.record({
        seconds: fc.integer({ min: 0, max: 60 }),
        ends: fc.constantFrom('key', 'silence', 'hang-up'),
      }),
      { nil: undefined },
    ),
    overrides: fc.array(
      fc.record({ afterSeconds: fc.integer({ min: 0, max: 40 }), decision: decisionArb }),
      {
        maxLength: 2,
      },
    ),
    http: fc.option(fc.constantFrom(200, 404, 500), { nil: undefined }),
    attendant: fc.constantFrom(null, 'frank'),
  })
  .map((s) => ({
    caller:
      s.caller === 'anonymous'
        ? 'anonymous'
        : s.caller === 'unknown'
          ? '+12025550177'
          : '+12025550142',
    contact:
      s.caller === 'known-code'
        ? { name: 'Bob Boss', code: 'VIP', groups: ['Family'] }
        : s.caller === 'known'
          ? { name: 'Carol Archer' }
          : null,
    status: s.status,
    at: s.at,
    user: { timezone: 'America/New_York', handlingCodes: CODES, attendantId: s.attendant },
    keys: s.keys,
    defaultRinging: s.ringing,
    desktopChoice: s.desktop === null ? null : { choiceId: s.desktop, afterSeconds: 2 },
    ...(s.hangUp === undefined ? {} : { hangUpAfterSeconds: s.hangUp }),
    ...(s.speaks === undefined ? {} : { speaks: s.speaks }),
    overrides: s.overrides,
    ...(s.http === undefined ? {} : { http: { status: s.http, body: '{"tier":"gold"}' } }),
  }));

describe('random valid maps (property)', () => {
  it('has a valid sample config for every element type', () => {
    for (const element of ELEMENTS) {
      if (element.type === 'incoming-call') continue;
      const configs = CONFIGS[element.type];
      expect(configs, element.type).toBeDefined();
      for (const config of configs ?? []) {
        expect(
          element.config.safeParse(config).success,
          `${element.type} ${JSON.stringify(config)}`,
        ).toBe(true);
      }
    }
  });

  it('never throw or fail, and always end within the step limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        recipeArb,
        scenarioArb,
        fc.integer({ min: 3, max: 60 }),
        async (recipe, scenario, maxSteps) => {
          const map = buildMap(recipe);
          // The generator only makes valid maps: compiling must succeed.
          compileFlowMap(map, { env });
          const result = await simulate({ map, scenario, maxSteps, env });

          expect(result.outcome).not.toBe('error');
          const counted = result.steps.filter((s) => s.kind === 'element' || s.kind === 'goto');
          expect(counted.length).toBeLessThanOrEqual(maxSteps);
          expect(result.path.length).toBeLessThanOrEqual(maxSteps);
          if (result.outcome === 'step-limit')
            expect(result.steps.some((s) => s.kind === 'limit')).toBe(true);
          expect(['end', 'hang-up']).toContain(result.steps.at(-1)?.kind);
          expect(result.steps.filter((s) => s.kind === 'end' || s.kind === 'hang-up')).toHaveLength(
            1,
          );
          result.steps.forEach((step, i) => {
            expect(step.seq).toBe(i + 1);
            if (i > 0) expect(step.at).toBeGreaterThanOrEqual(result.steps[i - 1]!.at);
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
