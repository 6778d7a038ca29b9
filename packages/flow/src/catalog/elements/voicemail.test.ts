import { describe, expect, it } from 'vitest';
import { parseWithIssues } from '../../issues.js';
import { runElement, settleElement } from '../../simulator/test-support.js';
import { DEFAULT_GREETING_TEXT, voicemailElement as element } from './voicemail.js';

const issuesOf = (config: unknown) => {
  const parsed = parseWithIssues(element.config, config);
  return parsed.ok ? [] : parsed.issues;
};

const defaultGreeting = [{ kind: 'tts', text: DEFAULT_GREETING_TEXT }];
/** The default greeting has 7 words: 2.8 s in the scripted call. */
const GREETING_MS = 7 * 400;

describe('voicemail: config', () => {
  it('works with no settings at all', () => {
    expect(element.config.parse({})).toEqual({
      greeting: defaultGreeting,
      maxSeconds: 120,
      silenceSeconds: 5,
      finishKey: '#',
      mailToUser: true,
    });
  });

  it('rejects bad settings, naming the field', () => {
    expect(issuesOf({ maxSeconds: 601 })).toEqual([
      { path: 'maxSeconds', message: 'must be at most 600 seconds' },
    ]);
    expect(issuesOf({ maxSeconds: 4 })[0]?.path).toBe('maxSeconds');
    expect(issuesOf({ silenceSeconds: -1 })[0]?.path).toBe('silenceSeconds');
    expect(issuesOf({ finishKey: 'x' })[0]).toEqual({
      path: 'finishKey',
      message: 'must be one phone key: 0-9, * or #',
    });
    expect(issuesOf({ greeting: [] })[0]?.path).toBe('greeting');
    expect(issuesOf({ greeting: 'vip' })[0]?.path).toBe('greeting');
    expect(issuesOf({ mailToUser: 'no' })[0]?.path).toBe('mailToUser');
  });
});

describe('voicemail: definition', () => {
  it('has optional recorded and hung-up pins and needs an answered call', () => {
    const config = element.config.parse({});
    expect(element.pins(config, { handlingCodes: [] })).toEqual([
      { id: 'recorded', label: 'Message left', required: false },
      { id: 'hung-up', label: 'Hung up', required: false },
    ]);
    expect(element).toMatchObject({ category: 'media', waits: true, preconditions: ['answered'] });
    expect(element.maxDurationMs(config)).toBeGreaterThan(120_000 + GREETING_MS);
    expect(element.maxDurationMs(element.config.parse({ maxSeconds: 600 }))).toBeGreaterThan(
      600_000,
    );
  });
});

describe('voicemail: run', () => {
  it('plays the greeting, records after the tone and keeps the message', async () => {
    const run = await runElement(element, {}, { script: { speaks: { seconds: 10, ends: 'key' } } });
    expect(run.outcome).toEqual({
      pin: 'recorded',
      detail: {
        recordingId: 'rec-1',
        durationMs: 10_000,
        ended: 'key',
        mailed: true,
        greeting: defaultGreeting,
      },
    });
    expect(run.elapsedMs).toBe(GREETING_MS + 10_000);
    expect(run.call.actions.map((a) => a.op)).toEqual(['answer', 'play', 'record']);
    expect(run.call.actionsOf('play')[0]).toMatchObject({
      prompts: defaultGreeting,
      bargeIn: false,
    });
    expect(run.call.actionsOf('record')[0]?.request).toEqual({
      maxSeconds: 120,
      silenceSeconds: 5,
      beep: true,
      finishKey: '#',
      voicemail: { mailToUser: true },
    });
  });

  it('passes its settings on and renders the greeting', async () => {
    const run = await runElement(
      element,
      {
        greeting: [{ kind: 'tts', text: 'You have reached {{user.name}}.' }],
        maxSeconds: 30,
        silenceSeconds: 0,
        finishKey: '*',
        mailToUser: false,
      },
      { script: { speaks: { seconds: 50, ends: 'silence' } } },
    );
    expect(run.outcome).toMatchObject({
      pin: 'recorded',
      detail: {
        durationMs: 30_000,
        ended: 'max-length',
        mailed: false,
        greeting: [{ kind: 'tts', text: 'You have reached Alice Example.' }],
      },
    });
    expect(run.call.actionsOf('record')[0]?.request).toMatchObject({
      maxSeconds: 30,
      silenceSeconds: 0,
      finishKey: '*',
      voicemail: { mailToUser: false },
    });
  });

  it('keeps a message the caller ended by hanging up', async () => {
    const run = await runElement(
      element,
      {},
      { script: { speaks: { seconds: 12, ends: 'hang-up' } } },
    );
    expect(run.outcome).toMatchObject({
      pin: 'recorded',
      detail: { ended: 'hang-up', durationMs: 12_000 },
    });
  });

  it('leaves by hung-up when the caller hangs up during the greeting', async () => {
    const run = await runElement(
      element,
      {},
      { script: { hangUpAfterSeconds: 1, speaks: { seconds: 10, ends: 'key' } } },
    );
    expect(run.outcome).toEqual({
      pin: 'hung-up',
      detail: { during: 'greeting', greeting: defaultGreeting },
    });
    expect(run.call.actions.map((a) => a.op)).toEqual(['answer', 'play', 'hang-up']);
  });

  it('leaves by hung-up when the caller leaves nothing worth keeping', async () => {
    const silent = await runElement(element, {});
    expect(silent.outcome).toEqual({
      pin: 'hung-up',
      detail: { during: 'recording', reason: 'too-short', greeting: defaultGreeting },
    });
    const mumble = await runElement(
      element,
      {},
      { script: { speaks: { seconds: 0.4, ends: 'hang-up' } } },
    );
    expect(mumble.outcome.pin).toBe('hung-up');
  });

  it('lets an override through while recording', async () => {
    const reason = new Error('override: forward');
    const run = await settleElement(
      element,
      {},
      { abortAfterMs: 5000, abortReason: reason, script: { speaks: { seconds: 30, ends: 'key' } } },
    );
    expect(run).toMatchObject({ error: reason, elapsedMs: 5000 });
    expect(run.call.actionsOf('record')[0]?.result).toBe('cancelled');
  });
});
