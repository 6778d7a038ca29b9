import { describe, expect, it } from 'vitest';
import { parseWithIssues } from '../../issues.js';
import { isCallerHungUp } from '../../runtime/caller-hung-up.js';
import { runElement, settleElement } from '../../simulator/test-support.js';
import { collectDigitsElement as element } from './collect-digits.js';
import type { PromptConfig } from './media-config.js';

const issuesOf = (config: unknown) => {
  const parsed = parseWithIssues(element.config, config);
  return parsed.ok ? [] : parsed.issues;
};

const ask: PromptConfig[] = [{ kind: 'tts', text: 'Your account number, {{contact.firstName}}?' }];

describe('collect-digits: config', () => {
  it('needs a variable; up to 10 keys, 10 s for the first and 5 s between by default', () => {
    expect(element.config.parse({ variable: 'account' })).toEqual({
      variable: 'account',
      maxDigits: 10,
      firstDigitTimeoutSeconds: 10,
      interDigitTimeoutSeconds: 5,
    });
    expect(
      element.config.parse({ variable: 'pin', prompt: ask, terminator: '#', maxDigits: 4 }),
    ).toMatchObject({
      terminator: '#',
      maxDigits: 4,
    });
  });

  it('rejects bad settings, naming the field', () => {
    expect(issuesOf({})).toEqual([{ path: 'variable', message: 'required' }]);
    expect(issuesOf({ variable: 'my account' })[0]?.path).toBe('variable');
    expect(issuesOf({ variable: '__proto__' })[0]?.path).toBe('variable');
    expect(issuesOf({ variable: 'a', maxDigits: 0 })[0]).toEqual({
      path: 'maxDigits',
      message: 'must be at least 1',
    });
    expect(issuesOf({ variable: 'a', maxDigits: 33 })[0]?.path).toBe('maxDigits');
    expect(issuesOf({ variable: 'a', terminator: 'enter' })[0]?.path).toBe('terminator');
    expect(issuesOf({ variable: 'a', firstDigitTimeoutSeconds: 121 })[0]?.path).toBe(
      'firstDigitTimeoutSeconds',
    );
    expect(issuesOf({ variable: 'a', interDigitTimeoutSeconds: 0 })[0]?.path).toBe(
      'interDigitTimeoutSeconds',
    );
    expect(issuesOf({ variable: 'a', prompt: [] })[0]?.path).toBe('prompt');
  });
});

describe('collect-digits: definition', () => {
  it('has a required next and an optional timeout pin', () => {
    const config = element.config.parse({ variable: 'a' });
    expect(element.pins(config, { handlingCodes: [] })).toEqual([
      { id: 'next', label: 'Next', required: true },
      { id: 'timeout', label: 'Nothing entered', required: false },
    ]);
    expect(element).toMatchObject({ category: 'media', waits: true, preconditions: ['answered'] });
    // 10 s for the first key, then 5 s for each of up to 10 keys, plus a margin.
    expect(element.maxDurationMs(config)).toBe(10_000 + 10 * 5_000 + 5_000);
  });
});

describe('collect-digits: run', () => {
  it('plays the prompt, takes a key that cuts it short and collects up to the end key', async () => {
    const run = await runElement(
      element,
      { variable: 'account', prompt: ask, terminator: '#' },
      { script: { keys: [{ digits: '1234#' }] } },
    );
    expect(run.outcome).toEqual({
      pin: 'next',
      detail: {
        variable: 'account',
        length: 4,
        ended: 'terminator',
        prompts: [{ kind: 'tts', text: 'Your account number, Ada?' }],
      },
      variables: { account: '1234' },
    });
    expect(run.call.actionsOf('collect')[0]?.request).toMatchObject({
      initial: '1',
      terminator: '#',
    });
    expect(run.elapsedMs).toBe(3000);
  });

  it('collects without a prompt up to the maximum', async () => {
    const run = await runElement(
      element,
      { variable: 'pin', maxDigits: 3 },
      { script: { keys: [{ digits: '98765' }] } },
    );
    expect(run.outcome).toEqual({
      pin: 'next',
      detail: { variable: 'pin', length: 3, ended: 'max-digits' },
      variables: { pin: '987' },
    });
    expect(run.call.actions.map((a) => a.op)).not.toContain('play');
  });

  it('keeps what was entered when the caller stops', async () => {
    const run = await runElement(
      element,
      { variable: 'pin', interDigitTimeoutSeconds: 2 },
      { script: { keys: [{ digits: '42' }] } },
    );
    expect(run.outcome).toMatchObject({
      pin: 'next',
      variables: { pin: '42' },
      detail: { ended: 'timeout' },
    });
    expect(run.elapsedMs).toBe(1500 + 2000);
  });

  it('leaves by timeout and empties the variable when nothing is entered', async () => {
    const run = await runElement(
      element,
      { variable: 'pin', firstDigitTimeoutSeconds: 7 },
      { variables: { pin: 'old value' } },
    );
    expect(run.outcome).toEqual({
      pin: 'timeout',
      detail: { variable: 'pin', length: 0, ended: 'timeout' },
      variables: { pin: '' },
    });
    expect(run.elapsedMs).toBe(7000);
  });

  it('counts only the end key as nothing entered', async () => {
    const run = await runElement(
      element,
      { variable: 'pin', prompt: ask, terminator: '#' },
      { script: { keys: [{ digits: '#' }] } },
    );
    expect(run.outcome).toMatchObject({
      pin: 'timeout',
      variables: { pin: '' },
      detail: { ended: 'terminator' },
    });
  });

  it('lets a hang-up through', async () => {
    const run = await settleElement(
      element,
      { variable: 'pin' },
      { script: { hangUpAfterSeconds: 2 } },
    );
    expect('error' in run && isCallerHungUp(run.error)).toBe(true);
  });
});
