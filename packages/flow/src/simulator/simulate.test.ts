import { describe, expect, it } from 'vitest';
import { FlowCompileError } from '../compiler/compile.js';
import type { FlowMapInput } from '../flow-map.js';
import { builtinTemplate } from '../templates/index.js';
import { parseScenario } from './parse-scenario.js';
import type { ScenarioInput } from './scenario.js';
import type { CallAction } from './scripted-call.js';
import { ScenarioError, simulate } from './simulate.js';

// The simulator end to end: real catalog, compiler, runtime, ScriptedCall and virtual time.

function scenario(text: string) {
  const parsed = parseScenario(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
}

function template(method: string) {
  const map = builtinTemplate(method);
  if (map === undefined) throw new Error(`no template ${method}`);
  return map;
}

/** The call's actions as short words: `ring desk,cell -> no-answer`, `record`, `hang-up flow`. */
function acts(actions: readonly CallAction[]): string[] {
  return actions.map((a) => {
    switch (a.op) {
      case 'ring':
        return `ring ${a.targets.join(',')} -> ${typeof a.result === 'object' ? a.result.outcome : String(a.result)}`;
      case 'hang-up':
        return `hang-up ${a.by}`;
      case 'reject':
        return `reject ${a.code}`;
      case 'key':
        return `key ${a.digit}`;
      case 'record':
        return `record -> ${typeof a.result === 'object' ? a.result.outcome : String(a.result)}`;
      default:
        return a.op;
    }
  });
}

const start = { id: 'start', type: 'incoming-call', position: { x: 0, y: 0 } };

describe('simulate', () => {
  it("plays the issue's example: a busy user, nobody answers, the caller leaves a message", async () => {
    const result = await simulate({
      map: template('builtin:ring-then-voicemail'),
      scenario: scenario(
        'caller=+12025550142 contact="Bob Boss" code=VIP status=busy at=2026-11-23T09:00 tz=America/New_York presses=2 answer=none speaks=12',
      ),
    });
    expect(result.outcome).toBe('ended');
    expect(result.path).toEqual(['start', 'ring', 'voicemail']);
    expect(acts(result.actions)).toEqual([
      'progress',
      'ring device:alice/desk,device:alice/cell -> no-answer',
      'answer',
      'play',
      'record -> recorded',
      'hang-up flow',
    ]);
    expect(result.startedAt).toBe(Date.UTC(2026, 10, 23, 14, 0));
    // Ringing for the template's 20 seconds shows in the log's times.
    const ring = result.steps.find((s) => s.node === 'ring');
    expect(ring).toMatchObject({ kind: 'element', pin: 'no-answer', durationMs: 20_000 });
    expect(result.steps.at(-1)).toMatchObject({ kind: 'end', node: 'voicemail' });
    expect(result.facts.handlingCode).toBe('VIP');
  });

  it('connects a device that answers and ends at the template’s "Call over"', async () => {
    const result = await simulate({
      map: template('builtin:ring-then-voicemail'),
      scenario: scenario('answer=cell@7'),
    });
    expect(result.path).toEqual(['start', 'ring', 'done']);
    expect(result.steps.find((s) => s.node === 'ring')).toMatchObject({
      pin: 'answered',
      durationMs: 7000,
      detail: { answeredBy: 'cell' },
    });
    expect(acts(result.actions)).toContain('hang-up flow');
  });

  it('sends a code whose pin is not connected on as an ordinary known contact', async () => {
    const map: FlowMapInput = {
      schemaVersion: 1,
      name: 'Sort callers',
      nodes: [
        start,
        { id: 'match', type: 'match-caller', position: { x: 200, y: 0 } },
        {
          id: 'vip',
          type: 'play',
          position: { x: 400, y: -100 },
          config: { prompts: [{ kind: 'tts', text: 'VIP' }] },
        },
        { id: 'ordinary', type: 'voicemail', position: { x: 400, y: 0 } },
        { id: 'stranger', type: 'reject', position: { x: 400, y: 100 } },
      ],
      edges: [
        { from: { node: 'start', pin: 'next' }, to: { node: 'match' } },
        { from: { node: 'match', pin: 'code:VIP' }, to: { node: 'vip' } },
        { from: { node: 'match', pin: 'known-no-code' }, to: { node: 'ordinary' } },
        { from: { node: 'match', pin: 'unknown' }, to: { node: 'stranger' } },
        { from: { node: 'match', pin: 'anonymous' }, to: { node: 'stranger' } },
      ],
    };
    const env = { handlingCodes: ['VIP', 'FAMILY'] };
    const family = await simulate({
      map,
      env,
      scenario: scenario(
        'caller=+12025550123 contact="Carol Archer" code=FAMILY codes=VIP,FAMILY speaks=3',
      ),
    });
    expect(family.path).toEqual(['start', 'match', 'ordinary']);
    expect(family.steps.find((s) => s.node === 'match')).toMatchObject({ pin: 'code:FAMILY' });
    const vip = await simulate({
      map,
      env,
      scenario: scenario('caller=+12025550142 contact="Bob Boss" code=VIP codes=VIP,FAMILY'),
    });
    expect(vip.path).toEqual(['start', 'match', 'vip']);
  });

  it('stops at once when the caller hangs up while it rings', async () => {
    const result = await simulate({
      map: template('builtin:ring-then-voicemail'),
      scenario: scenario('hangup=8'),
    });
    expect(result.outcome).toBe('hung-up');
    expect(result.path).toEqual(['start', 'ring']);
    expect(acts(result.actions)).toEqual([
      'progress',
      'ring device:alice/desk,device:alice/cell -> cancelled',
      'hang-up caller',
    ]);
    expect(result.steps.at(-1)).toMatchObject({ kind: 'hang-up', node: 'ring', durationMs: 8000 });
    expect(result.endedAt - result.startedAt).toBe(8000);
  });

  it('runs the menu of the business-hours template by the key the caller presses', async () => {
    const two = await simulate({
      map: template('builtin:business-hours-menu'),
      scenario: scenario('at=2026-11-23T10:00 presses=2 speaks=5'),
    });
    expect(two.path).toEqual(['start', 'hours', 'menu', 'voicemail']);
    expect(acts(two.actions)).toEqual([
      'answer',
      'play',
      'key 2',
      'play',
      'record -> recorded',
      'hang-up flow',
    ]);
    const closed = await simulate({
      map: template('builtin:business-hours-menu'),
      scenario: scenario('at=2026-11-23T19:00 presses=1'),
    });
    expect(closed.path).toEqual(['start', 'hours', 'closed', 'voicemail']);
  });

  it('rings the user when the caller presses 1 in the business-hours menu', async () => {
    const one = await simulate({
      map: template('builtin:business-hours-menu'),
      scenario: scenario('at=2026-11-23T10:00 presses=1 answer=desk@3'),
    });
    expect(one.path).toEqual(['start', 'hours', 'menu', 'ring', 'done']);
    expect(acts(one.actions)).toContain('ring device:alice/desk,device:alice/cell -> answered');
  });

  it('ends with a BYE, and says so, when Reject comes after the call was answered', async () => {
    const map: FlowMapInput = {
      schemaVersion: 1,
      name: 'Play then reject',
      nodes: [
        start,
        {
          id: 'hello',
          type: 'play',
          position: { x: 1, y: 0 },
          config: { prompts: [{ kind: 'tts', text: 'Hello' }] },
        },
        { id: 'no', type: 'reject', position: { x: 2, y: 0 } },
      ],
      edges: [
        { from: { node: 'start', pin: 'next' }, to: { node: 'hello' } },
        { from: { node: 'hello', pin: 'next' }, to: { node: 'no' } },
      ],
    };
    const result = await simulate({ map });
    expect(result.path).toEqual(['start', 'hello', 'no']);
    expect(result.steps.slice(-2)).toMatchObject([
      { kind: 'element', node: 'no', detail: { hungUp: 'already answered' } },
      { kind: 'end', node: 'no' },
    ]);
    // A final response is impossible once answered: the call ends with a BYE instead.
    expect(acts(result.actions)).toEqual(['answer', 'play', 'hang-up flow']);
  });

  it.each([
    [
      'voicemail@5',
      ['start', 'ring', 'override-voicemail'],
      ['answer', 'play', 'record -> too-short'],
    ],
    ['reject@5', ['start', 'ring', 'override-reject'], ['reject 486']],
    ['reject:603@5', ['start', 'ring', 'override-reject'], ['reject 603']],
    [
      'forward:+15551234@5',
      ['start', 'ring', 'override-forward'],
      ['progress', 'ring number:+15551234 -> no-answer'],
    ],
    [
      'forward:user:frank@5',
      ['start', 'ring', 'override-forward'],
      ['progress', 'ring user:frank -> no-answer'],
    ],
    [
      'answer-on:cell@5',
      ['start', 'ring', 'override-ring'],
      ['progress', 'ring device:alice/cell -> no-answer'],
    ],
    [
      'forward:desk@5',
      ['start', 'ring', 'override-forward'],
      ['progress', 'ring device:alice/desk -> no-answer'],
    ],
    [
      'attendant@5',
      ['start', 'ring', 'override-attendant', 'override-voicemail'],
      ['progress', 'ring user:frank -> no-answer', 'answer', 'play', 'record -> too-short'],
    ],
  ])('carries out the override %s through ordinary elements', async (override, path, after) => {
    const result = await simulate({
      map: template('builtin:ring-then-voicemail'),
      scenario: scenario(`attendant=frank override=${override}`),
    });
    expect(result.outcome).toBe('overridden');
    expect(result.path).toEqual(path);
    const actions = acts(result.actions);
    // The ringing was cancelled at the override, then the decision ran.
    expect(actions.slice(0, 2)).toEqual([
      'progress',
      'ring device:alice/desk,device:alice/cell -> cancelled',
    ]);
    expect(actions.slice(2, 2 + after.length)).toEqual(after);
    const entry = result.steps.find((s) => s.kind === 'override');
    expect(entry).toMatchObject({
      node: 'ring',
      durationMs: 5000,
      detail: { interrupted: 'ring' },
    });
  });

  it('lets a later override replace an earlier one', async () => {
    const result = await simulate({
      map: template('builtin:ring-then-voicemail'),
      scenario: scenario('override=forward:+15551234@2,voicemail@6 speaks=10'),
    });
    expect(result.path).toEqual(['start', 'ring', 'override-forward', 'override-voicemail']);
    expect(acts(result.actions)).toEqual([
      'progress',
      'ring device:alice/desk,device:alice/cell -> cancelled',
      'progress',
      'ring number:+15551234 -> cancelled',
      'answer',
      'play',
      'record -> recorded',
      'hang-up flow',
    ]);
    expect(result.steps.filter((s) => s.kind === 'override').map((s) => s.flow)).toEqual([
      'main',
      'override:forward',
    ]);
  });

  it('goes to another flow: one of the user’s, or a built-in template', async () => {
    const map: FlowMapInput = {
      schemaVersion: 1,
      name: 'Hand over',
      nodes: [
        start,
        { id: 'go', type: 'goto-flow', position: { x: 1, y: 0 }, config: { flow: 'sales' } },
      ],
      edges: [{ from: { node: 'start', pin: 'next' }, to: { node: 'go' } }],
    };
    const result = await simulate({
      map,
      scenario: scenario('answer=desk'),
      flows: { sales: template('builtin:ring-then-voicemail') },
    });
    expect(result.path).toEqual(['start', 'go', 'sales/start', 'sales/ring', 'sales/done']);
    expect(result.steps.find((s) => s.kind === 'goto')).toMatchObject({
      detail: { from: 'main', to: 'sales' },
    });

    const builtin = await simulate({
      map: { ...map, nodes: [start, { ...map.nodes[1]!, config: { flow: 'builtin:reject' } }] },
    });
    expect(builtin.path).toEqual(['start', 'go', 'builtin:reject/start', 'builtin:reject/reject']);
    expect(acts(builtin.actions)).toEqual(['reject 603']);

    const missing = await simulate({ map });
    expect(missing.outcome).toBe('error');
    expect(missing.steps.at(-2)).toMatchObject({
      kind: 'error',
      detail: { message: 'no flow "sales" to go to' },
    });
  });

  it('answers webhooks from the scenario, and fails them without one', async () => {
    const map: FlowMapInput = {
      schemaVersion: 1,
      name: 'Webhook',
      nodes: [
        start,
        {
          id: 'hook',
          type: 'http-request',
          position: { x: 1, y: 0 },
          config: { url: 'https://crm.example.test/lookup?n={{caller.number}}' },
        },
        { id: 'ok', type: 'hang-up', position: { x: 2, y: 0 } },
        { id: 'failed', type: 'reject', position: { x: 2, y: 1 } },
      ],
      edges: [
        { from: { node: 'start', pin: 'next' }, to: { node: 'hook' } },
        { from: { node: 'hook', pin: 'ok' }, to: { node: 'ok' } },
        { from: { node: 'hook', pin: 'failed' }, to: { node: 'failed' } },
      ],
    };
    const answered = await simulate({
      map,
      scenario: scenario('http=200 body=\'{"tier":"gold"}\''),
    });
    expect(answered.path).toEqual(['start', 'hook', 'ok']);
    const offline = await simulate({ map });
    expect(offline.path).toEqual(['start', 'hook', 'failed']);
  });

  it('stops a loop that rings forever at the step limit', async () => {
    const result = await simulate({ map: template('builtin:ring-all'), maxSteps: 12 });
    expect(result.outcome).toBe('step-limit');
    expect(result.path).toHaveLength(12);
    expect(result.steps.at(-2)).toMatchObject({ kind: 'limit', detail: { maxSteps: 12 } });
  });

  it('starts the flow with the scenario’s variables and reports them at the end', async () => {
    const map: FlowMapInput = {
      schemaVersion: 1,
      name: 'Vars',
      nodes: [
        start,
        {
          id: 'set',
          type: 'set-variable',
          position: { x: 1, y: 0 },
          config: {
            assignments: [{ name: 'greeting', value: '{{vars.lang}}-{{contact.firstName}}' }],
          },
        },
        { id: 'bye', type: 'hang-up', position: { x: 2, y: 0 } },
      ],
      edges: [
        { from: { node: 'start', pin: 'next' }, to: { node: 'set' } },
        { from: { node: 'set', pin: 'next' }, to: { node: 'bye' } },
      ],
    };
    const result = await simulate({ map, scenario: scenario('contact="Bob Boss" var.lang=fr') });
    expect(result.variables).toEqual({ lang: 'fr', greeting: 'fr-Bob' });
  });

  it('takes a scenario as an object too', async () => {
    const input: ScenarioInput = { caller: 'anonymous', status: 'do-not-disturb' };
    const result = await simulate({ map: template('builtin:voicemail'), scenario: input });
    expect(result.facts).toMatchObject({ callerKind: 'anonymous', status: 'do-not-disturb' });
    expect(result.path).toEqual(['start', 'voicemail']);
  });

  it('refuses an invalid map or scenario with every problem by path', async () => {
    const bad = { schemaVersion: 1, name: 'Bad', nodes: [start], edges: [] };
    const error = await simulate({ map: bad }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowCompileError);
    expect((error as FlowCompileError).issues[0]?.path).toMatch(/^nodes\[0\]/);

    const wrong = await simulate({
      map: template('builtin:voicemail'),
      scenario: { status: 'asleep' } as unknown as ScenarioInput,
    }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ScenarioError);
    expect((wrong as ScenarioError).issues[0]?.path).toBe('status');
  });
});
