import { describe, expect, it } from 'vitest';
import { parseWithIssues } from '../../issues.js';
import { isCallerHungUp } from '../../runtime/caller-hung-up.js';
import { runElement, settleElement, simFacts } from '../../simulator/test-support.js';
import { attendantElement as element } from './attendant.js';

describe('attendant: config and definition', () => {
  it('rings 20 seconds by default, 5 to 300', () => {
    expect(element.config.parse({})).toEqual({ timeoutSeconds: 20 });
    const bad = parseWithIssues(element.config, { timeoutSeconds: 2 });
    expect(bad).toEqual({
      ok: false,
      issues: [{ path: 'timeoutSeconds', message: 'must be at least 5 seconds' }],
    });
    expect(parseWithIssues(element.config, { attendant: 'frank' }).ok).toBe(false);
  });

  it('has answered and no-answer, both required', () => {
    const config = element.config.parse({});
    expect(element.pins(config, { handlingCodes: [] })).toEqual([
      { id: 'answered', label: 'Answered', required: true },
      { id: 'no-answer', label: 'No answer', required: true },
    ]);
    expect(element.maxDurationMs(config)).toBe(25_000);
    expect(element).toMatchObject({ category: 'telephony', waits: true, preconditions: [] });
  });
});

describe('attendant: run', () => {
  it('rings the attendant and connects them', async () => {
    const run = await runElement(
      element,
      {},
      { script: { ringing: { 'user:frank': { outcome: 'answer', afterSeconds: 3 } } } },
    );
    expect(run.outcome).toEqual({ pin: 'answered', detail: { attendant: 'frank' } });
    expect(run.call.bridgedTo).toEqual({ kind: 'user', userId: 'frank' });
    expect(run.call.actionsOf('ring')[0]).toMatchObject({
      targets: ['user:frank'],
      reason: 'attendant',
    });
  });

  it('leaves by no-answer when the attendant does not answer, is busy or cannot be reached', async () => {
    const none = await runElement(element, { timeoutSeconds: 15 });
    expect(none.outcome).toEqual({ pin: 'no-answer', detail: { attendant: 'frank' } });
    expect(none.elapsedMs).toBe(15_000);
    const busy = await runElement(element, {}, { script: { defaultRinging: { outcome: 'busy' } } });
    expect(busy.outcome).toEqual({
      pin: 'no-answer',
      detail: { attendant: 'frank', reason: 'busy' },
    });
    const failed = await runElement(
      element,
      {},
      { script: { defaultRinging: { outcome: 'fail', detail: 'offline' } } },
    );
    expect(failed.outcome).toEqual({
      pin: 'no-answer',
      detail: { attendant: 'frank', reason: 'failed', error: 'user:frank: offline' },
    });
  });

  it('leaves by no-answer at once, saying why, when the user has no attendant', async () => {
    const run = await runElement(element, {}, { facts: simFacts({ user: { attendantId: null } }) });
    expect(run.outcome).toEqual({ pin: 'no-answer', detail: { reason: 'alice has no attendant' } });
    expect(run.elapsedMs).toBe(0);
    expect(run.call.actions).toEqual([]);
  });

  it('lets a hang-up through', async () => {
    const run = await settleElement(element, {}, { script: { hangUpAfterSeconds: 4 } });
    expect('error' in run && isCallerHungUp(run.error)).toBe(true);
    expect(run.call.actionsOf('ring')[0]?.result).toBe('cancelled');
  });
});
