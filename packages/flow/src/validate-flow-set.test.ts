import { describe, expect, it } from 'vitest';
import { FlowMapSchema, type FlowMap } from './flow-map.js';
import { FAKE_CATALOG } from './test-support/fake-catalog.js';
import { validateFlowSet } from './validate-flow-set.js';

/** A flow that goes to each of `targets` in turn (decide picks one), via goto-flow nodes. */
function flowGoingTo(...targets: string[]): FlowMap {
  const nodes: object[] = [{ id: 'start', type: 'incoming-call', position: { x: 0, y: 0 } }];
  const edges: object[] = [];
  if (targets.length === 0) {
    nodes.push({ id: 'end', type: 'end', position: { x: 200, y: 0 } });
    edges.push({ from: { node: 'start', pin: 'next' }, to: { node: 'end' } });
  } else {
    const values = targets.map((_, i) => `t${String(i)}`);
    nodes.push({ id: 'pick', type: 'decide', position: { x: 200, y: 0 }, config: { values } });
    edges.push({ from: { node: 'start', pin: 'next' }, to: { node: 'pick' } });
    targets.forEach((flow, i) => {
      nodes.push({
        id: `go${String(i)}`,
        type: 'goto-flow',
        position: { x: 400, y: i * 100 },
        config: { flow },
      });
      edges.push({ from: { node: 'pick', pin: `t${String(i)}` }, to: { node: `go${String(i)}` } });
    });
  }
  return FlowMapSchema.parse({ schemaVersion: 1, name: 'test', nodes, edges });
}

const check = (maps: Record<string, FlowMap>) => validateFlowSet(maps, { catalog: FAKE_CATALOG });

describe('validateFlowSet', () => {
  it('accepts flows that go to other flows and to built-in templates', () => {
    expect(
      check({
        main: flowGoingTo('vip', 'builtin:voicemail', 'builtin:forward:cell'),
        vip: flowGoingTo('plain'),
        plain: flowGoingTo(),
      }),
    ).toEqual({ ok: true });
  });

  it('reports a Go to a flow that is not in the set, on its node', () => {
    expect(check({ main: flowGoingTo('vip', 'gone'), vip: flowGoingTo() })).toEqual({
      ok: false,
      errors: [
        {
          flow: 'main',
          node: 'go1',
          path: 'nodes[3].config.flow',
          message: `goes to flow "gone", which is not one of the user's flows (main, vip)`,
        },
      ],
    });
  });

  it('reports a Go to a built-in template that does not exist', () => {
    const result = check({ main: flowGoingTo('builtin:busy', 'builtin:forward') });
    expect(result.ok ? [] : result.errors.map((e) => [e.node, e.message])).toEqual([
      [
        'go0',
        expect.stringMatching(/^unknown builtin "builtin:busy"; the builtins are /) as string,
      ],
      ['go1', expect.stringMatching(/^"builtin:forward" needs a deviceId/) as string],
    ]);
  });

  it('reports flows that go to each other in a cycle, on every Go to of the cycle', () => {
    const result = check({
      a: flowGoingTo('b'),
      b: flowGoingTo('c', 'done'),
      c: flowGoingTo('a'),
      done: flowGoingTo(),
    });
    expect(result.ok ? [] : result.errors).toEqual([
      {
        flow: 'a',
        node: 'go0',
        path: 'nodes[2].config.flow',
        message:
          'goes to flow "b", which comes back here (a -> b -> c -> a); flows must not go to each other in a cycle',
      },
      {
        flow: 'b',
        node: 'go0',
        path: 'nodes[2].config.flow',
        message:
          'goes to flow "c", which comes back here (b -> c -> a -> b); flows must not go to each other in a cycle',
      },
      {
        flow: 'c',
        node: 'go0',
        path: 'nodes[2].config.flow',
        message:
          'goes to flow "a", which comes back here (c -> a -> b -> c); flows must not go to each other in a cycle',
      },
    ]);
  });

  it('reports a flow that goes to itself', () => {
    const result = check({ loop: flowGoingTo('other', 'loop'), other: flowGoingTo() });
    expect(result.ok ? [] : result.errors).toEqual([
      {
        flow: 'loop',
        node: 'go1',
        path: 'nodes[3].config.flow',
        message:
          'goes to flow "loop", which comes back here (loop -> loop); flows must not go to each other in a cycle',
      },
    ]);
  });

  it("leaves a Go to with a broken config to the map's own validation", () => {
    const map = flowGoingTo('x');
    map.nodes[2]!.config = { flow: '' };
    expect(check({ main: map })).toEqual({ ok: true });
  });

  it('works with the real catalog', () => {
    const real = (target: string) =>
      FlowMapSchema.parse({
        schemaVersion: 1,
        name: target,
        nodes: [
          { id: 'start', type: 'incoming-call', position: { x: 0, y: 0 } },
          { id: 'go', type: 'goto-flow', position: { x: 200, y: 0 }, config: { flow: target } },
        ],
        edges: [{ from: { node: 'start', pin: 'next' }, to: { node: 'go' } }],
      });
    expect(validateFlowSet({ a: real('b'), b: real('builtin:voicemail') })).toEqual({ ok: true });
    const cycle = validateFlowSet({ a: real('b'), b: real('a') });
    expect(cycle.ok ? [] : cycle.errors.map((e) => [e.flow, e.node, e.path])).toEqual([
      ['a', 'go', 'nodes[1].config.flow'],
      ['b', 'go', 'nodes[1].config.flow'],
    ]);
  });
});
