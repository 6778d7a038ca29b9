import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ELEMENTS } from './catalog/catalog.js';
import { KNOWN_ELEMENT_TYPES, isKnownElementType } from './known-elements.js';
import { validateFlowMap } from './validate-flow-map.js';

/** The example shipped in examples/flows, which the README and demo provisioning file use. */
const VIP_EXAMPLE: unknown = JSON.parse(
  readFileSync(new URL('../../../examples/flows/vip.json', import.meta.url), 'utf8'),
);

/** A small but complete flow with real elements: ring the desk, voicemail when nobody answers. */
function goodMap() {
  return {
    schemaVersion: 1,
    name: 'VIP',
    description: 'Ring everything, then voicemail',
    nodes: [
      { id: 'start', type: 'incoming-call', position: { x: 0, y: 0 } },
      {
        id: 'ring',
        type: 'ring-devices',
        position: { x: 200, y: 0 },
        config: { devices: ['desk', 'cell'], timeoutSeconds: 25 },
        label: 'Ring all',
      },
      { id: 'vm', type: 'voicemail', position: { x: 400, y: 0 } },
      { id: 'done', type: 'hang-up', position: { x: 400, y: 100 } },
    ] as { id: string; type: string; position: object; config?: Record<string, unknown> }[],
    edges: [
      { id: 'e1', from: { node: 'start', pin: 'next' }, to: { node: 'ring' } },
      { from: { node: 'ring', pin: 'no-answer' }, to: { node: 'vm' } },
      { from: { node: 'ring', pin: 'answered' }, to: { node: 'done' } },
    ] as { id?: string; from: { node: string; pin: string }; to: { node: string } }[],
  };
}

function errorsOf(input: unknown, env?: { handlingCodes: string[] }) {
  const result = validateFlowMap(input, env === undefined ? {} : { env });
  if (result.ok) throw new Error('expected the map to be rejected');
  return result.errors;
}

