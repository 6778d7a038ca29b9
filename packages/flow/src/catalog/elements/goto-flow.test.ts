import { describe, expect, it } from 'vitest';
import { gotoFlowElement } from './goto-flow.js';
import { contextFor } from './test-support.js';

describe('goto-flow element', () => {
  it('takes a flow id or a built-in template', () => {
    expect(gotoFlowElement.config.parse({ flow: 'after-hours' })).toEqual({ flow: 'after-hours' });
    expect(gotoFlowElement.config.parse({ flow: ' vip.v2 ' }).flow).toBe('vip.v2');
    expect(gotoFlowElement.config.parse({ flow: 'builtin:voicemail' }).flow).toBe(
      'builtin:voicemail',
    );
  });

  it('refuses a missing or malformed flow id', () => {
    for (const flow of [
      undefined,
      '',
      'After Hours',
      '-x',
      'a'.repeat(65),
      'builtin:',
      'other:x',
    ]) {
      const result = gotoFlowElement.config.safeParse({ flow });
      expect(result.success, String(flow)).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['flow']);
    }
  });

  it('has no pins, is an end element, and waits for nothing', () => {
    expect(gotoFlowElement.pins({ flow: 'x' }, { handlingCodes: [] })).toEqual([]);
    expect(gotoFlowElement.category).toBe('end');
    expect(gotoFlowElement.waits).toBe(false);
  });

  it('hands the call to the other flow without ending it', async () => {
    const outcome = await gotoFlowElement.run(contextFor({ flow: 'after-hours' }));
    expect(outcome.gotoFlow).toBe('after-hours');
    expect(outcome.ends).toBeUndefined();
    expect(outcome.detail).toEqual({ flow: 'after-hours' });
  });
});
