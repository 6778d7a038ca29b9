import { describe, expect, it } from 'vitest';
import { parseWithIssues } from '../../issues.js';
import { runElement, simFacts } from '../../simulator/test-support.js';
import { startWebChatElement as element } from './start-web-chat.js';

const issuesOf = (config: unknown) => {
  const parsed = parseWithIssues(element.config, config);
  return parsed.ok ? [] : parsed.issues;
};

describe('start-web-chat: config and definition', () => {
  it('chats with the attendant by default, or with a named user', () => {
    expect(element.config.parse({})).toEqual({ with: { kind: 'attendant' } });
    expect(
      element.config.parse({ with: { kind: 'user', userId: 'bob' }, topic: 'Invoice' }),
    ).toEqual({
      with: { kind: 'user', userId: 'bob' },
      topic: 'Invoice',
    });
  });

  it('rejects bad settings, naming the field', () => {
    expect(issuesOf({ with: { kind: 'user' } })).toEqual([
      { path: 'with.userId', message: 'required' },
    ]);
    expect(issuesOf({ with: { kind: 'team' } })[0]?.path).toBe('with.kind');
    expect(issuesOf({ topic: '' })[0]).toEqual({ path: 'topic', message: 'must not be empty' });
    expect(issuesOf({ topic: 'x'.repeat(201) })[0]?.path).toBe('topic');
  });

  it('has a required next pin and does not wait', () => {
    expect(element.pins(element.config.parse({}), { handlingCodes: [] })).toEqual([
      { id: 'next', label: 'Next', required: true },
    ]);
    expect(element).toMatchObject({ category: 'telephony', waits: false, preconditions: [] });
    expect(element.maxDurationMs(element.config.parse({}))).toBe(10_000);
  });
});

describe('start-web-chat: run', () => {
  it('opens a chat with the attendant, with the topic rendered', async () => {
    const run = await runElement(element, { topic: '{{contact.name}} is calling' });
    expect(run.outcome).toEqual({
      pin: 'next',
      detail: { chatId: 'chat-1', with: 'attendant', topic: 'Ada Lovelace is calling' },
    });
    expect(run.call.actionsOf('chat')[0]?.request).toEqual({
      with: { kind: 'attendant' },
      topic: 'Ada Lovelace is calling',
    });
    expect(run.call.answered).toBe(false);
    expect(run.elapsedMs).toBe(0);
  });

  it('opens a chat with another user', async () => {
    const run = await runElement(element, { with: { kind: 'user', userId: 'bob' } });
    expect(run.outcome).toEqual({ pin: 'next', detail: { chatId: 'chat-1', with: 'user bob' } });
  });

  it('moves on without a chat, saying why, when the user has no attendant', async () => {
    const run = await runElement(element, {}, { facts: simFacts({ user: { attendantId: null } }) });
    expect(run.outcome).toEqual({ pin: 'next', detail: { skipped: 'alice has no attendant' } });
    expect(run.call.actions).toEqual([]);
  });
});