describe('validateFlowMap with the element catalog', () => {
  it('accepts a good map and returns it as written', () => {
    const result = validateFlowMap(goodMap());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.map.nodes.map((n) => n.id)).toEqual(['start', 'ring', 'vm', 'done']);
    expect(result.map.nodes[0]?.config).toEqual({});
    expect(result.map.nodes[1]?.config).toEqual({ devices: ['desk', 'cell'], timeoutSeconds: 25 });
  });

  it('accepts the example VIP flow', () => {
    expect(validateFlowMap(VIP_EXAMPLE)).toMatchObject({ ok: true });
  });

  it('accepts a menu that loops back to itself: it waits for a key each time', () => {
    const map = goodMap();
    map.nodes.push({
      id: 'menu',
      type: 'menu',
      position: { x: 0, y: 100 },
      config: { prompt: [{ kind: 'tts', text: 'Press 1 to ring again' }], digits: ['1', '2'] },
    });
    map.edges.push({ from: { node: 'vm', pin: 'hung-up' }, to: { node: 'menu' } });
    map.edges.push({ from: { node: 'menu', pin: 'digit:1' }, to: { node: 'ring' } });
    map.edges.push({ from: { node: 'menu', pin: 'digit:2' }, to: { node: 'menu' } });
    expect(validateFlowMap(map)).toMatchObject({ ok: true });
  });

  it("checks configs against the element's schema, with the node concerned", () => {
    const map = goodMap();
    map.nodes[1]!.config = { devices: [], timeoutSeconds: 2, ring: 'loud' };
    expect(errorsOf(map)).toEqual([
      {
        path: 'nodes[1].config.devices',
        message: expect.stringContaining('list at least one device') as string,
        node: 'ring',
      },
      {
        path: 'nodes[1].config.timeoutSeconds',
        message: 'must be at least 5 seconds',
        node: 'ring',
      },
      {
        path: 'nodes[1].config.ring',
        message: 'unknown key (expected one of: devices, mode, timeoutSeconds)',
        node: 'ring',
      },
    ]);
  });

  it('refuses pins an element does not have, and wants its required pins connected', () => {
    const map = goodMap();
    map.edges[1] = { from: { node: 'ring', pin: 'nobody-home' }, to: { node: 'vm' } };
    expect(errorsOf(map)).toEqual([
      {
        path: 'edges[1].from.pin',
        message:
          'node "ring" has no pin "nobody-home"; the pins of a ring-devices node here are: answered, no-answer, busy, failed',
        node: 'ring',
        pin: 'nobody-home',
      },
      {
        path: 'nodes[1]',
        message: 'pin "no-answer" (No answer) of node "ring" must be connected to the next step',
        node: 'ring',
        pin: 'no-answer',
      },
    ]);
  });

  it("takes Match caller's pins from the user's handling codes", () => {
    const map = goodMap();
    map.nodes.push({ id: 'who', type: 'match-caller', position: { x: 100, y: 100 } });
    map.edges[0] = { from: { node: 'start', pin: 'next' }, to: { node: 'who' } };
    for (const pin of ['code:VIP', 'known-no-code', 'unknown', 'anonymous']) {
      map.edges.push({ from: { node: 'who', pin }, to: { node: 'ring' } });
    }
    expect(validateFlowMap(map, { env: { handlingCodes: ['VIP', 'FAMILY'] } }).ok).toBe(true);
    expect(errorsOf(map, { handlingCodes: ['FAMILY'] })).toEqual([
      {
        path: 'edges[3].from.pin',
        message:
          'node "who" has no pin "code:VIP"; the pins of a match-caller node here are: code:FAMILY, known-no-code, unknown, anonymous',
        node: 'who',
        pin: 'code:VIP',
      },
    ]);
  });

  it('refuses a loop of elements that never wait', () => {
    const map = goodMap();
    map.nodes.push(
      {
        id: 'count',
        type: 'set-variable',
        position: { x: 0, y: 200 },
        config: { assignments: [{ name: 'n', value: '{{vars.n}}x' }] },
      },
      {
        id: 'check',
        type: 'switch',
        position: { x: 200, y: 200 },
        config: {
          value: 'variable',
          field: 'n',
          cases: [{ id: 'enough', match: { kind: 'equals', value: 'xxx' } }],
        },
      },
    );
    map.edges[0] = { from: { node: 'start', pin: 'next' }, to: { node: 'count' } };
    map.edges.push({ from: { node: 'count', pin: 'next' }, to: { node: 'check' } });
    map.edges.push({ from: { node: 'check', pin: 'enough' }, to: { node: 'ring' } });
    map.edges.push({ from: { node: 'check', pin: 'default' }, to: { node: 'count' } });
    const loops = errorsOf(map).filter((e) => e.message.includes('loop'));
    expect(loops).toEqual([
      {
        path: 'nodes[4]',
        message: expect.stringMatching(
          /^nodes "count", "check" form a loop with no element that waits/,
        ) as string,
        node: 'count',
      },
    ]);
  });

  it('reports shape problems with their paths', () => {
    const map = goodMap() as Record<string, unknown>;
    map.schemaVersion = 2;
    map.nodez = [];
    const nodes = map.nodes as Record<string, unknown>[];
    delete nodes[1]!.position;
    nodes[2]!.id = 42;
    const errors = errorsOf(map);
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: 'schemaVersion', message: 'must be 1 (the only version so far)' },
        { path: 'nodez', message: 'unknown key (did you mean "nodes"?)' },
        { path: 'nodes[1].position', message: 'required' },
        { path: 'nodes[2].id', message: 'expected text, got a number' },
      ]),
    );
    expect(errors).toHaveLength(4);
  });

  it('rejects something that is not a map at all', () => {
    expect(errorsOf('hello')).toEqual([{ path: '', message: 'expected a mapping, got text' }]);
    expect(errorsOf(null)[0]?.message).toBe('expected a mapping, got null');
  });

  it('names the known element types when a type is unknown', () => {
    const map = goodMap();
    map.nodes[2]!.type = 'voicemial';
    const [error, ...rest] = errorsOf(map);
    expect(rest).toEqual([]);
    expect(error?.path).toBe('nodes[2].type');
    expect(error?.node).toBe('vm');
    expect(error?.message).toContain('unknown element type "voicemial"');
    for (const type of KNOWN_ELEMENT_TYPES) expect(error?.message).toContain(type);
  });

  it('rejects misspelt keys inside nodes and edges', () => {
    const map = goodMap() as unknown as { nodes: object[]; edges: object[] };
    map.nodes[0] = { ...map.nodes[0], lable: 'x' };
    map.edges[0] = { from: { node: 'start', pin: 'next' }, to: { node: 'ring', pin: 'in' } };
    expect(errorsOf(map)).toEqual([
      { path: 'nodes[0].lable', message: 'unknown key (did you mean "label"?)' },
      { path: 'edges[0].to.pin', message: 'unknown key (expected one of: node)' },
    ]);
  });
});

describe('known element types', () => {
  it('are the catalog, in palette order', () => {
    expect(KNOWN_ELEMENT_TYPES).toEqual(ELEMENTS.map((e) => e.type));
    expect(KNOWN_ELEMENT_TYPES).toHaveLength(20);
    expect(isKnownElementType('ring-devices')).toBe(true);
    expect(isKnownElementType('ring-device')).toBe(false);
  });
});
