import { describe, expect, it } from 'vitest';
import { hangUpElement } from './hang-up.js';
import { contextFor, recordingCall } from './test-support.js';

describe('hang-up element', () => {
  it('takes no settings', () => {
    expect(hangUpElement.config.safeParse({}).success).toBe(true);
    expect(hangUpElement.config.safeParse({ code: 486 }).success).toBe(false);
  });

  it('has no pins and no preconditions', () => {
    expect(hangUpElement.pins({}, { handlingCodes: [] })).toEqual([]);
    expect(hangUpElement.preconditions).toEqual([]);
    expect(hangUpElement.category).toBe('end');
  });

  it.each([false, true])('hangs up a call (answered: %s) and ends the flow', async (answered) => {
    const call = recordingCall({ answered });
    const outcome = await hangUpElement.run(contextFor({}, { call }));
    expect(call.operations).toEqual([{ op: 'hangUp', args: [] }]);
    expect(outcome.ends).toBe(true);
    expect(outcome.detail).toEqual({ answered });
  });

  it('lets a failure of the call through', async () => {
    const call = { ...recordingCall(), hangUp: () => Promise.reject(new Error('leg gone')) };
    await expect(hangUpElement.run(contextFor({}, { call }))).rejects.toThrow('leg gone');
  });
});
