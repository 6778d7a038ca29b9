import { describe, expect, it } from 'vitest';
import { parseWithIssues } from '../../issues.js';
import { isCallerHungUp } from '../../runtime/caller-hung-up.js';
import type { NotifyResult } from '../../runtime/call-control.js';
import { ScriptedCall } from '../../simulator/scripted-call.js';
import {
  SIM_START,
  runElement,
  settleElement,
  simFacts,
  simServices,
} from '../../simulator/test-support.js';
import { VirtualTime } from '../../simulator/virtual-time.js';
import { notifyDesktopElement as element, type NotifyChoiceConfig } from './notify-desktop.js';

const issuesOf = (config: unknown) => {
  const parsed = parseWithIssues(element.config, config);
  return parsed.ok ? [] : parsed.issues;
};

const CHOICES: NotifyChoiceConfig[] = [
  { id: 'here', kind: 'accept', label: 'Answer on desk', deviceId: 'desk' },
  { id: 'bob', kind: 'forward', label: 'To Bob', target: { kind: 'user', userId: 'bob' } },
  {
    id: 'cell',
    kind: 'forward',
    label: 'To my cell',
    target: { kind: 'number', number: '+12025550199' },
  },
  { id: 'vm', kind: 'voicemail', label: 'Voicemail' },
  { id: 'frank', kind: 'attendant', label: 'Frank' },
];

describe('notify-desktop: config', () => {
  it('offers answer or voicemail for 15 seconds by default', () => {
    expect(element.config.parse({})).toEqual({
      timeoutSeconds: 15,
      choices: [
        { id: 'accept', kind: 'accept', label: 'Answer' },
        { id: 'voicemail', kind: 'voicemail', label: 'Send to voicemail' },
      ],
    });
    expect(element.config.parse({ choices: CHOICES, headline: 'VIP' }).choices).toHaveLength(5);
  });

  it('rejects bad choices, naming the field', () => {
    expect(issuesOf({ choices: [] })[0]).toEqual({
      path: 'choices',
      message: 'offer at least one choice',
    });
    expect(issuesOf({ choices: [{ id: 'fwd', kind: 'forward', label: 'Fwd' }] })).toEqual([
      { path: 'choices[0].target', message: 'required' },
    ]);
    expect(
      issuesOf({
        choices: [
          { id: 'vm', kind: 'voicemail', label: 'VM', target: { kind: 'user', userId: 'bob' } },
        ],
      }),
    ).toEqual([
      { path: 'choices[0].target', message: 'unknown key (expected one of: id, kind, label)' },
    ]);
    expect(issuesOf({ choices: [{ id: 'timeout', kind: 'voicemail', label: 'VM' }] })[0]).toEqual({
      path: 'choices[0].id',
      message: '"timeout" is the pin for no choice',
    });
    expect(
      issuesOf({
        choices: [
          { id: 'a', kind: 'voicemail', label: 'A' },
          { id: 'a', kind: 'attendant', label: 'B' },
        ],
      }),
    ).toEqual([{ path: 'choices[1].id', message: 'duplicate choice id "a"' }]);
    expect(
      issuesOf({
        choices: [
          { id: 'x', kind: 'forward', label: 'X', target: { kind: 'number', number: '555-1234' } },
        ],
      })[0]?.path,
    ).toBe('choices[0].target.number');
    expect(issuesOf({ choices: [{ id: 'x', kind: 'teleport', label: 'X' }] })[0]?.path).toBe(
      'choices[0].kind',
    );
    expect(issuesOf({ timeoutSeconds: 0 })[0]?.path).toBe('timeoutSeconds');
  });
});

describe('notify-desktop: definition', () => {
  it('has one required pin per choice, then timeout', () => {
    const config = element.config.parse({ choices: CHOICES });
    expect(element.pins(config, { handlingCodes: [] })).toEqual([
      { id: 'here', label: 'Answer on desk', required: true },
      { id: 'bob', label: 'To Bob', required: true },
      { id: 'cell', label: 'To my cell', required: true },
      { id: 'vm', label: 'Voicemail', required: true },
      { id: 'frank', label: 'Frank', required: true },
      { id: 'timeout', label: 'No choice', required: true },
    ]);
    expect(element).toMatchObject({ category: 'telephony', waits: true, preconditions: [] });
    expect(element.maxDurationMs(config)).toBe(20_000);
  });
});

describe('notify-desktop: run', () => {
  it('shows the choices and the rendered headline, and leaves by the chosen pin', async () => {
    const run = await runElement(
      element,
      { choices: CHOICES, headline: 'VIP: {{contact.name}}', timeoutSeconds: 20 },
      { script: { desktopChoice: { choiceId: 'bob', afterSeconds: 6 } } },
    );
    expect(run.outcome).toEqual({
      pin: 'bob',
      detail: { headline: 'VIP: Ada Lovelace', choice: 'bob', kind: 'forward' },
    });
    expect(run.elapsedMs).toBe(6000);
    // The caller hears ringing while the user decides.
    expect(run.call.actions.map((a) => a.op)).toEqual(['progress', 'notify']);
    expect(run.call.actionsOf('notify')[0]?.request).toEqual({
      timeoutSeconds: 20,
      headline: 'VIP: Ada Lovelace',
      choices: [
        { id: 'here', kind: 'accept', label: 'Answer on desk', deviceId: 'desk' },
        { id: 'bob', kind: 'forward', label: 'To Bob', target: { kind: 'user', userId: 'bob' } },
        {
          id: 'cell',
          kind: 'forward',
          label: 'To my cell',
          target: { kind: 'number', number: '+12025550199' },
        },
        { id: 'vm', kind: 'voicemail', label: 'Voicemail' },
        { id: 'frank', kind: 'attendant', label: 'Frank' },
      ],
    });
  });

  it('leaves by timeout when nobody chooses in time', async () => {
    const run = await runElement(
      element,
      {},
      { script: { desktopChoice: { choiceId: 'accept', afterSeconds: 30 } } },
    );
    expect(run.outcome).toEqual({ pin: 'timeout', detail: {} });
    expect(run.elapsedMs).toBe(15_000);
  });

  it('does not send ringback on a call that is already answered', async () => {
    const run = await runElement(
      element,
      {},
      { answered: true, script: { desktopChoice: { choiceId: 'voicemail' } } },
    );
    expect(run.outcome.pin).toBe('voicemail');
    expect(run.call.actions.map((a) => a.op)).toEqual(['answer', 'notify']);
  });

  it('treats a choice the window was not offered as no choice, and says so', async () => {
    /** A notification window that answers with a button it never showed. */
    class OddWindow extends ScriptedCall {
      override notifyDesktop(): Promise<NotifyResult> {
        return Promise.resolve({ outcome: 'choice', choiceId: 'elsewhere' });
      }
    }
    const time = new VirtualTime(SIM_START);
    const outcome = await element.run({
      nodeId: 'notify',
      config: element.config.parse({}),
      call: new OddWindow({}, { clock: time, timers: time }),
      facts: simFacts(),
      variables: {},
      services: simServices(time),
      signal: new AbortController().signal,
    });
    expect(outcome).toEqual({ pin: 'timeout', detail: { unknownChoice: 'elsewhere' } });
  });

  it('lets the caller’s hang-up through', async () => {
    const run = await settleElement(element, {}, { script: { hangUpAfterSeconds: 5 } });
    expect('error' in run && isCallerHungUp(run.error)).toBe(true);
    expect(run.call.actionsOf('notify')[0]?.result).toBe('cancelled');
  });
});
