import { describe, expect, it } from 'vitest';
import { parseWithIssues } from '../../issues.js';
import { isCallerHungUp } from '../../runtime/caller-hung-up.js';
import { runElement, settleElement } from '../../simulator/test-support.js';
import type { PromptConfig } from './media-config.js';
import { menuElement as element } from './menu.js';

const issuesOf = (config: unknown) => {
  const parsed = parseWithIssues(element.config, config);
  return parsed.ok ? [] : parsed.issues;
};

/** 3 s of prompt: easy arithmetic with virtual time. */
const prompt: PromptConfig[] = [{ kind: 'silence', ms: 3000 }];
const sorry: PromptConfig[] = [{ kind: 'silence', ms: 1000 }];

describe('menu: config', () => {
  it('offers keys 1 and 2, waits 5 s, retries twice by default', () => {
    expect(element.config.parse({ prompt })).toEqual({
      prompt,
      digits: ['1', '2'],
      timeoutSeconds: 5,
      retries: 2,
    });
  });

  it('rejects bad settings, naming the field', () => {
    expect(issuesOf({})).toEqual([{ path: 'prompt', message: 'required' }]);
    expect(issuesOf({ prompt, digits: ['1', 'A'] })[0]).toEqual({
      path: 'digits[1]',
      message: 'must be one phone key: 0-9, * or #',
    });
    expect(issuesOf({ prompt, digits: ['1', '1'] })[0]).toEqual({
      path: 'digits',
      message: 'each key may be listed once',
    });
    expect(issuesOf({ prompt, digits: [] })[0]?.path).toBe('digits');
    expect(issuesOf({ prompt, retries: 6 })[0]).toEqual({
      path: 'retries',
      message: 'must be at most 5',
    });
    expect(issuesOf({ prompt, timeoutSeconds: 0 })[0]?.path).toBe('timeoutSeconds');
    expect(issuesOf({ prompt, invalidPrompt: [] })[0]?.path).toBe('invalidPrompt');
  });
});

describe('menu: definition', () => {
  it('has a required pin per key, labelled with the key, then optional timeout and invalid', () => {
    const config = element.config.parse({ prompt, digits: ['1', '*', '0', '#'] });
    expect(element.pins(config, { handlingCodes: [] })).toEqual([
      { id: 'digit:1', label: '1', required: true },
      { id: 'digit:*', label: '*', required: true },
      { id: 'digit:0', label: '0', required: true },
      { id: 'digit:#', label: '#', required: true },
      { id: 'timeout', label: 'No key', required: false },
      { id: 'invalid', label: 'Wrong key', required: false },
    ]);
    expect(element).toMatchObject({ category: 'media', waits: true, preconditions: ['answered'] });
  });

  it('allows every attempt its prompt, wait and apology', () => {
    const config = element.config.parse({
      prompt,
      retries: 1,
      timeoutSeconds: 4,
      invalidPrompt: sorry,
    });
    expect(element.maxDurationMs(config)).toBe(2 * (3000 + 4000 + 1000) + 5000);
  });
});

describe('menu: run', () => {
  it('takes a key pressed during the prompt at once', async () => {
    const run = await runElement(element, { prompt }, { script: { keys: [{ digits: '2' }] } });
    expect(run.outcome).toEqual({
      pin: 'digit:2',
      detail: { digit: '2', prompt },
      variables: { lastDigit: '2' },
    });
    expect(run.elapsedMs).toBe(1000);
    expect(run.call.actionsOf('play')[0]).toMatchObject({ bargeIn: true });
  });

  it('waits for a key after the prompt', async () => {
    const run = await runElement(
      element,
      { prompt },
      { script: { keys: [{ digits: '1', afterSeconds: 6 }] } },
    );
    expect(run.outcome.pin).toBe('digit:1');
    expect(run.elapsedMs).toBe(6000);
    expect(run.call.actions.map((a) => a.op)).toEqual(['answer', 'play', 'collect', 'key']);
  });

  it('replays the prompt after silence and leaves by timeout when no key ever comes', async () => {
    const run = await runElement(element, { prompt, timeoutPrompt: sorry, timeoutSeconds: 4 });
    expect(run.outcome).toEqual({
      pin: 'timeout',
      detail: {
        prompt,
        failed: [{ result: 'timeout' }, { result: 'timeout' }, { result: 'timeout' }],
      },
    });
    // Three rounds of prompt + wait, with the apology before each retry.
    expect(run.elapsedMs).toBe(3 * (3000 + 4000) + 2 * 1000);
    expect(run.call.actionsOf('play').map((p) => p.prompts)).toEqual([
      prompt,
      sorry,
      prompt,
      sorry,
      prompt,
    ]);
  });

  it('apologises for a wrong key and takes a key pressed during the apology', async () => {
    const run = await runElement(
      element,
      { prompt, invalidPrompt: sorry },
      { script: { keys: [{ digits: '9' }, { digits: '1', afterSeconds: 0.5 }] } },
    );
    expect(run.outcome).toEqual({
      pin: 'digit:1',
      detail: { digit: '1', prompt, failed: [{ result: 'invalid', key: '9' }] },
      variables: { lastDigit: '1' },
    });
    expect(run.elapsedMs).toBe(1500);
  });

  it('leaves by invalid when the last attempt was a wrong key', async () => {
    const run = await runElement(
      element,
      { prompt, retries: 1 },
      { script: { keys: [{ digits: '8' }, { digits: '9' }] } },
    );
    expect(run.outcome).toEqual({
      pin: 'invalid',
      detail: {
        prompt,
        failed: [
          { result: 'invalid', key: '8' },
          { result: 'invalid', key: '9' },
        ],
      },
    });
    // Without an apology the prompt simply plays again.
    expect(run.call.actionsOf('play')).toHaveLength(2);
  });

  it('decides by the last attempt: a wrong key then silence is a timeout', async () => {
    const run = await runElement(
      element,
      { prompt, retries: 1 },
      { script: { keys: [{ digits: '5' }] } },
    );
    expect(run.outcome.pin).toBe('timeout');
  });

  it('renders templates in its prompts', async () => {
    const run = await runElement(
      element,
      { prompt: [{ kind: 'tts', text: 'Hi {{contact.firstName}}, press 1' }], digits: ['1'] },
      { script: { keys: [{ digits: '1' }] } },
    );
    expect(run.outcome.detail).toMatchObject({
      prompt: [{ kind: 'tts', text: 'Hi Ada, press 1' }],
    });
  });

  it('lets a hang-up through', async () => {
    const run = await settleElement(element, { prompt }, { script: { hangUpAfterSeconds: 5 } });
    expect('error' in run && isCallerHungUp(run.error)).toBe(true);
    expect(run.call.actionsOf('collect')[0]?.result).toBe('cancelled');
  });
});
