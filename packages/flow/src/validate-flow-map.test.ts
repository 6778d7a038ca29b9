import { describe, expect, it } from 'vitest';
import { KNOWN_ELEMENT_TYPES } from './known-elements.js';
import { validateFlowMap } from './validate-flow-map.js';

/** A small but complete flow: ring the desk, voicemail when nobody answers. */
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
    ],
    edges: [
      { id: 'e1', from: { node: 'start', pin: 'next' }, to: { node: 'ring' } },
      { from: { node: 'ring', pin: 'no-answer' }, to: { node: 'vm' } },
      { from: { node: 'ring', pin: 'busy' }, to: { node: 'vm' } },
    ],
  };
}

function errorsOf(input: unknown) {
  const result = validateFlowMap(input);
  if (result.ok) throw new Error('expected the map to be rejected');
  return result.errors;
}

describe('validateFlowMap', () => {
  it('accepts a good map and fills config defaults', () => {
    const result = validateFlowMap(goodMap());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.map.nodes.map((n) => n.id)).toEqual(['start', 'ring', 'vm']);
    expect(result.map.nodes[0]?.config).toEqual({});
    expect(result.map.nodes[1]?.config).toEqual({ devices: ['desk', 'cell'], timeoutSeconds: 25 });
  });

  it('accepts a map whose nodes form a loop back to an earlier node', () => {
    const map = goodMap();
    map.nodes.push({ id: 'menu', type: 'menu', position: { x: 0, y: 100 } });
    map.edges[2] = { from: { node: 'ring', pin: 'busy' }, to: { node: 'menu' } };
    map.edges.push({ from: { node: 'menu', pin: 'timeout' }, to: { node: 'menu' } });
    map.edges.push({ from: { node: 'menu', pin: '1' }, to: { node: 'ring' } });
    expect(validateFlowMap(map)).toMatchObject({ ok: true });
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

  it('reports duplicate ids, dangling edges, doubled pins and unreachable nodes together', () => {
    const map = goodMap();
    map.nodes.push({ id: 'ring', type: 'play', position: { x: 1, y: 1 } });
    map.nodes.push({ id: 'lonely', type: 'hang-up', position: { x: 2, y: 2 } });
    map.edges.push({ from: { node: 'ghost', pin: 'next' }, to: { node: 'vm' } });
    map.edges.push({ from: { node: 'vm', pin: 'done' }, to: { node: 'nowhere' } });
    map.edges.push({ id: 'e1', from: { node: 'ring', pin: 'no-answer' }, to: { node: 'start' } });
    expect(errorsOf(map)).toEqual([
      { path: 'nodes[3].id', message: 'duplicate node id "ring" (also nodes[1])' },
      { path: 'edges[3].from.node', message: 'no node with id "ghost"' },
      { path: 'edges[4].to.node', message: 'no node with id "nowhere"' },
      { path: 'edges[5].id', message: 'duplicate edge id "e1" (also edges[0])' },
      {
        path: 'edges[5].from.pin',
        message: 'pin "no-answer" of node "ring" already has an edge (edges[1])',
      },
      {
        path: 'nodes[4]',
        message: 'node "lonely" cannot be reached from the "incoming-call" node',
      },
    ]);
  });

  it('needs exactly one incoming-call node', () => {
    const none = goodMap();
    none.nodes[0]!.type = 'play';
    expect(errorsOf(none)).toEqual([
      { path: 'nodes', message: 'a flow needs one start node of type "incoming-call"' },
    ]);

    const two = goodMap();
    two.nodes.push({ id: 'start2', type: 'incoming-call', position: { x: 0, y: 0 } });
    expect(errorsOf(two)).toEqual(
      expect.arrayContaining([
        {
          path: 'nodes[3].type',
          message: 'a flow has exactly one "incoming-call" node (the first is nodes[0])',
        },
      ]),
    );
  });

  it('names the known element types when a type is unknown', () => {
    const map = goodMap();
    map.nodes[2]!.type = 'voicemial';
    const [error] = errorsOf(map);
    expect(error?.path).toBe('nodes[2].type');
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
