import { describe, expect, it } from 'vitest';
import { parseWithIssues } from '../../issues.js';
import { isCallerHungUp } from '../../runtime/caller-hung-up.js';
import { runElement, settleElement, simFacts } from '../../simulator/test-support.js';
import type { PromptConfig } from './media-config.js';
import { playElement as element } from './play.js';

const issuesOf = (config: unknown) => {
  const parsed = parseWithIssues(element.config, config);
  return parsed.ok ? [] : parsed.issues;
};

const greeting: PromptConfig[] = [
  { kind: 'tts', text: 'Hello {{contact.firstName}}, account {{vars.account}}' },
];

describe('play: config', () => {
  it('needs prompts; barge-in is off by default', () => {
    expect(element.config.parse({ prompts: greeting })).toEqual({
      prompts: greeting,
      bargeIn: false,
    });
    expect(issuesOf({})).toEqual([{ path: 'prompts', message: 'required' }]);
    expect(issuesOf({ prompts: [] })).toEqual([
      { path: 'prompts', message: 'add at least one prompt' },
    ]);
  });

  it('checks each prompt, naming it', () => {
    expect(issuesOf({ prompts: [{ kind: 'tts', text: '' }] })).toEqual([
      { path: 'prompts[0].text', message: 'must not be empty' },
    ]);
    expect(issuesOf({ prompts: [{ kind: 'file', file: '../../etc/passwd' }] })[0]).toEqual({
      path: 'prompts[0].file',
      message: 'a prompt file name has no slashes and does not start with a dot',
    });
    expect(issuesOf({ prompts: [{ kind: 'silence', ms: 0 }] })[0]?.path).toBe('prompts[0].ms');
    expect(issuesOf({ prompts: [{ kind: 'video', file: 'x' }] })[0]?.path).toBe('prompts[0].kind');
    expect(issuesOf({ prompts: [{ kind: 'tts', text: 'hi', speed: 2 }] })[0]).toEqual({
      path: 'prompts[0].speed',
      message: 'unknown key (expected one of: kind, text, voice)',
    });
    expect(issuesOf({ prompts: greeting, bargeIn: 'yes' })[0]?.path).toBe('bargeIn');
  });
});

describe('play: definition', () => {
  it('has an optional next pin, needs an answered call and waits', () => {
    const config = element.config.parse({ prompts: greeting });
    expect(element.pins(config, { handlingCodes: [] })).toEqual([
      { id: 'next', label: 'Next', required: false },
    ]);
    expect(element).toMatchObject({ category: 'media', waits: true, preconditions: ['answered'] });
  });

  it('bounds its time by what it plays', () => {
    const max = (prompts: unknown) => element.maxDurationMs(element.config.parse({ prompts }));
    expect(max([{ kind: 'silence', ms: 500 }])).toBe(5500);
    expect(
      max([
        { kind: 'silence', ms: 500 },
        { kind: 'file', file: 'a.wav' },
      ]),
    ).toBe(5500 + 300_000);
    // Spoken text: generous per character, more for every placeholder that may expand.
    expect(max([{ kind: 'tts', text: '{{contact.name}}' }])).toBeGreaterThan(
      max([{ kind: 'tts', text: 'contact name....' }]),
    );
  });
});

describe('play: run', () => {
  it('speaks the text with the call’s facts and variables filled in, and logs it', async () => {
    const run = await runElement(element, { prompts: greeting }, { variables: { account: 'A-7' } });
    const spoken = [{ kind: 'tts', text: 'Hello Ada, account A-7' }];
    expect(run.outcome).toEqual({ pin: 'next', detail: { prompts: spoken } });
    expect(run.call.actions.map((a) => a.op)).toEqual(['answer', 'play']);
    expect(run.call.actionsOf('play')[0]).toMatchObject({ prompts: spoken, bargeIn: false });
    expect(run.elapsedMs).toBe(4 * 400);
  });

  it('reads a missing contact field as nothing', async () => {
    const run = await runElement(
      element,
      { prompts: [{ kind: 'tts', text: 'Hello {{contact.firstName}}!' }] },
      { facts: simFacts({ contact: null, callerKind: 'unknown' }) },
    );
    expect(run.outcome.detail).toEqual({ prompts: [{ kind: 'tts', text: 'Hello !' }] });
  });

  it('passes files and pauses through unchanged', async () => {
    const prompts: PromptConfig[] = [
      { kind: 'file', file: 'welcome.wav' },
      { kind: 'silence', ms: 750 },
      { kind: 'tts', text: 'Bye', voice: 'en-GB' },
    ];
    const run = await runElement(
      element,
      { prompts },
      { script: { promptFileSeconds: { 'welcome.wav': 4 } } },
    );
    expect(run.outcome.detail).toEqual({ prompts });
    expect(run.elapsedMs).toBe(4000 + 750 + 400);
  });

  it('with barge-in, stops at a key and saves it in lastDigit', async () => {
    const run = await runElement(
      element,
      { prompts: [{ kind: 'silence', ms: 10_000 }], bargeIn: true },
      { script: { keys: [{ digits: '7', afterSeconds: 2 }] } },
    );
    expect(run.outcome).toEqual({
      pin: 'next',
      detail: { prompts: [{ kind: 'silence', ms: 10_000 }], digit: '7' },
      variables: { lastDigit: '7' },
    });
    expect(run.elapsedMs).toBe(2000);
  });

  it('with barge-in and no key, empties lastDigit; without barge-in, sets no variable', async () => {
    const quiet = await runElement(element, { prompts: greeting, bargeIn: true });
    expect(quiet.outcome.variables).toEqual({ lastDigit: '' });
    const plain = await runElement(
      element,
      { prompts: greeting },
      { script: { keys: [{ digits: '1' }] } },
    );
    expect(plain.outcome.variables).toBeUndefined();
  });

  it('lets a hang-up through', async () => {
    const run = await settleElement(
      element,
      { prompts: [{ kind: 'silence', ms: 10_000 }] },
      { script: { hangUpAfterSeconds: 3 } },
    );
    expect('error' in run && isCallerHungUp(run.error)).toBe(true);
    expect(run.call.actionsOf('play')[0]?.result).toBe('cancelled');
  });
});
