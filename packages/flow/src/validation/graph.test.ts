import { describe, expect, it } from 'vitest';
import { cyclicComponents, reachableFrom, stronglyConnectedComponents } from './graph.js';

function graph(edges: Record<string, string[]>) {
  return (vertex: string) => edges[vertex] ?? [];
}

describe('stronglyConnectedComponents', () => {
  it('groups vertices that reach each other, in the order of the vertex list', () => {
    const next = graph({ a: ['b'], b: ['c', 'e'], c: ['a'], d: ['d'], e: ['f'], f: ['e'] });
    expect(stronglyConnectedComponents(['a', 'b', 'c', 'd', 'e', 'f', 'g'], next)).toEqual([
      ['a', 'b', 'c'],
      ['d'],
      ['e', 'f'],
      ['g'],
    ]);
  });

  it('gives the same components whatever the order of successors', () => {
    const one = graph({ a: ['b', 'c'], b: ['a'], c: ['d'], d: ['c'] });
    const two = graph({ a: ['c', 'b'], b: ['a'], c: ['d'], d: ['c'] });
    const vertices = ['a', 'b', 'c', 'd'];
    expect(stronglyConnectedComponents(vertices, one)).toEqual(
      stronglyConnectedComponents(vertices, two),
    );
  });

  it('ignores edges to vertices outside the list', () => {
    expect(stronglyConnectedComponents(['a'], graph({ a: ['zz'] }))).toEqual([['a']]);
  });

  it('handles a very long chain and ring without recursion', () => {
    const size = 20_000;
    const vertices = Array.from({ length: size }, (_, i) => `n${String(i)}`);
    const chain = (v: string) => {
      const i = Number(v.slice(1));
      return i + 1 < size ? [`n${String(i + 1)}`] : [];
    };
    expect(stronglyConnectedComponents(vertices, chain)).toHaveLength(size);
    const ring = (v: string) => [`n${String((Number(v.slice(1)) + 1) % size)}`];
    expect(stronglyConnectedComponents(vertices, ring)).toEqual([vertices]);
  });
});

describe('cyclicComponents', () => {
  it('keeps components with more than one vertex and self-loops only', () => {
    const next = graph({ a: ['b'], b: ['a'], c: ['c'], d: ['a'] });
    expect(cyclicComponents(['a', 'b', 'c', 'd'], next)).toEqual([['a', 'b'], ['c']]);
  });
});

describe('reachableFrom', () => {
  it('walks edges from the start, loops included', () => {
    const next = graph({ a: ['b'], b: ['c', 'a'], x: ['a'] });
    expect([...reachableFrom('a', next)]).toEqual(['a', 'b', 'c']);
  });
});
