import { describe, expect, it } from 'vitest';
import { parseWithIssues } from '../../issues.js';
import { isCallerHungUp } from '../../runtime/caller-hung-up.js';
import { runElement, settleElement } from '../../simulator/test-support.js';
import { forwardElement as element } from './forward.js';

const issuesOf = (config: unknown) => {
  const parsed = parseWithIssues(element.config, config);
  return parsed.ok ? [] : parsed.issues;
};

const toNumber = { to: { kind: 'number', number: '+12025550199' } } as const;

describe('forward: config', () => {
  it('forwards to a number or a user, ringing 30 seconds by default', () => {
    expect(element.config.parse(toNumber)).toEqual({ ...toNumber, timeoutSeconds: 30 });
    expect(
      element.config.parse({ to: { kind: 'user', userId: 'bob' }, timeoutSeconds: 45 }),
    ).toEqual({
      to: { kind: 'user', userId: 'bob' },
      timeoutSeconds: 45,
    });
  });

  it('needs a target and an E.164 number', () => {
    expect(issuesOf({})).toEqual([{ path: 'to', message: 'required' }]);
    for (const number of [
      '2025550199',
      '+1 202 555 0199',
      '+0123456789',
      '+12345',
      '+1234567890123456',
    ]) {
      expect(issuesOf({ to: { kind: 'number', number } })).toEqual([
        {
          path: 'to.number',
          message:
            'must be an international number in E.164 form: + and the country code, digits only (e.g. +12025550123)',
        },
      ]);
    }
    expect(issuesOf({ to: { kind: 'user', userId: 'Bob Smith' } })[0]?.path).toBe('to.userId');
    expect(issuesOf({ to: { kind: 'device', deviceId: 'desk' } })[0]?.path).toBe('to.kind');
    expect(issuesOf({ ...toNumber, timeoutSeconds: 1000 })[0]?.path).toBe('timeoutSeconds');
  });
});

describe('forward: definition', () => {
  it('has the four ring pins and a limit of the timeout plus a margin', () => {
    const config = element.config.parse(toNumber);
    expect(element.pins(config, { handlingCodes: [] }).map((p) => [p.id, p.required])).toEqual([
      ['answered', true],
      ['no-answer', true],
      ['busy', false],
      ['failed', false],
    ]);
    expect(element.maxDurationMs(config)).toBe(35_000);
    expect(element).toMatchObject({ category: 'telephony', waits: true, preconditions: [] });
  });
});

describe('forward: run', () => {
  it('rings the number with ringback and reports who answered', async () => {
    const run = await runElement(element, toNumber, {
      script: { ringing: { 'number:+12025550199': { outcome: 'answer', afterSeconds: 7 } } },
    });
    expect(run.outcome).toEqual({
      pin: 'answered',
      detail: { to: '+12025550199', answeredBy: '+12025550199' },
    });
    expect(run.elapsedMs).toBe(7000);
    expect(run.call.actions.map((a) => a.op)).toEqual(['progress', 'ring']);
    expect(run.call.actionsOf('ring')[0]).toMatchObject({
      targets: ['number:+12025550199'],
      reason: 'forward',
      timeoutSeconds: 30,
    });
  });

  it('rings every device of another user, without ringback once answered', async () => {
    const run = await runElement(
      element,
      { to: { kind: 'user', userId: 'bob' }, timeoutSeconds: 10 },
      { answered: true },
    );
    expect(run.outcome).toEqual({ pin: 'no-answer', detail: { to: 'user bob' } });
    expect(run.elapsedMs).toBe(10_000);
    expect(run.call.actions.map((a) => a.op)).toEqual(['answer', 'ring']);
    expect(run.call.actionsOf('ring')[0]?.targets).toEqual(['user:bob']);
  });

  it('leaves by busy and failed', async () => {
    const busy = await runElement(element, toNumber, {
      script: { defaultRinging: { outcome: 'busy' } },
    });
    expect(busy.outcome.pin).toBe('busy');
    const failed = await runElement(element, toNumber, {
      script: { defaultRinging: { outcome: 'fail', detail: 'trunk down' } },
    });
    expect(failed.outcome).toEqual({
      pin: 'failed',
      detail: { to: '+12025550199', error: 'number:+12025550199: trunk down' },
    });
  });

  it('lets a hang-up through', async () => {
    const run = await settleElement(element, toNumber, { script: { hangUpAfterSeconds: 2 } });
    expect('error' in run && isCallerHungUp(run.error)).toBe(true);
  });
});
