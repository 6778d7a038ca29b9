import { FlowRun } from '@switchboard/flow';
import { describe, expect, it } from 'vitest';
import type { CallerIdentification, Contact, User } from '../model/index.js';
import { manualClock, TEST_EPOCH, userInput } from '../../test-support/fixtures.js';
import { RecordingCall, testFlowServices } from '../../test-support/recording-call.js';
import { dialects, useStore } from '../../test-support/stores.js';
import { identifyCaller } from './caller-identification.js';
import { publishFlow, saveFlowDraft } from './flows.js';
import {
  chooseHandlingMethod,
  flowResolver,
  localDayBounds,
  SAFE_METHOD,
  type HandlingChoice,
} from './handling-choice.js';
import { decideStatus, effectiveStatus } from './user-status.js';

/** Match caller: BLOCK declined, VIP rings the desk, everyone else hears the phone hang up. */
const screeningMap = {
  schemaVersion: 1,
  name: 'Screening',
  nodes: [
    { id: 'start', type: 'incoming-call', position: { x: 0, y: 0 }, config: {} },
    { id: 'match', type: 'match-caller', position: { x: 1, y: 0 }, config: {} },
    {
      id: 'decline',
      type: 'reject',
      position: { x: 2, y: 0 },
      config: { reason: 'decline' },
    },
    {
      id: 'ring',
      type: 'ring-devices',
      position: { x: 2, y: 1 },
      config: { devices: ['desk'], timeoutSeconds: 20 },
    },
    { id: 'busy', type: 'reject', position: { x: 2, y: 2 }, config: { reason: 'busy' } },
    { id: 'bye', type: 'hang-up', position: { x: 3, y: 0 }, config: {} },
  ],
  edges: [
    { from: { node: 'start', pin: 'next' }, to: { node: 'match' } },
    { from: { node: 'match', pin: 'code:BLOCK' }, to: { node: 'decline' } },
    { from: { node: 'match', pin: 'code:VIP' }, to: { node: 'ring' } },
    { from: { node: 'match', pin: 'known-no-code' }, to: { node: 'bye' } },
    { from: { node: 'match', pin: 'unknown' }, to: { node: 'bye' } },
    { from: { node: 'match', pin: 'anonymous' }, to: { node: 'busy' } },
    { from: { node: 'ring', pin: 'answered' }, to: { node: 'bye' } },
    { from: { node: 'ring', pin: 'no-answer' }, to: { node: 'bye' } },
    { from: { node: 'ring', pin: 'busy' }, to: { node: 'bye' } },
    { from: { node: 'ring', pin: 'failed' }, to: { node: 'bye' } },
  ],
};

describe('localDayBounds', () => {
  it('is the local calendar day, 23 hours long on the day clocks spring forward', () => {
    // 2026-03-08 is the first day of US daylight time.
    const now = Date.parse('2026-03-08T16:00:00Z');
    expect(localDayBounds(now, 'America/New_York').map((t) => new Date(t).toISOString())).toEqual([
      '2026-03-08T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
    ]);
    // Late evening in New York is already the next day in UTC.
    const evening = Date.parse('2026-11-21T03:30:00Z');
    expect(localDayBounds(evening, 'America/New_York')[0]).toBe(Date.parse('2026-11-20T05:00:00Z'));
    expect(localDayBounds(evening, 'Asia/Kolkata')).toEqual([
      Date.parse('2026-11-20T18:30:00Z'),
      Date.parse('2026-11-21T18:30:00Z'),
    ]);
  });

  it('gives each instant its own day when calls go back and forth across midnight', () => {
    const zone = 'Europe/Paris';
    const justBefore = Date.parse('2026-11-21T22:59:59.999Z'); // 23:59:59.999 in Paris
    const midnight = Date.parse('2026-11-21T23:00:00Z');
    for (const [at, start] of [
      [justBefore, Date.parse('2026-11-20T23:00:00Z')],
      [midnight, midnight],
      [justBefore, Date.parse('2026-11-20T23:00:00Z')],
      [midnight + 3_600_000, midnight],
    ] as const) {
      expect(localDayBounds(at, zone)).toEqual([start, start + 86_400_000]);
    }
  });
});

