import { describe, expect, it } from 'vitest';
import { calendarElement } from './calendar.js';
import { contextFor, factsFor } from './test-support.js';

const env = { handlingCodes: [] };
const parse = (raw: unknown) => calendarElement.config.parse(raw);

describe('calendar element', () => {
  it('defaults to the in-meeting-now question', () => {
    expect(parse({})).toEqual({ check: 'in-meeting-now' });
    expect(parse({ check: 'caller-attendee-today' }).check).toBe('caller-attendee-today');
  });

  it('refuses an unknown question or key', () => {
    expect(calendarElement.config.safeParse({ check: 'on-holiday' }).success).toBe(false);
    expect(calendarElement.config.safeParse({ check: 'in-meeting-now', when: 'now' }).success).toBe(
      false,
    );
  });

  it('has required yes and no pins labelled for the question', () => {
    const pins = calendarElement.pins(parse({}), env);
    expect(pins.map((p) => [p.id, p.required])).toEqual([
      ['yes', true],
      ['no', true],
    ]);
    expect(pins[0]?.label).toMatch(/meeting/i);
    const attendee = calendarElement.pins(parse({ check: 'caller-attendee-today' }), env);
    expect(attendee[0]?.label).toMatch(/attendee/i);
  });

  it.each([
    ['in-meeting-now', { inMeetingNow: true, callerIsAttendeeToday: false }, 'yes'],
    ['in-meeting-now', { inMeetingNow: false, callerIsAttendeeToday: true }, 'no'],
    ['caller-attendee-today', { inMeetingNow: false, callerIsAttendeeToday: true }, 'yes'],
    ['caller-attendee-today', { inMeetingNow: true, callerIsAttendeeToday: false }, 'no'],
  ] as const)('%s with %o leaves by %s', async (check, calendar, pin) => {
    const outcome = await calendarElement.run(
      contextFor(parse({ check }), { facts: factsFor({ calendar }) }),
    );
    expect(outcome.pin).toBe(pin);
    expect(outcome.detail).toEqual({ check, answer: pin === 'yes' });
  });
});
