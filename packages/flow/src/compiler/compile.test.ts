import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAKE_CATALOG, fakeMap } from '../test-support/fake-catalog.js';
import { FlowCompileError, compileFlowMap } from './compile.js';
import { frozenJson } from './frozen-json.js';

const options = { catalog: FAKE_CATALOG };

/** start -> ring -> (no-answer) pick -> a: ring again, b: end; ring busy -> end. */
function loopingMap() {
  const map = fakeMap();
  map.nodes.push({ id: 'pick', type: 'decide', position: { x: 300, y: 100 } });
  map.edges[1] = { from: { node: 'ring', pin: 'no-answer' }, to: { node: 'pick' } };
  map.edges.push({ from: { node: 'pick', pin: 'a' }, to: { node: 'ring' } });
  map.edges.push({ from: { node: 'pick', pin: 'b' }, to: { node: 'end' } });
  return map;
}

describe('compileFlowMap', () => {
  it('builds the state table: parsed configs with defaults, transitions by pin, the start', () => {
    const map = loopingMap();
    delete map.nodes[1]!.config;
    expect(compileFlowMap(map, options)).toEqual({
      format: 1,
      name: 'Fake',
      start: 'start',
      states: {
        start: { id: 'start', type: 'incoming-call', config: {}, transitions: { next: 'ring' } },
        ring: {
          id: 'ring',
          type: 'ring',
          config: { timeoutSeconds: 20 },
          // `answered` is not connected: absent, so the runtime ends the call there.
          transitions: { 'no-answer': 'pick', busy: 'end' },
        },
        end: { id: 'end', type: 'end', config: {}, transitions: {} },
        pick: {
          id: 'pick',
          type: 'decide',
          config: { values: ['a', 'b'] },
          transitions: { a: 'ring', b: 'end' },
        },
      },
    });
  });

  it('lists transitions in the order of the element pins, whatever the order of edges', () => {
    const map = loopingMap();
    map.edges.reverse();
    expect(Object.keys(compileFlowMap(map, options).states.ring?.transitions ?? {})).toEqual([
      'no-answer',
      'busy',
    ]);
  });

  it('is deterministic and plain JSON', () => {
    const one = compileFlowMap(loopingMap(), options);
    const two = compileFlowMap(loopingMap(), options);
    expect(two).toEqual(one);
    expect(JSON.stringify(two)).toBe(JSON.stringify(one));
    expect(JSON.parse(JSON.stringify(one))).toEqual(one);
  });

  it('freezes the whole table, configs included', () => {
    const compiled = compileFlowMap(loopingMap(), options);
    expect(Object.isFrozen(compiled)).toBe(true);
    expect(Object.isFrozen(compiled.states)).toBe(true);
    const pick = compiled.states.pick!;
    expect(Object.isFrozen(pick)).toBe(true);
    expect(Object.isFrozen(pick.transitions)).toBe(true);
    expect(Object.isFrozen(pick.config)).toBe(true);
    expect(Object.isFrozen((pick.config as { values: string[] }).values)).toBe(true);
    expect(() => {
      (pick.transitions as Record<string, string>).a = 'end';
    }).toThrow(TypeError);
  });

  it('shares nothing with the map it was given', () => {
    const map = loopingMap();
    const values = ['a', 'b'];
    map.nodes[3]!.config = { values };
    const compiled = compileFlowMap(map, options);
    values.push('c');
    expect(compiled.states.pick?.config).toEqual({ values: ['a', 'b'] });
  });

  it('refuses an invalid map with a typed error carrying every issue', () => {
    const map = loopingMap();
    map.nodes[1]!.config = { timeoutSeconds: -1 };
    map.edges.pop();
    let error: unknown;
    try {
      compileFlowMap(map, options);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FlowCompileError);
    const issues = (error as FlowCompileError).issues;
    expect(issues.map((i) => [i.path, i.node, i.pin])).toEqual([
      ['nodes[1].config.timeoutSeconds', 'ring', undefined],
      ['nodes[3]', 'pick', 'b'],
    ]);
    expect((error as Error).message).toBe(
      'the flow map is not valid: nodes[1].config.timeoutSeconds: Too small: expected number to be >=1 (and 1 more)',
    );
  });

  it('compiles with the pins of the user it is given', () => {
    const map = fakeMap();
    map.nodes.push({ id: 'who', type: 'codes', position: { x: 0, y: 0 } });
    map.edges[0] = { from: { node: 'start', pin: 'next' }, to: { node: 'who' } };
    map.edges.push({ from: { node: 'who', pin: 'VIP' }, to: { node: 'end' } });
    map.edges.push({ from: { node: 'who', pin: 'other' }, to: { node: 'ring' } });
    expect(() => compileFlowMap(map, options)).toThrow(FlowCompileError);
    const compiled = compileFlowMap(map, { ...options, env: { handlingCodes: ['VIP'] } });
    expect(compiled.states.who?.transitions).toEqual({ VIP: 'end', other: 'ring' });
  });
});

describe('compileFlowMap with the element catalog', () => {
  it('compiles the example VIP flow with every default filled in', () => {
    const vip: unknown = JSON.parse(
      readFileSync(new URL('../../../../examples/flows/vip.json', import.meta.url), 'utf8'),
    );
    const compiled = compileFlowMap(vip);
    expect(compiled.start).toBe('start');
    expect(compiled.states.notify).toMatchObject({
      type: 'notify-desktop',
      config: {
        timeoutSeconds: 10,
        choices: [
          { id: 'accept', kind: 'accept' },
          { id: 'voicemail', kind: 'voicemail' },
        ],
      },
      transitions: { accept: 'ring', voicemail: 'voicemail', timeout: 'ring' },
    });
    expect(compiled.states.ring?.config).toEqual({
      devices: 'all',
      mode: 'simultaneous',
      timeoutSeconds: 30,
    });
    expect(JSON.parse(JSON.stringify(compiled))).toEqual(compiled);
  });
});

describe('frozenJson', () => {
  it('copies JSON data and leaves out undefined keys', () => {
    const source = { a: [1, { b: 'x', c: undefined }], d: null, e: true };
    const copy = frozenJson(source, 'config');
    expect(copy).toStrictEqual({ a: [1, { b: 'x' }], d: null, e: true });
    expect(copy).not.toBe(source);
  });

  it('names where a value cannot be JSON', () => {
    expect(() => frozenJson({ when: new Date(0) }, 'nodes.x.config')).toThrow(
      'nodes.x.config.when: a [object Date] cannot be stored as JSON',
    );
    expect(() => frozenJson({ list: [Number.NaN] }, 'c')).toThrow(
      'c.list[0]: NaN cannot be stored as JSON',
    );
    expect(() => frozenJson(() => 1, 'c')).toThrow('c: a function cannot be stored as JSON');
  });
});
