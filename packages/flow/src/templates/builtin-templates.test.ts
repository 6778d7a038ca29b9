import { describe, expect, it } from 'vitest';
import { compileFlowMap } from '../compiler/compile.js';
import { validateFlowMap } from '../validate-flow-map.js';
import { validateFlowSet } from '../validate-flow-set.js';
import {
  BUILTIN_TEMPLATES,
  builtinTemplate,
  builtinTemplateUsage,
  copyTemplate,
  parseBuiltinMethod,
} from './builtin-templates.js';

/** Every template as a method, the parameterised one with an example device. */
const METHODS = BUILTIN_TEMPLATES.map((t) =>
  t.parameter === undefined ? `builtin:${t.name}` : `builtin:${t.name}:${t.parameter.example}`,
);

describe('BUILTIN_TEMPLATES', () => {
  it('are the templates the provisioning file names', () => {
    expect(BUILTIN_TEMPLATES.map(builtinTemplateUsage)).toEqual([
      'builtin:ring-then-voicemail',
      'builtin:ring-all',
      'builtin:voicemail',
      'builtin:reject',
      'builtin:forward:<deviceId>',
      'builtin:attendant-then-voicemail',
      'builtin:business-hours-menu',
    ]);
    for (const template of BUILTIN_TEMPLATES) expect(template.description).not.toBe('');
  });

  it.each(METHODS)('%s is a valid flow map that compiles to plain JSON', (method) => {
    const map = builtinTemplate(method);
    expect(map).toBeDefined();
    const result = validateFlowMap(map);
    expect(result.ok ? [] : result.errors).toEqual([]);
    const compiled = compileFlowMap(map);
    expect(JSON.parse(JSON.stringify(compiled))).toEqual(compiled);
    expect(compileFlowMap(builtinTemplate(method))).toEqual(compiled);
  });

  it.each(METHODS)('%s is laid out left to right on its own grid cells', (method) => {
    const map = builtinTemplate(method)!;
    const at = new Map(map.nodes.map((n) => [n.id, n.position]));
    expect(at.get('start')).toEqual({ x: 0, y: 0 });
    const cells = new Set(map.nodes.map((n) => `${String(n.position.x)},${String(n.position.y)}`));
    expect(cells.size).toBe(map.nodes.length);
    for (const edge of map.edges) {
      if (edge.from.node === edge.to.node) continue; // a retry loop on one node
      expect(at.get(edge.to.node)!.x).toBeGreaterThan(at.get(edge.from.node)!.x);
    }
  });

  it('go nowhere else, so a user may use them all together', () => {
    const maps = Object.fromEntries(METHODS.map((m) => [m, builtinTemplate(m)!]));
    expect(validateFlowSet(maps)).toEqual({ ok: true });
  });
});

