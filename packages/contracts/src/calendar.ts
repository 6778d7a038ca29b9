import { z } from 'zod';
import { Timestamp } from './common.js';

export const CalendarEventDto = z.object({
  id: z.string(),
  uid: z.string(),
  summary: z.string(),
  startsAt: Timestamp,
  endsAt: Timestamp,
  allDay: z.boolean(),
  busy: z.boolean(),
  outOfOffice: z.boolean(),
  attendees: z.array(z.string()),
  updatedAt: Timestamp,
});
export type CalendarEventDto = z.infer<typeof CalendarEventDto>;

export const CalendarEventList = z.object({ items: z.array(CalendarEventDto) });
export type CalendarEventList = z.infer<typeof CalendarEventList>;

/** Events overlapping [from, to); defaults to the next seven days. At most 400 days. */
export const CalendarRangeQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
