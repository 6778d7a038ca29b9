import { describe, expect, it } from 'vitest';
import type { PinEnvironment } from '../catalog/element.js';
import type { FlowMapInput } from '../flow-map.js';
import { FAKE_CATALOG, fakeMap } from '../test-support/fake-catalog.js';
import { checkFlowMap } from './check-flow-map.js';
import { NO_PIN_ENVIRONMENT } from './element-catalog.js';

function check(input: unknown, env: PinEnvironment = NO_PIN_ENVIRONMENT) {
  return checkFlowMap(input, FAKE_CATALOG, env);
}

function errorsOf(input: unknown, env?: PinEnvironment) {
  const result = check(input, env);
  if (result.ok) throw new Error('expected the map to be rejected');
  return result.errors;
}

type Node = FlowMapInput['nodes'][number];
const node = (id: string, type: string, config?: Record<string, unknown>): Node => ({
  id,
  type,
  position: { x: 0, y: 0 },
  ...(config === undefined ? {} : { config }),
});
const edge = (from: string, pin: string, to: string) => ({
  from: { node: from, pin },
  to: { node: to },
});

describe('checkFlowMap', () => {
  it('accepts a good map, returns it as written and its parsed configs and pins', () => {
    const map = fakeMap();
    map.nodes.push(node('pick', 'decide'));
    map.edges[1] = edge('ring', 'no-answer', 'pick');
    map.edges.push(edge('pick', 'a', 'end'), edge('pick', 'b', 'end'));
    const result = check(map);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // The document keeps what the author wrote; the defaults live in the analysis.
    expect(result.map.nodes[3]?.config).toEqual({});
    const pick = result.analysis.nodes.get('pick');
    expect(pick?.config).toEqual({ valid: true, value: { values: ['a', 'b'] } });
    expect(pick?.pins?.map((p) => p.id)).toEqual(['a', 'b']);
    expect(result.analysis.start).toBe('start');
  });

  it('needs a start node', () => {
    const map = fakeMap();
    map.nodes[0]!.type = 'decide';
    map.nodes[0]!.config = { values: ['next'] };
    expect(errorsOf(map)).toEqual([
      { path: 'nodes', message: 'a flow needs one start node of type "incoming-call"' },
    ]);
  });

  it('refuses a second start node, naming it', () => {
    const map = fakeMap();
    map.nodes.push(node('again', 'incoming-call'));
    map.edges.push(edge('again', 'next', 'ring'));
    expect(errorsOf(map)).toEqual([
      {
        path: 'nodes[3].type',
        message: 'a flow has exactly one "incoming-call" node (the first is nodes[0])',
        node: 'again',
      },
      {
        path: 'nodes[3]',
        message: 'node "again" cannot be reached from the "incoming-call" node',
        node: 'again',
      },
    ]);
  });

  it('names the known element types when a type is unknown', () => {
    const map = fakeMap();
    map.nodes[2]!.type = 'ned';
    expect(errorsOf(map)).toEqual([
      {
        path: 'nodes[2].type',
        message:
          'unknown element type "ned"; known types: incoming-call, ring, decide, codes, goto-flow, end',
        node: 'end',
      },
    ]);
  });

  it("checks each node's config against its element's schema", () => {
    const map = fakeMap();
    map.nodes[1]!.config = { timeoutSeconds: 0, tiemout: 3 };
    expect(errorsOf(map)).toEqual([
      {
        path: 'nodes[1].config.timeoutSeconds',
        message: 'Too small: expected number to be >=1',
        node: 'ring',
      },
      {
        path: 'nodes[1].config.tiemout',
        message: 'unknown key (expected one of: timeoutSeconds)',
        node: 'ring',
      },
    ]);
  });

  it('does not report pin problems of a node whose config is broken (its pins are unknown)', () => {
    const map = fakeMap();
    map.nodes.push(node('pick', 'decide', { values: [] }));
    map.edges[2] = edge('ring', 'busy', 'pick');
    map.edges.push(edge('pick', 'whatever', 'end'));
    expect(errorsOf(map)).toEqual([
      {
        path: 'nodes[3].config.values',
        message: 'must hold at least 1 item(s)',
        node: 'pick',
      },
    ]);
  });

  it('refuses an edge from a pin the node does not have, listing the pins it has', () => {
    const map = fakeMap();
    map.edges.push(edge('ring', 'failed', 'end'));
    map.edges.push(edge('end', 'next', 'ring'));
    expect(errorsOf(map)).toEqual([
      {
        path: 'edges[3].from.pin',
        message:
          'node "ring" has no pin "failed"; the pins of a ring node here are: answered, no-answer, busy',
        node: 'ring',
        pin: 'failed',
      },
      {
        path: 'edges[4].from.pin',
        message: 'node "end" has no pin "next"; a end node has no output pins',
        node: 'end',
        pin: 'next',
      },
    ]);
  });

  it('derives pins from the config and from the user (handling codes)', () => {
    const map = fakeMap();
    map.nodes.push(node('pick', 'decide', { values: ['x'] }), node('who', 'codes'));
    map.edges[0] = edge('start', 'next', 'who');
    map.edges.push(edge('who', 'VIP', 'pick'), edge('who', 'other', 'ring'));
    map.edges.push(edge('pick', 'x', 'ring'));
    expect(check(map, { handlingCodes: ['VIP'] }).ok).toBe(true);
    expect(errorsOf(map)).toEqual([
      {
        path: 'edges[3].from.pin',
        message: 'node "who" has no pin "VIP"; the pins of a codes node here are: other',
        node: 'who',
        pin: 'VIP',
      },
    ]);
  });

  it('requires required pins to be connected, and lets optional ones end the call', () => {
    const map = fakeMap();
    map.edges.splice(2, 1); // ring busy
    // `answered` is optional and was never connected: no issue for it.
    expect(errorsOf(map)).toEqual([
      {
        path: 'nodes[1]',
        message: 'pin "busy" (BUSY) of node "ring" must be connected to the next step',
        node: 'ring',
        pin: 'busy',
      },
    ]);
  });

  it('refuses edges from and to missing nodes', () => {
    const map = fakeMap();
    map.edges.push(edge('ghost', 'next', 'end'));
    map.edges.push(edge('ring', 'answered', 'nowhere'));
    expect(errorsOf(map)).toEqual([
      { path: 'edges[3].from.node', message: 'no node with id "ghost"' },
      {
        path: 'edges[4].to.node',
        message: 'no node with id "nowhere"',
        node: 'ring',
        pin: 'answered',
      },
    ]);
  });

  it('refuses a second edge from the same pin', () => {
    const map = fakeMap();
    map.nodes.push(node('end2', 'end'));
    map.edges.push(edge('ring', 'busy', 'end2'));
    expect(errorsOf(map)).toEqual([
      {
        path: 'edges[3].from.pin',
        message: 'pin "busy" of node "ring" already has an edge (edges[2])',
        node: 'ring',
        pin: 'busy',
      },
    ]);
  });

  it('refuses duplicate node and edge ids', () => {
    const map = fakeMap();
    map.nodes.push(node('ring', 'end'));
    map.edges.push({ ...edge('ring', 'answered', 'end'), id: 'e1' });
    expect(errorsOf(map)).toEqual([
      { path: 'nodes[3].id', message: 'duplicate node id "ring" (also nodes[1])', node: 'ring' },
      { path: 'edges[3].id', message: 'duplicate edge id "e1" (also edges[0])' },
    ]);
  });

  it('reports nodes the start cannot reach', () => {
    const map = fakeMap();
    map.nodes.push(node('island', 'end'));
    expect(errorsOf(map)).toEqual([
      {
        path: 'nodes[3]',
        message: 'node "island" cannot be reached from the "incoming-call" node',
        node: 'island',
      },
    ]);
  });

  it('accepts a loop through an element that waits', () => {
    const map = fakeMap();
    map.nodes.push(node('pick', 'decide', { values: ['again', 'stop'] }));
    map.edges[1] = edge('ring', 'no-answer', 'pick');
    map.edges.push(edge('pick', 'again', 'ring'), edge('pick', 'stop', 'end'));
    expect(check(map).ok).toBe(true);
  });

  it('refuses a loop in which nothing waits, naming its nodes', () => {
    const map = fakeMap();
    map.nodes.push(
      node('p1', 'decide', { values: ['on', 'out'] }),
      node('p2', 'decide', { values: ['back'] }),
    );
    map.edges[0] = edge('start', 'next', 'p1');
    map.edges.push(edge('p1', 'on', 'p2'), edge('p2', 'back', 'p1'), edge('p1', 'out', 'ring'));
    expect(errorsOf(map)).toEqual([
      {
        path: 'nodes[3]',
        message:
          'nodes "p1", "p2" form a loop with no element that waits (such as ring devices, menu, ' +
          'play or notify desktop): the call would go round it without end',
        node: 'p1',
      },
    ]);
  });

  it('refuses a node that leads straight back to itself when it does not wait', () => {
    const map = fakeMap();
    map.nodes.push(node('p', 'decide', { values: ['again', 'out'] }));
    map.edges[0] = edge('start', 'next', 'p');
    map.edges.push(edge('p', 'again', 'p'), edge('p', 'out', 'ring'));
    const [error, ...rest] = errorsOf(map);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ path: 'nodes[3]', node: 'p' });
    expect(error?.message).toMatch(/^node "p" leads back to itself with no element that waits/);
  });

  it('finds an instant loop inside a larger loop that does wait', () => {
    // ring -> p1 -> p2 -> p1 (instant) and p2 -> ring (through the ring): only p1/p2 spin.
    const map = fakeMap();
    map.nodes.push(
      node('p1', 'decide', { values: ['on'] }),
      node('p2', 'decide', { values: ['back', 'ring'] }),
    );
    map.edges[1] = edge('ring', 'no-answer', 'p1');
    map.edges.push(edge('p1', 'on', 'p2'), edge('p2', 'back', 'p1'), edge('p2', 'ring', 'ring'));
    expect(errorsOf(map).map((e) => [e.path, e.node])).toEqual([['nodes[3]', 'p1']]);
  });

  it('reports every problem of a map at once', () => {
    const map = fakeMap();
    map.nodes[1]!.config = { timeoutSeconds: 'soon' };
    map.nodes.push(node('lonely', 'end'), node('x', 'mystery'));
    map.edges.push(edge('end', 'next', 'nowhere'));
    expect(errorsOf(map).map((e) => e.path)).toEqual([
      'nodes[1].config.timeoutSeconds',
      'nodes[4].type',
      'edges[3].from.pin',
      'edges[3].to.node',
      'nodes[3]',
      'nodes[4]',
    ]);
  });

  it('reports shape problems before anything else', () => {
    expect(errorsOf({ schemaVersion: 1, name: 'x', nodes: [{ id: 'a' }], edges: [] })).toEqual([
      { path: 'nodes[0].type', message: 'required' },
      { path: 'nodes[0].position', message: 'required' },
    ]);
  });
});
