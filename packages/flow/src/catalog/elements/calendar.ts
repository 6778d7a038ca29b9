import { z } from 'zod';
import { defineElement } from '../element.js';

const CHECKS = {
  'in-meeting-now': {
    yes: 'Yes, in a meeting',
    no: 'No meeting now',
  },
  'caller-attendee-today': {
    yes: 'Yes, attendee today',
    no: 'Not an attendee today',
  },
} as const;

/**
 * Asks the user's calendar a yes/no question. The answers were worked out when the call arrived
 * (CallFacts.calendar), so the handler does no I/O.
 */
export const calendarElement = defineElement({
  type: 'calendar',
  label: 'Calendar',
  category: 'decision',
  description:
    "Checks the user's calendar: are they in a meeting now, or is the caller in one of today's meetings?",
  config: z.strictObject({
    check: z
      .enum(['in-meeting-now', 'caller-attendee-today'])
      .default('in-meeting-now')
      .describe(
        'in-meeting-now: the user is in a busy meeting as the call arrives. caller-attendee-today: ' +
          "the caller's e-mail is among the attendees of one of the user's meetings today.",
      )
      .meta({ title: 'Question' }),
  }),
  pins: (config) => [
    { id: 'yes', label: CHECKS[config.check].yes, required: true },
    { id: 'no', label: CHECKS[config.check].no, required: true },
  ],
  preconditions: [],
  waits: false,
  maxDurationMs: () => 1000,
  run: ({ config, facts }) => {
    const answer =
      config.check === 'in-meeting-now'
        ? facts.calendar.inMeetingNow
        : facts.calendar.callerIsAttendeeToday;
    return Promise.resolve({
      pin: answer ? 'yes' : 'no',
      detail: { check: config.check, answer },
    });
  },
});
