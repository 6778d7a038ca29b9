import { describe, expect, it } from 'vitest';
import { parseWithIssues } from '../../issues.js';
import { isCallerHungUp } from '../../runtime/caller-hung-up.js';
import { runElement, settleElement, simFacts } from '../../simulator/test-support.js';
import { MAX_RING_DEVICES, ringDevicesElement as element } from './ring-devices.js';

const issuesOf = (config: unknown) => {
  const parsed = parseWithIssues(element.config, config);
  return parsed.ok ? [] : parsed.issues;
};

describe('ring-devices: config', () => {
  it('rings every device at once for 20 seconds by default', () => {
    expect(element.config.parse({})).toEqual({
      devices: 'all',
      mode: 'simultaneous',
      timeoutSeconds: 20,
    });
    expect(
      element.config.parse({ devices: ['desk', 'cell'], mode: 'sequential', timeoutSeconds: 300 }),
    ).toEqual({ devices: ['desk', 'cell'], mode: 'sequential', timeoutSeconds: 300 });
  });

  it('rejects bad settings, naming the field', () => {
    expect(issuesOf({ timeoutSeconds: 4 })).toEqual([
      { path: 'timeoutSeconds', message: 'must be at least 5 seconds' },
    ]);
    expect(issuesOf({ timeoutSeconds: 301 })[0]?.message).toBe('must be at most 300 seconds');
    expect(issuesOf({ timeoutSeconds: 20.5 })[0]?.message).toBe(
      'must be a whole number of seconds',
    );
    expect(issuesOf({ mode: 'random' })[0]).toMatchObject({ path: 'mode' });
    expect(issuesOf({ devices: ['Desk!'] })[0]?.path).toMatch(/^devices/);
    expect(issuesOf({ devices: [] })[0]?.path).toMatch(/^devices/);
    expect(issuesOf({ devices: ['desk', 'desk'] })[0]?.path).toMatch(/^devices/);
    expect(issuesOf({ timeoutSecond: 20 })).toEqual([
      { path: 'timeoutSecond', message: 'unknown key (did you mean "timeoutSeconds"?)' },
    ]);
  });
});

describe('ring-devices: definition', () => {
  it('has answered and no-answer as required pins, busy and failed optional', () => {
    expect(element.pins(element.config.parse({}), { handlingCodes: [] })).toEqual([
      { id: 'answered', label: 'Answered', required: true },
      { id: 'no-answer', label: 'No answer', required: true },
      { id: 'busy', label: 'Busy', required: false },
      { id: 'failed', label: 'Failed', required: false },
    ]);
    expect(element).toMatchObject({
      type: 'ring-devices',
      category: 'telephony',
      waits: true,
      preconditions: [],
    });
  });

  it('allows one timeout at once, or one per device in turn, plus a margin', () => {
    const max = (config: unknown) => element.maxDurationMs(element.config.parse(config));
    expect(max({})).toBe(25_000);
    expect(max({ devices: ['desk', 'cell'], mode: 'sequential', timeoutSeconds: 30 })).toBe(65_000);
    expect(max({ mode: 'sequential' })).toBe(MAX_RING_DEVICES * 20_000 + 5000);
  });
});

describe('ring-devices: run', () => {
  it('rings all devices at once and connects the first to answer', async () => {
    const run = await runElement(
      element,
      {},
      { script: { ringing: { 'device:alice/desk': { outcome: 'answer', afterSeconds: 4 } } } },
    );
    expect(run.outcome).toEqual({
      pin: 'answered',
      detail: { devices: ['desk', 'cell'], mode: 'simultaneous', answeredBy: 'desk' },
    });
    expect(run.elapsedMs).toBe(4000);
    expect(run.call.answered).toBe(true);
    expect(run.call.actions.map((a) => a.op)).toEqual(['progress', 'ring']);
    expect(run.call.actionsOf('ring')[0]).toMatchObject({
      targets: ['device:alice/desk', 'device:alice/cell'],
      mode: 'simultaneous',
      timeoutSeconds: 20,
    });
  });

  it('transfers a caller a menu already answered, without ringback', async () => {
    const run = await runElement(
      element,
      {},
      {
        answered: true,
        script: { ringing: { 'device:alice/cell': { outcome: 'answer', afterSeconds: 2 } } },
      },
    );
    expect(run.outcome.pin).toBe('answered');
    expect(run.call.actions.map((a) => a.op)).toEqual(['answer', 'ring']);
  });

  it('rings listed devices one after the other in the listed order', async () => {
    const run = await runElement(
      element,
      { devices: ['cell', 'desk'], mode: 'sequential', timeoutSeconds: 10 },
      { script: { ringing: { 'device:desk': { outcome: 'answer', afterSeconds: 2 } } } },
    );
    expect(run.outcome).toMatchObject({ pin: 'answered', detail: { answeredBy: 'desk' } });
    expect(run.elapsedMs).toBe(12_000);
    expect(run.call.actionsOf('ring')[0]?.targets).toEqual([
      'device:alice/cell',
      'device:alice/desk',
    ]);
  });

  it('leaves by no-answer after the timeout, busy when every device is busy, failed with the reason', async () => {
    const none = await runElement(element, { timeoutSeconds: 30 });
    expect(none.outcome.pin).toBe('no-answer');
    expect(none.elapsedMs).toBe(30_000);
    expect(none.call.answered).toBe(false);

    const busy = await runElement(element, {}, { script: { defaultRinging: { outcome: 'busy' } } });
    expect(busy.outcome.pin).toBe('busy');

    const failed = await runElement(
      element,
      { devices: ['desk'] },
      { script: { defaultRinging: { outcome: 'fail', detail: 'not registered' } } },
    );
    expect(failed.outcome).toEqual({
      pin: 'failed',
      detail: {
        devices: ['desk'],
        mode: 'simultaneous',
        error: 'device:alice/desk: not registered',
      },
    });
  });

  it('fails without ringing when a listed device is not the user’s', async () => {
    const run = await runElement(element, { devices: ['desk', 'pager', 'fax'] });
    expect(run.outcome).toEqual({
      pin: 'failed',
      detail: { error: 'alice has no device "pager", "fax"', known: ['desk', 'cell'] },
    });
    expect(run.call.actions).toEqual([]);
  });

  it('fails when the user has no devices at all', async () => {
    const run = await runElement(element, {}, { facts: simFacts({ user: { devices: [] } }) });
    expect(run.outcome).toEqual({
      pin: 'failed',
      detail: { error: 'alice has no devices to ring' },
    });
  });

  it('lets a hang-up through and cancels the ringing', async () => {
    const run = await settleElement(element, {}, { script: { hangUpAfterSeconds: 8 } });
    expect('error' in run && isCallerHungUp(run.error)).toBe(true);
    expect(run.elapsedMs).toBe(8000);
    expect(run.call.actionsOf('ring')[0]?.result).toBe('cancelled');
  });

  it('lets an override through with its reason and cancels the ringing', async () => {
    const reason = new Error('override: voicemail');
    const run = await settleElement(
      element,
      {},
      {
        abortAfterMs: 3000,
        abortReason: reason,
        script: { defaultRinging: { outcome: 'answer', afterSeconds: 10 } },
      },
    );
    expect(run).toMatchObject({ error: reason, elapsedMs: 3000 });
    expect(run.call.answered).toBe(false);
    expect(run.call.actionsOf('ring')[0]?.legs.map((l) => l.outcome)).toEqual([
      'cancelled',
      'cancelled',
    ]);
  });
});
