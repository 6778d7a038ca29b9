import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatIssuePath, joinIssuePath, parseWithIssues } from './issues.js';

describe('issue paths', () => {
  it('formats zod paths the way people read them', () => {
    expect(formatIssuePath(['nodes', 2, 'id'])).toBe('nodes[2].id');
    expect(formatIssuePath(['users', 0, 'handling', 'codes', 'VIP'])).toBe(
      'users[0].handling.codes.VIP',
    );
    expect(formatIssuePath(['contacts', 'Bob Boss'])).toBe('contacts["Bob Boss"]');
    expect(formatIssuePath([])).toBe('');
  });

  it('joins prefixes', () => {
    expect(joinIssuePath('users[0].flows[1].map', 'nodes[2].id')).toBe(
      'users[0].flows[1].map.nodes[2].id',
    );
    expect(joinIssuePath('a', '[3]')).toBe('a[3]');
    expect(joinIssuePath('', 'x')).toBe('x');
    expect(joinIssuePath('x', '')).toBe('x');
  });
});

describe('parseWithIssues', () => {
  const schema = z.strictObject({
    name: z.string(),
    count: z.number().int().optional(),
    tags: z.array(z.string()).min(1),
  });

  it('returns the parsed value', () => {
    expect(parseWithIssues(schema, { name: 'a', tags: ['x'] })).toEqual({
      ok: true,
      value: { name: 'a', tags: ['x'] },
    });
  });

  it('words every problem for people, under a path prefix', () => {
    expect(
      parseWithIssues(schema, { count: 'three', tags: [], colour: 'red', nmae: 'b' }, ['items', 4]),
    ).toEqual({
      ok: false,
      issues: [
        { path: 'items[4].name', message: 'required' },
        { path: 'items[4].count', message: 'expected a number, got text' },
        { path: 'items[4].tags', message: 'must hold at least 1 item(s)' },
        { path: 'items[4].colour', message: 'unknown key (expected one of: name, count, tags)' },
        { path: 'items[4].nmae', message: 'unknown key (did you mean "name"?)' },
      ],
    });
  });
});
