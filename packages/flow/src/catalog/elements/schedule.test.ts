import { describe, expect, it } from 'vitest';
import { localTime, scheduleElement } from './schedule.js';
import { contextFor, factsFor, fakeClock } from './test-support.js';

const env = { handlingCodes: [] };
const parse = (raw: unknown) => scheduleElement.config.parse(raw);
const issuesOf = (raw: unknown) =>
  (scheduleElement.config.safeParse(raw).error?.issues ?? []).map((i) => i.path.join('.'));

/** Runs the schedule at an instant written with its UTC offset, for a New York user. */
async function pinAt(raw: unknown, instant: string, timezone = 'America/New_York') {
  const outcome = await scheduleElement.run(
    contextFor(parse(raw), {
      clock: fakeClock(instant),
      facts: factsFor({ user: { timezone } }),
    }),
  );
  return outcome.pin;
}

describe('schedule element', () => {
  describe('config', () => {
    it('defaults to weekdays 09:00-17:00 with no holidays', () => {
      expect(parse({})).toEqual({
        hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }],
        holidays: [],
      });
    });

    it('accepts ranges past midnight, 24:00 as an end and a time zone', () => {
      const config = parse({
        hours: [
          { days: ['fri'], from: '22:00', to: '06:00' },
          { days: ['sat'], from: '00:00', to: '24:00' },
        ],
        holidays: ['2026-12-25', '2028-02-29'],
        timezone: 'Europe/Paris',
      });
      expect(config.hours).toHaveLength(2);
      expect(config.timezone).toBe('Europe/Paris');
    });

    it('reports each bad value where it is', () => {
      expect(issuesOf({ hours: [{ days: [], from: '09:00', to: '17:00' }] })).toEqual([
        'hours.0.days',
      ]);
      expect(issuesOf({ hours: [{ days: ['monday'], from: '09:00', to: '17:00' }] })).toEqual([
        'hours.0.days.0',
      ]);
      expect(issuesOf({ hours: [{ days: ['mon'], from: '9:00', to: '17:00' }] })).toEqual([
        'hours.0.from',
      ]);
      expect(issuesOf({ hours: [{ days: ['mon'], from: '24:00', to: '17:00' }] })).toEqual([
        'hours.0.from',
      ]);
      expect(issuesOf({ hours: [{ days: ['mon'], from: '09:00', to: '24:01' }] })).toEqual([
        'hours.0.to',
      ]);
      expect(issuesOf({ hours: [{ days: ['mon'], from: '09:00', to: '09:00' }] })).toEqual([
        'hours.0.to',
      ]);
      expect(
        issuesOf({ holidays: ['2026-02-30', '2026-13-01', '25/12/2026', '2027-02-29'] }),
      ).toEqual(['holidays.0', 'holidays.1', 'holidays.2', 'holidays.3']);
      expect(issuesOf({ timezone: 'Mars/Olympus_Mons' })).toEqual(['timezone']);
      expect(
        issuesOf({ hours: [{ days: ['mon'], from: '09:00', to: '17:00', tz: 'UTC' }] }),
      ).toEqual(['hours.0']);
    });
  });

  it('has required open and closed pins', () => {
    expect(scheduleElement.pins(parse({}), env)).toEqual([
      { id: 'open', label: 'Open', required: true },
      { id: 'closed', label: 'Closed', required: true },
    ]);
  });

  describe('opening hours', () => {
    it('is open from the opening minute up to, not including, the closing one', async () => {
      // Monday 23 November 2026 in New York (EST, UTC-5).
      expect(await pinAt({}, '2026-11-23T08:59:59-05:00')).toBe('closed');
      expect(await pinAt({}, '2026-11-23T09:00:00-05:00')).toBe('open');
      expect(await pinAt({}, '2026-11-23T16:59:59-05:00')).toBe('open');
      expect(await pinAt({}, '2026-11-23T17:00:00-05:00')).toBe('closed');
      // Saturday.
      expect(await pinAt({}, '2026-11-28T12:00:00-05:00')).toBe('closed');
    });

    it("judges by the user's wall clock, not UTC", async () => {
      // 09:30 in New York is 14:30 UTC; 20:30 UTC is 15:30 there.
      expect(await pinAt({}, '2026-11-23T14:30:00Z')).toBe('open');
      expect(await pinAt({}, '2026-11-23T22:30:00Z')).toBe('closed');
      // The same instant for a user in Tokyo is 23:30 on Monday.
      expect(await pinAt({}, '2026-11-23T14:30:00Z', 'Asia/Tokyo')).toBe('closed');
    });

    it('prefers the configured time zone over the user’s', async () => {
      const paris = { timezone: 'Europe/Paris' };
      // 09:30 in Paris is 03:30 in New York.
      expect(await pinAt(paris, '2026-11-23T09:30:00+01:00')).toBe('open');
      expect(await pinAt({}, '2026-11-23T09:30:00+01:00')).toBe('closed');
    });

    it('is always closed with no ranges, and open all day with 00:00-24:00', async () => {
      expect(await pinAt({ hours: [] }, '2026-11-23T12:00:00-05:00')).toBe('closed');
      const allWeek = {
        hours: [
          { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' },
        ],
      };
      expect(await pinAt(allWeek, '2026-11-23T00:00:00-05:00')).toBe('open');
      expect(await pinAt(allWeek, '2026-11-22T23:59:59-05:00')).toBe('open');
    });

    it('reports the local time it decided on', async () => {
      const outcome = await scheduleElement.run(
        contextFor(parse({}), { clock: fakeClock('2026-11-23T14:30:00Z') }),
      );
      expect(outcome.detail).toEqual({
        timezone: 'America/New_York',
        localTime: '2026-11-23T09:30',
        weekday: 'mon',
      });
    });
  });

  describe('ranges past midnight', () => {
    const nights = { hours: [{ days: ['fri'], from: '22:00', to: '06:00' }] };

    it('opens on the listed evening and runs into the next morning', async () => {
      // Friday 27 and Saturday 28 November 2026.
      expect(await pinAt(nights, '2026-11-27T21:59:00-05:00')).toBe('closed');
      expect(await pinAt(nights, '2026-11-27T22:00:00-05:00')).toBe('open');
      expect(await pinAt(nights, '2026-11-28T00:00:00-05:00')).toBe('open');
      expect(await pinAt(nights, '2026-11-28T05:59:00-05:00')).toBe('open');
      expect(await pinAt(nights, '2026-11-28T06:00:00-05:00')).toBe('closed');
    });

    it('does not open on mornings after unlisted days', async () => {
      // Friday morning follows Thursday, which has no range.
      expect(await pinAt(nights, '2026-11-27T03:00:00-05:00')).toBe('closed');
      // Saturday evening is not listed.
      expect(await pinAt(nights, '2026-11-28T23:00:00-05:00')).toBe('closed');
    });

    it('runs from Saturday night to Sunday morning across the last day of the week', async () => {
      const weekend = { hours: [{ days: ['sat'], from: '20:00', to: '02:00' }] };
      expect(await pinAt(weekend, '2026-11-29T01:30:00-05:00')).toBe('open');
      expect(await pinAt(weekend, '2026-11-30T01:30:00-05:00')).toBe('closed');
    });
  });

  describe('DST changes in New York', () => {
    it('on 2026-03-08 skips 02:00-03:00 and shifts the day by an hour', async () => {
      const earlyHours = { hours: [{ days: ['sun'], from: '01:00', to: '03:00' }] };
      // 01:59 EST, then the next second is 03:00 EDT.
      expect(await pinAt(earlyHours, '2026-03-08T06:59:00Z')).toBe('open');
      expect(await pinAt(earlyHours, '2026-03-08T07:00:00Z')).toBe('closed');
      const sunday = { hours: [{ days: ['sun'], from: '09:00', to: '17:00' }] };
      // After the change 09:00 local is 13:00 UTC (it was 14:00 UTC the week before).
      expect(await pinAt(sunday, '2026-03-08T12:59:00Z')).toBe('closed');
      expect(await pinAt(sunday, '2026-03-08T13:00:00Z')).toBe('open');
      expect(await pinAt(sunday, '2026-03-01T13:00:00Z')).toBe('closed');
      expect(await pinAt(sunday, '2026-03-01T14:00:00Z')).toBe('open');
    });

    it('on 2026-11-01 counts the repeated hour twice and shifts the day back', async () => {
      const oneAm = { hours: [{ days: ['sun'], from: '01:00', to: '02:00' }] };
      expect(await pinAt(oneAm, '2026-11-01T05:30:00Z')).toBe('open'); // 01:30 EDT
      expect(await pinAt(oneAm, '2026-11-01T06:30:00Z')).toBe('open'); // 01:30 EST
      expect(await pinAt(oneAm, '2026-11-01T07:00:00Z')).toBe('closed'); // 02:00 EST
      const sunday = { hours: [{ days: ['sun'], from: '09:00', to: '17:00' }] };
      expect(await pinAt(sunday, '2026-11-01T13:30:00Z')).toBe('closed'); // 08:30 EST
      expect(await pinAt(sunday, '2026-11-01T14:00:00Z')).toBe('open'); // 09:00 EST
    });

    it('keeps a night range whole across the spring change', async () => {
      const saturdayNight = { hours: [{ days: ['sat'], from: '22:00', to: '06:00' }] };
      expect(await pinAt(saturdayNight, '2026-03-08T01:30:00-05:00')).toBe('open');
      expect(await pinAt(saturdayNight, '2026-03-08T05:59:00-04:00')).toBe('open');
      expect(await pinAt(saturdayNight, '2026-03-08T06:00:00-04:00')).toBe('closed');
    });
  });

  describe('holidays', () => {
    const withChristmas = (hours: unknown) => ({ hours, holidays: ['2026-12-25'] });
    const weekdays = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }];

    it('closes the whole local day', async () => {
      // Friday 25 December 2026, inside the usual hours.
      expect(await pinAt(withChristmas(weekdays), '2026-12-25T12:00:00-05:00')).toBe('closed');
      expect(await pinAt(withChristmas(weekdays), '2026-12-24T12:00:00-05:00')).toBe('open');
      expect(await pinAt(withChristmas(weekdays), '2026-12-28T12:00:00-05:00')).toBe('open');
    });

    it('is a date in the schedule’s time zone', async () => {
      // 2026-12-25T03:00Z is still Christmas Eve evening in New York.
      const evenings = withChristmas([{ days: ['thu'], from: '20:00', to: '23:00' }]);
      expect(await pinAt(evenings, '2026-12-25T03:00:00Z')).toBe('open');
    });

    it('closes the early hours of a night range running into it', async () => {
      const nights = withChristmas([{ days: ['thu'], from: '22:00', to: '06:00' }]);
      expect(await pinAt(nights, '2026-12-24T23:00:00-05:00')).toBe('open');
      expect(await pinAt(nights, '2026-12-25T03:00:00-05:00')).toBe('closed');
    });

    it('cancels a night range that starts on it, next morning included', async () => {
      const nights = withChristmas([{ days: ['fri'], from: '22:00', to: '06:00' }]);
      expect(await pinAt(nights, '2026-12-26T03:00:00-05:00')).toBe('closed');
      const detail = (
        await scheduleElement.run(
          contextFor(parse(nights), { clock: fakeClock('2026-12-25T23:00:00-05:00') }),
        )
      ).detail;
      expect(detail).toMatchObject({ holiday: true, localTime: '2026-12-25T23:00' });
    });
  });

  it('fails with a clear error for a time zone the runtime does not know', async () => {
    await expect(pinAt({}, '2026-11-23T12:00:00Z', 'Nowhere/Special')).rejects.toThrow(
      /"Nowhere\/Special" is not a known IANA time zone/,
    );
  });

  it('computes local dates across year and month ends', () => {
    expect(localTime(Date.parse('2027-01-01T04:59:00Z'), 'America/New_York')).toMatchObject({
      date: '2026-12-31',
      day: 'thu',
      minutes: 23 * 60 + 59,
      previousDate: '2026-12-30',
      previousDay: 'wed',
    });
    expect(localTime(Date.parse('2028-03-01T00:30:00Z'), 'UTC')).toMatchObject({
      date: '2028-03-01',
      previousDate: '2028-02-29',
      day: 'wed',
      previousDay: 'tue',
      minutes: 30,
    });
  });
});
