import { describe, expect, it } from 'vitest';
import { SessionModification } from './session-modification.js';

describe('SessionModification (glare, RFC 3261 §14, RFC 3311 §5.2)', () => {
  it('lets one modification run at a time and says how to refuse a second one', () => {
    const state = new SessionModification();
    expect(state.refusal()).toBeUndefined();
    expect(state.beginLocal()).toBe(true);
    expect(state.state).toBe('local');
    // Ours is under way: theirs crosses it (glare) → 491.
    expect(state.refusal()).toEqual({ status: 491 });
    expect(state.beginRemote()).toBe(false);
    state.end();
    expect(state.beginRemote()).toBe(true);
    // Theirs is not answered yet: another one gets 500 with a Retry-After of 0-10 s.
    expect(state.refusal(() => 0.999)).toEqual({ status: 500, retryAfter: 10 });
    expect(state.refusal(() => 0)).toEqual({ status: 500, retryAfter: 0 });
    expect(state.beginLocal()).toBe(false);
    state.end();
    expect(state.state).toBe('idle');
  });
});
