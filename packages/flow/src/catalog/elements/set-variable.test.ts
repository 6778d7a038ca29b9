import { describe, expect, it } from 'vitest';
import { setVariableElement } from './set-variable.js';
import { contextFor, factsFor } from './test-support.js';
import { MAX_VARIABLE_LENGTH } from './variables.js';

const env = { handlingCodes: [] };
const parse = (raw: unknown) => setVariableElement.config.parse(raw);
const issuesOf = (raw: unknown) =>
  (setVariableElement.config.safeParse(raw).error?.issues ?? []).map((i) => i.path.join('.'));

describe('set-variable element', () => {
  describe('config', () => {
    it('accepts assignments with valid names', () => {
      const config = parse({
        assignments: [
          { name: 'account', value: '{{contact.fields.X-ACCOUNT}}' },
          { name: '_x9', value: '' },
          { name: `a${'b'.repeat(31)}`, value: 'long name' },
        ],
      });
      expect(config.assignments).toHaveLength(3);
    });

    it('refuses bad names, missing values and an empty list', () => {
      expect(issuesOf({})).toEqual(['assignments']);
      expect(issuesOf({ assignments: [] })).toEqual(['assignments']);
      for (const name of ['9lives', 'has-dash', 'a.b', '', `a${'b'.repeat(32)}`, '__proto__']) {
        expect(issuesOf({ assignments: [{ name, value: 'x' }] }), name).toEqual([
          'assignments.0.name',
        ]);
      }
      expect(issuesOf({ assignments: [{ name: 'x' }] })).toEqual(['assignments.0.value']);
      expect(issuesOf({ assignments: [{ name: 'x', value: 'y', type: 'string' }] })).toEqual([
        'assignments.0',
      ]);
    });
  });

  it('has one required next pin', () => {
    expect(
      setVariableElement.pins(parse({ assignments: [{ name: 'a', value: '' }] }), env),
    ).toEqual([{ id: 'next', label: 'Next', required: true }]);
  });

  it('renders templates from the call and returns the variables it set', async () => {
    const config = parse({
      assignments: [
        { name: 'who', value: '{{contact.firstName}} at {{caller.number}}' },
        { name: 'account', value: '{{contact.fields.X-ACCOUNT}}' },
        { name: 'missing', value: '[{{contact.fields.nothing}}]' },
      ],
    });
    const outcome = await setVariableElement.run(
      contextFor(config, {
        facts: factsFor({ callerNumber: '+12025550999' }),
        variables: { old: 'kept' },
      }),
    );
    expect(outcome).toEqual({
      pin: 'next',
      variables: { who: 'Ada at +12025550999', account: 'A-1001', missing: '[]' },
      detail: { set: ['who', 'account', 'missing'] },
    });
  });

  it('lets each assignment see the ones before it, and the last of a name win', async () => {
    const config = parse({
      assignments: [
        { name: 'a', value: 'one' },
        { name: 'b', value: '{{vars.a}}-two' },
        { name: 'a', value: '{{vars.b}}-three' },
      ],
    });
    const outcome = await setVariableElement.run(contextFor(config, { variables: { a: 'zero' } }));
    expect(outcome.variables).toEqual({ a: 'one-two-three', b: 'one-two' });
  });

  it('reads the current variables, own properties only', async () => {
    const config = parse({
      assignments: [
        { name: 'greeting', value: 'Hi {{vars.name}}' },
        { name: 'odd', value: '[{{vars.constructor}}{{vars.toString}}]' },
      ],
    });
    const outcome = await setVariableElement.run(
      contextFor(config, { variables: { name: 'Ada' } }),
    );
    expect(outcome.variables).toEqual({ greeting: 'Hi Ada', odd: '[]' });
  });

  it('cuts values that grow past the limit', async () => {
    const config = parse({ assignments: [{ name: 'x', value: '{{vars.x}}{{vars.x}}' }] });
    const half = 'y'.repeat(MAX_VARIABLE_LENGTH - 10);
    const outcome = await setVariableElement.run(contextFor(config, { variables: { x: half } }));
    expect(outcome.variables?.x).toBe(`${half}${half}`.slice(0, MAX_VARIABLE_LENGTH));
  });
});
