import { describe, expect, it } from 'vitest';
import { incomingCallElement } from './incoming-call.js';
import { contextFor, factsFor } from './test-support.js';

const env = { handlingCodes: ['VIP'] };

describe('incoming-call element', () => {
  it('takes no settings and refuses unknown keys', () => {
    expect(incomingCallElement.config.safeParse({}).success).toBe(true);
    const bad = incomingCallElement.config.safeParse({ greeting: 'hi' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  it('is the start element with one required pin', () => {
    expect(incomingCallElement.category).toBe('start');
    expect(incomingCallElement.pins({}, env)).toEqual([
      { id: 'next', label: 'Next', required: true },
    ]);
    expect(incomingCallElement.preconditions).toEqual([]);
    expect(incomingCallElement.waits).toBe(false);
  });

  it('leaves by next whoever calls', async () => {
    for (const callerKind of ['known', 'unknown', 'anonymous'] as const) {
      const outcome = await incomingCallElement.run(
        contextFor({}, { facts: factsFor({ callerKind }) }),
      );
      expect(outcome).toEqual({ pin: 'next' });
    }
  });
});