describe('builtinTemplate', () => {
  it('builtin:forward:cell rings that one device, then takes a voicemail', () => {
    const map = builtinTemplate('builtin:forward:cell');
    expect(map?.name).toBe('Forward to cell');
    const compiled = compileFlowMap(map);
    const first = compiled.states[compiled.states[compiled.start]!.transitions.next!]!;
    expect(first).toMatchObject({
      type: 'ring-devices',
      config: { devices: ['cell'], mode: 'simultaneous' },
    });
    expect(compiled.states[first.transitions['no-answer']!]?.type).toBe('voicemail');
    expect(compiled.states[first.transitions.busy!]?.type).toBe('voicemail');
    expect(compiled.states[first.transitions.answered!]?.type).toBe('hang-up');
  });

  it('builtin:business-hours-menu: open -> menu (1 ring, 2 voicemail), closed -> message -> voicemail', () => {
    const compiled = compileFlowMap(builtinTemplate('builtin:business-hours-menu'));
    const next = (id: string, pin: string) => compiled.states[id]?.transitions[pin];
    const typeOf = (id: string | undefined) =>
      id === undefined ? undefined : compiled.states[id]?.type;
    const schedule = next(compiled.start, 'next')!;
    expect(typeOf(schedule)).toBe('schedule');
    const menu = next(schedule, 'open')!;
    expect(typeOf(menu)).toBe('menu');
    expect(typeOf(next(menu, 'digit:1'))).toBe('ring-devices');
    expect(typeOf(next(menu, 'digit:2'))).toBe('voicemail');
    const closed = next(schedule, 'closed')!;
    expect(typeOf(closed)).toBe('play');
    expect(typeOf(next(closed, 'next'))).toBe('voicemail');
  });

  it('gives a fresh map each time', () => {
    const one = builtinTemplate('builtin:voicemail')!;
    one.nodes.pop();
    one.name = 'changed';
    expect(builtinTemplate('builtin:voicemail')).toMatchObject({ name: 'Voicemail' });
    expect(builtinTemplate('builtin:voicemail')?.nodes).toHaveLength(2);
  });

  it.each([
    'builtin:busy',
    'builtin:forward',
    'builtin:forward:',
    'builtin:forward:Cell Phone',
    'builtin:voicemail:cell',
    'voicemail',
    'builtin:',
  ])('%s names no template', (method) => {
    expect(builtinTemplate(method)).toBeUndefined();
  });
});

describe('parseBuiltinMethod', () => {
  it('reads the name and the parameter', () => {
    expect(parseBuiltinMethod('builtin:forward:cell')).toMatchObject({
      ok: true,
      template: { name: 'forward' },
      parameter: 'cell',
    });
    expect(parseBuiltinMethod('builtin:ring-all')).toMatchObject({
      ok: true,
      template: { name: 'ring-all' },
      parameter: undefined,
    });
  });

  it('says what is wrong', () => {
    const messageOf = (method: string) => {
      const parsed = parseBuiltinMethod(method);
      return parsed.ok ? undefined : parsed.message;
    };
    expect(messageOf('builtin:busy')).toBe(
      'unknown builtin "builtin:busy"; the builtins are builtin:ring-then-voicemail, builtin:ring-all, ' +
        'builtin:voicemail, builtin:reject, builtin:forward:<deviceId>, ' +
        'builtin:attendant-then-voicemail, builtin:business-hours-menu',
    );
    expect(messageOf('builtin:forward')).toBe(
      '"builtin:forward" needs a deviceId: write builtin:forward:<deviceId>, e.g. builtin:forward:cell',
    );
    expect(messageOf('builtin:reject:now')).toBe(
      '"builtin:reject:now" takes nothing after its name: write builtin:reject',
    );
    expect(messageOf('builtin:forward:Desk')).toMatch(
      /^"Desk" in "builtin:forward:Desk" is not a deviceId: a device id is 1-63 lower-case/,
    );
    expect(messageOf('vip')).toBe('"vip" is not a built-in method (builtin:<name>)');
  });
});

describe('copyTemplate', () => {
  it('gives an editable copy under a new name', () => {
    const copy = copyTemplate('builtin:ring-then-voicemail', 'My calls');
    expect(copy).toMatchObject({
      name: 'My calls',
      description:
        "Ring all the user's devices; if nobody answers, take a voicemail. (copied from builtin:ring-then-voicemail)",
    });
    expect(copy?.nodes).toEqual(builtinTemplate('builtin:ring-then-voicemail')?.nodes);
    expect(validateFlowMap(copy).ok).toBe(true);
    copy!.nodes[1]!.config.timeoutSeconds = 45;
    expect(builtinTemplate('builtin:ring-then-voicemail')?.nodes[1]?.config.timeoutSeconds).toBe(
      20,
    );
  });

  it('copies parameterised templates and refuses unknown ones', () => {
    expect(copyTemplate('builtin:forward:desk', 'Desk only')?.nodes[1]?.config).toMatchObject({
      devices: ['desk'],
    });
    expect(copyTemplate('builtin:nothing', 'x')).toBeUndefined();
  });
});
