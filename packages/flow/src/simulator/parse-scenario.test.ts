import { describe, expect, it } from 'vitest';
import { parseScenario, SCENARIO_KEYS } from './parse-scenario.js';
import { scenarioFacts, scenarioScript, type Scenario, type ScenarioInput } from './scenario.js';
import { parseStartTime } from './zoned-time.js';

function parsed(text: string): Scenario {
  const result = parseScenario(text);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

function parsed2(text: string, base: ScenarioInput): Scenario {
  const result = parseScenario(text, base);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

describe('parseScenario', () => {
  it("reads the issue's example into facts and a call script", () => {
    const scenario = parsed(
      'caller=+12025550142 contact="Bob Boss" code=vip status=busy at=2026-11-23T09:00 tz=America/New_York presses=2 answer=none',
    );
    const facts = scenarioFacts(scenario);
    expect(facts).toMatchObject({
      callerNumber: '+12025550142',
      callerName: 'Bob Boss',
      callerKind: 'known',
      handlingCode: 'VIP',
      status: 'busy',
      contact: { name: 'Bob Boss', firstName: 'Bob', lastName: 'Boss' },
      user: { id: 'alice', timezone: 'America/New_York', handlingCodes: ['VIP'] },
      // 09:00 in New York in November is 14:00 UTC.
      startedAt: Date.UTC(2026, 10, 23, 14, 0),
    });
    expect(scenarioScript(scenario)).toMatchObject({
      keys: [{ digits: '2' }],
      defaultRinging: { outcome: 'no-answer' },
    });
  });

  it('gives an unknown caller to an available user at 09:00 UTC when nothing is said', () => {
    const facts = scenarioFacts(parsed(''));
    expect(facts).toMatchObject({
      callerKind: 'unknown',
      contact: null,
      status: 'available',
      startedAt: Date.UTC(2026, 10, 23, 9, 0),
      user: { id: 'alice', devices: [{ id: 'desk' }, { id: 'cell', kind: 'external' }] },
    });
  });

  it('reads an anonymous caller and every contact detail', () => {
    expect(scenarioFacts(parsed('caller=anonymous'))).toMatchObject({
      callerKind: 'anonymous',
      callerNumber: null,
    });
    const facts = scenarioFacts(
      parsed(
        'code=FAMILY contact="Ada King Lovelace" groups=Family,Friends email=ada@example.org org="Engines Ltd" field.account=A-17 codes=VIP',
      ),
    );
    expect(facts.contact).toEqual({
      id: 'contact-1',
      name: 'Ada King Lovelace',
      firstName: 'Ada',
      lastName: 'King Lovelace',
      organization: 'Engines Ltd',
      emails: ['ada@example.org'],
      groups: ['Family', 'Friends'],
      fields: { account: 'A-17' },
    });
    expect(facts.user.handlingCodes).toEqual(['VIP', 'FAMILY']);
  });

  it('reads the user, the calendar and the variables', () => {
    const facts = scenarioFacts(
      parsed(
        "user=bob username='Bob Smith' devices=desk,home:external attendant=carol status=in-a-meeting attendee=yes var.lang=fr",
      ),
    );
    expect(facts.user).toMatchObject({
      id: 'bob',
      name: 'Bob Smith',
      attendantId: 'carol',
      devices: [
        { id: 'desk', name: 'desk', kind: 'sip' },
        { id: 'home', name: 'home', kind: 'external' },
      ],
    });
    // In a meeting by status unless the calendar says otherwise.
    expect(facts.calendar).toEqual({ inMeetingNow: true, callerIsAttendeeToday: true });
    expect(parsed('var.lang=fr var.tier=gold').variables).toEqual({ lang: 'fr', tier: 'gold' });
    expect(scenarioFacts(parsed('status=in-a-meeting meeting=no')).calendar.inMeetingNow).toBe(
      false,
    );
  });

  it('reads ringing, keys, desktop clicks, hang-up, voicemail speech and webhooks', () => {
    const scenario = parsed(
      'answer=desk@12,+15551234 busy=cell fail=user:carol presses=1,23#@4 desktop=voicemail@2,none hangup=90 speaks=20:key http=200 body=\'{"tier":"gold"}\'',
    );
    expect(scenarioScript(scenario)).toMatchObject({
      ringing: {
        'device:desk': { outcome: 'answer', afterSeconds: 12 },
        'number:+15551234': { outcome: 'answer', afterSeconds: 5 },
        'device:cell': { outcome: 'busy' },
        'user:carol': { outcome: 'fail' },
      },
      keys: [
        { digits: '1', afterSeconds: 1 },
        { digits: '23#', afterSeconds: 4 },
      ],
      desktopChoice: [{ choiceId: 'voicemail', afterSeconds: 2 }, null],
      hangUpAfterSeconds: 90,
      speaks: { seconds: 20, ends: 'key' },
    });
    expect(scenario.http).toEqual({ status: 200, body: '{"tier":"gold"}' });
    expect(parsed('answer=any@3').defaultRinging).toEqual({ outcome: 'answer', afterSeconds: 3 });
    expect(parsed('busy=all').defaultRinging).toEqual({ outcome: 'busy', afterSeconds: 0 });
  });

  it('reads overrides with their times', () => {
    const scenario = parsed(
      'user=bob override=voicemail@5,forward:+15551234@8,forward:cell@9,forward:user:carol@10,answer-on:cell@11,reject:603@12,attendant@13',
    );
    expect(scenario.overrides).toEqual([
      { afterSeconds: 5, decision: { kind: 'voicemail' } },
      {
        afterSeconds: 8,
        decision: { kind: 'forward', target: { kind: 'number', number: '+15551234' } },
      },
      {
        afterSeconds: 9,
        decision: { kind: 'forward', target: { kind: 'device', userId: 'bob', deviceId: 'cell' } },
      },
      {
        afterSeconds: 10,
        decision: { kind: 'forward', target: { kind: 'user', userId: 'carol' } },
      },
      { afterSeconds: 11, decision: { kind: 'answer-on', deviceId: 'cell' } },
      { afterSeconds: 12, decision: { kind: 'reject', code: 603 } },
      { afterSeconds: 13, decision: { kind: 'attendant' } },
    ]);
  });

  it.each([
    ['colour=red', 'colour', /unknown key; known keys: caller, name/],
    ['caller=12345', 'caller', /E\.164/],
    ['status=asleep', 'status', /must be one of: available, busy/],
    ['code=VIP', 'code', /give contact="Name" too/],
    ['caller=anonymous contact="Bob"', 'contact', /anonymous caller .* cannot match a contact/],
    ['at=2026-13-01T09:00', 'at', /not a real date/],
    ['at=tomorrow', 'at', /not a date and time/],
    ['tz=Mars/Olympus', 'tz', /not a known IANA time zone/],
    ['meeting=perhaps', 'meeting', /yes or no/],
    ['presses=2@soon', 'presses', /not a number of seconds/],
    ['presses=2x', 'presses', /0-9 \* #/],
    ['override=voicemail', 'override', /say when with @SECONDS/],
    ['override=teleport@3', 'override', /an override is voicemail/],
    ['hangup=later', 'hangup', /not a number of seconds/],
    ['speaks=10:mumble', 'speaks', /./],
    ['body=hi', 'body', /give http=STATUS/],
    ['devices=desk:fax', 'devices', /sip or external/],
    ['caller=+12025550142 caller=+12025550143', 'caller', /given twice/],
    ['caller +12025550142', '', /expected key=value, got "caller"/],
  ])('reports %s at its key', (text, path, message) => {
    const result = parseScenario(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]?.path).toBe(path);
    expect(result.issues[0]?.message).toMatch(message);
  });

  it('fills what the text leaves out from a base, the text winning field by field', () => {
    const base = {
      user: {
        id: 'bob',
        name: 'Bob',
        timezone: 'Europe/Paris',
        devices: [{ id: 'home' }],
        handlingCodes: ['VIP'],
      },
      ringing: { 'device:home': { outcome: 'busy' as const } },
    };
    const scenario = parsed2('tz=America/New_York answer=cell@4', base);
    expect(scenario.user).toMatchObject({
      id: 'bob',
      name: 'Bob',
      timezone: 'America/New_York',
      devices: [{ id: 'home', kind: 'sip' }],
      handlingCodes: ['VIP'],
    });
    expect(scenario.ringing).toEqual({
      'device:home': { outcome: 'busy', afterSeconds: 0 },
      'device:cell': { outcome: 'answer', afterSeconds: 4 },
    });
  });

  it('documents every key it accepts', () => {
    for (const { key, example } of SCENARIO_KEYS) {
      const name = key.replace('NAME', 'x');
      const value = example.split(' | ')[0]!.replace(/^[\w.]+=/, '');
      const text =
        name === 'body'
          ? `http=200 body=${value}`
          : ['code', 'groups', 'email', 'org', 'field.x'].includes(name)
            ? `contact=Bob ${name}=${value}`
            : `${name}=${value}`;
      expect(parseScenario(text).ok, text).toBe(true);
    }
  });
});

describe('parseStartTime', () => {
  it.each([
    ['2026-11-23T09:00', 'America/New_York', Date.UTC(2026, 10, 23, 14, 0)],
    ['2026-07-01T09:00', 'America/New_York', Date.UTC(2026, 6, 1, 13, 0)],
    ['2026-11-23T09:00:30', 'Europe/Paris', Date.UTC(2026, 10, 23, 8, 0, 30)],
    ['2026-11-23T09:00-05:00', 'Asia/Tokyo', Date.UTC(2026, 10, 23, 14, 0)],
    ['2026-11-23T09:00Z', 'Asia/Tokyo', Date.UTC(2026, 10, 23, 9, 0)],
    ['2026-11-23T09:00+0530', 'UTC', Date.UTC(2026, 10, 23, 3, 30)],
    ['2026-11-23', 'UTC', Date.UTC(2026, 10, 23)],
    // The hour after the spring-forward gap and the first of the repeated autumn hours.
    ['2026-03-08T03:30', 'America/New_York', Date.UTC(2026, 2, 8, 7, 30)],
    ['2026-11-01T01:30', 'America/New_York', Date.UTC(2026, 10, 1, 5, 30)],
  ])('reads %s in %s', (text, zone, expected) => {
    expect(parseStartTime(text, zone)).toBe(expected);
  });
});