describe.each(dialects)('chooseHandlingMethod on %s', (dialect) => {
  const clock = manualClock();
  const store = useStore(dialect, { clock });
  const NOW = TEST_EPOCH;

  async function setUp(overrides: Partial<Parameters<typeof userInput>[1]> = {}): Promise<User> {
    clock.set(NOW);
    const user = await store().users.put(
      userInput('alice', {
        country: 'US',
        timezone: 'America/New_York',
        defaultHandling: 'builtin:ring-all',
        unknownHandling: 'builtin:voicemail',
        ...overrides,
      }),
    );
    await store().devices.put({
      kind: 'sip',
      userId: 'alice',
      id: 'desk',
      name: 'Desk phone',
      sipUsername: 'alice-desk',
      sipPassword: 'pw',
    });
    await store().handlingCodes.put({
      userId: 'alice',
      code: 'BLOCK',
      method: 'builtin:reject',
      description: null,
    });
    await store().handlingCodes.put({
      userId: 'alice',
      code: 'VIP',
      method: 'builtin:ring-then-voicemail',
      description: null,
    });
    return user;
  }

  async function addContact(
    id: string,
    number: string,
    handlingCode: string | null,
    emails: string[] = [],
  ): Promise<Contact> {
    return store().contacts.put({
      id,
      userId: 'alice',
      source: 'api',
      externalId: null,
      name: `${id} Person`,
      organization: 'Acme',
      emails,
      phones: [{ e164: number, raw: number, type: null }],
      handlingCode,
    });
  }

  async function choose(
    user: User,
    callingNumber: string | null,
    extra: { privacy?: string[]; displayName?: string } = {},
  ): Promise<{ choice: HandlingChoice; who: CallerIdentification }> {
    const who = await identifyCaller(store(), {
      userId: user.id,
      callingNumber,
      displayName: extra.displayName ?? null,
      privacy: extra.privacy ?? [],
    });
    const status = await effectiveStatus(store(), user.id, NOW);
    const choice = await chooseHandlingMethod(store(), {
      user: (await store().users.get(user.id)) ?? user,
      identification: who,
      status,
      now: NOW,
      callId: 'call-1',
      calledNumber: '+12025550100',
    });
    return { choice, who };
  }

  it('runs the method of a defined handling code, and the default for a contact without one', async () => {
    const user = await setUp();
    await addContact('vip', '+12025550142', 'VIP');
    await addContact('plain', '+12025550143', null);
    const vip = (await choose(user, '+12025550142')).choice;
    expect(vip).toMatchObject({
      reason: 'handling-code',
      configured: 'builtin:ring-then-voicemail',
      method: 'builtin:ring-then-voicemail',
      flowId: 'builtin:ring-then-voicemail',
      flowVersion: null,
      handlingCode: 'VIP',
      passedOver: [],
    });
    expect(vip.flow.start).toBe('start');
    expect((await choose(user, '+12025550143')).choice).toMatchObject({
      reason: 'no-code',
      method: 'builtin:ring-all',
      handlingCode: null,
    });
  });

  it('gives a code the user has not defined the default method, and says so', async () => {
    const user = await setUp();
    await addContact('golfer', '+12025550144', 'GOLF');
    const { choice, who } = await choose(user, '+12025550144');
    expect(who.handlingCode).toBe('GOLF');
    expect(choice).toMatchObject({
      reason: 'no-code',
      method: 'builtin:ring-all',
      handlingCode: null,
      passedOver: [{ method: 'handling code GOLF' }],
    });
    // The flow still sees the code the contact carries.
    expect(choice.facts.handlingCode).toBe('GOLF');
  });

  it('runs the unknown-caller method, and the anonymous one when the user set it', async () => {
    const user = await setUp();
    expect((await choose(user, '+12025550199')).choice).toMatchObject({
      reason: 'unknown-caller',
      method: 'builtin:voicemail',
    });
    // Without an anonymous method, anonymous callers get the unknown-caller one.
    expect((await choose(user, 'anonymous')).choice).toMatchObject({
      reason: 'anonymous-caller',
      configured: 'builtin:voicemail',
      method: 'builtin:voicemail',
    });
    const strict = await setUp({ anonymousHandling: 'builtin:reject' });
    expect((await choose(strict, 'sip:anonymous@anonymous.invalid')).choice).toMatchObject({
      reason: 'anonymous-caller',
      method: 'builtin:reject',
    });
  });

  it('runs the published version of a user’s flow and names it', async () => {
    const user = await setUp();
    await saveFlowDraft(store(), 'alice', 'screening', 'Screening', screeningMap);
    await publishFlow(store(), 'alice', 'screening');
    // A later draft does not change what calls run.
    await saveFlowDraft(store(), 'alice', 'screening', 'Screening v2', { broken: true });
    await store().handlingCodes.put({
      userId: 'alice',
      code: 'VIP',
      method: 'screening',
      description: null,
    });
    await addContact('vip', '+12025550142', 'VIP');
    expect((await choose(user, '+12025550142')).choice).toMatchObject({
      reason: 'handling-code',
      method: 'screening',
      flowId: 'screening',
      flowVersion: 1,
    });
  });

  it('passes over methods that cannot run, down to the safe one, and says why', async () => {
    const user = await setUp({ defaultHandling: 'builtin:forward:cell' });
    await saveFlowDraft(store(), 'alice', 'draft-only', 'Draft', screeningMap);
    // Methods written behind the API's back (or left by a deleted flow) must not lose the call.
    await store().handlingCodes.put({
      userId: 'alice',
      code: 'VIP',
      method: 'draft-only',
      description: null,
    });
    await store().handlingCodes.put({
      userId: 'alice',
      code: 'BLOCK',
      method: 'deleted-flow',
      description: null,
    });
    await addContact('vip', '+12025550142', 'VIP');
    await addContact('blocked', '+12025550145', 'BLOCK');
    expect((await choose(user, '+12025550142')).choice).toMatchObject({
      reason: 'handling-code',
      configured: 'draft-only',
      method: SAFE_METHOD,
      passedOver: [
        { method: 'draft-only', problem: 'the flow has never been published' },
        { method: 'builtin:forward:cell', problem: 'the user has no device "cell"' },
      ],
    });
    expect((await choose(user, '+12025550145')).choice.passedOver[0]).toEqual({
      method: 'deleted-flow',
      problem: 'the flow does not exist',
    });
  });

  it('gives the flow the facts: contact name over the network’s, status, calendar, devices, codes', async () => {
    const user = await setUp();
    await addContact('vip', '+12025550142', 'VIP', ['Vip@Example.test']);
    await store().statuses.put({
      userId: 'alice',
      status: 'do-not-disturb',
      until: null,
      note: null,
    });
    // A meeting now with the caller (status says DND: set by hand wins), and one tomorrow.
    await store().calendar.put({
      id: 'meet',
      userId: 'alice',
      uid: 'meet@x',
      summary: 'Review',
      startsAt: NOW - 600_000,
      endsAt: NOW + 600_000,
      allDay: false,
      busy: true,
      outOfOffice: false,
      attendees: ['vip@example.test'],
    });
    const { choice } = await choose(user, '+12025550142', { displayName: 'Spoofed Name' });
    expect(choice.facts).toEqual({
      callId: 'call-1',
      callerNumber: '+12025550142',
      callerName: 'vip Person',
      calledNumber: '+12025550100',
      callerKind: 'known',
      contact: {
        id: 'vip',
        name: 'vip Person',
        firstName: 'vip',
        lastName: 'Person',
        organization: 'Acme',
        emails: ['Vip@Example.test'],
        groups: [],
        fields: { organization: 'Acme', handlingCode: 'VIP', email: 'Vip@Example.test' },
      },
      handlingCode: 'VIP',
      user: {
        id: 'alice',
        name: 'User alice',
        timezone: 'America/New_York',
        attendantId: null,
        devices: [{ id: 'desk', name: 'Desk phone', kind: 'sip' }],
        handlingCodes: ['BLOCK', 'VIP'],
      },
      status: 'do-not-disturb',
      calendar: { inMeetingNow: true, callerIsAttendeeToday: true },
      startedAt: NOW,
    });
    // An unknown caller is shown by the network's name, and is nobody's attendee.
    const unknown = (await choose(user, '+12025550199', { displayName: 'Pat' })).choice.facts;
    expect(unknown).toMatchObject({
      callerName: 'Pat',
      callerKind: 'unknown',
      contact: null,
      calendar: { inMeetingNow: true, callerIsAttendeeToday: false },
    });
  });

  it('the chosen flow runs with its facts: Match caller follows the caller’s code', async () => {
    const user = await setUp();
    await saveFlowDraft(store(), 'alice', 'screening', 'Screening', screeningMap);
    await publishFlow(store(), 'alice', 'screening');
    await store().users.put(
      userInput('alice', {
        country: user.country,
        timezone: user.timezone,
        defaultHandling: 'screening',
        unknownHandling: 'screening',
      }),
    );
    for (const code of ['BLOCK', 'VIP']) {
      await store().handlingCodes.put({
        userId: 'alice',
        code,
        method: 'screening',
        description: null,
      });
    }
    await addContact('blocked', '+12025550145', 'BLOCK');
    await addContact('vip', '+12025550142', 'VIP');

    const run = async (number: string | null, privacy: string[] = []) => {
      const { choice } = await choose(user, number, { privacy });
      const call = new RecordingCall();
      const result = await new FlowRun({
        flowId: choice.flowId,
        flow: choice.flow,
        facts: choice.facts,
        call,
        services: testFlowServices(() => clock.now()),
        hangUp: new AbortController().signal,
        resolveFlow: flowResolver(store(), 'alice'),
      }).run();
      return { actions: call.actions, outcome: result.outcome };
    };
    expect(await run('+12025550145')).toEqual({ actions: ['reject 603'], outcome: 'ended' });
    expect((await run('+12025550142')).actions).toEqual([
      'progress',
      'ring device:desk',
      'hang-up',
    ]);
    expect((await run('+12025550199')).actions).toEqual(['hang-up']);
    expect((await run('+12025550142', ['id'])).actions).toEqual(['reject 486']);
  });

  it('resolves Go to flow targets: published flows and built-in templates only', async () => {
    await setUp();
    await saveFlowDraft(store(), 'alice', 'screening', 'Screening', screeningMap);
    const resolve = flowResolver(store(), 'alice');
    expect(await resolve('screening')).toBeUndefined();
    await publishFlow(store(), 'alice', 'screening');
    expect((await resolve('screening'))?.flow.start).toBe('start');
    expect((await resolve('builtin:voicemail'))?.flowId).toBe('builtin:voicemail');
    expect(await resolve('builtin:nonsense')).toBeUndefined();
    expect(await resolve('nowhere')).toBeUndefined();
  });

  it('takes the status it is given, not its own reading', async () => {
    const user = await setUp();
    const who = await identifyCaller(store(), { userId: 'alice', callingNumber: '+12025550199' });
    const choice = await chooseHandlingMethod(store(), {
      user,
      identification: who,
      status: decideStatus(
        { userId: 'alice', status: 'away', until: null, note: null, updatedAt: NOW },
        [],
        NOW,
      ),
      now: NOW,
      callId: 'c',
      calledNumber: '+12025550100',
    });
    expect(choice.facts.status).toBe('away');
  });
});
