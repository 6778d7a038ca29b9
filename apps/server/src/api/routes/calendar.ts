import { CalendarEventList, CalendarRangeQuery, UserIdParam } from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { resolveOwner } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { toCalendarEventDto } from '../dto.js';
import { invalidField } from '../errors.js';
import { TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_RANGE_MS = 7 * DAY_MS;
/** A year and a bit: enough for any view, small enough to bound the reply. */
const MAX_RANGE_MS = 400 * DAY_MS;

/** A user's calendar events (read-only here: they come from the calendar sync). */
export function calendarRoutes(ctx: RouteContext): FastifyPluginAsyncZod {
  const { store, clock } = ctx;
  return routes((app) => {
    app.get(
      '/api/users/:userId/calendar-events',
      {
        schema: {
          tags: [TAGS.calendar],
          summary: 'List calendar events overlapping a time range (default: the next 7 days)',
          params: UserIdParam,
          querystring: CalendarRangeQuery,
          response: { 200: CalendarEventList, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const from =
          request.query.from === undefined ? clock.now() : Date.parse(request.query.from);
        const to =
          request.query.to === undefined ? from + DEFAULT_RANGE_MS : Date.parse(request.query.to);
        if (to <= from) throw invalidField('query.to', 'must be after from');
        if (to - from > MAX_RANGE_MS)
          throw invalidField('query.to', 'the range is at most 400 days');
        const events = await store.calendar.listByUser(owner.id, from, to);
        return { items: events.map(toCalendarEventDto) };
      },
    );
  });
}
