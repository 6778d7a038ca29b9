import { PutStatusRequest, UserIdParam, UserStatusDto } from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { effectiveStatus, setStatus } from '../../domain/services/user-status.js';
import { resolveOwner } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { iso, toUserStatusDto } from '../dto.js';
import { TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';

/**
 * A user's status: what they set by hand (available, busy, do not disturb, away, with an
 * optional end time and note) and what their calendar says (in a meeting, out of office). The
 * status calls see follows the precedence in domain/services/user-status.ts.
 */
export function statusRoutes(ctx: RouteContext): FastifyPluginAsyncZod {
  const { store, clock, events } = ctx;
  return routes((app) => {
    app.get(
      '/api/users/:userId/status',
      {
        schema: {
          tags: [TAGS.status],
          summary: 'Get the status calls see now, and the status the user set',
          description:
            'A live status set by hand (no `until`, or `until` in the future) wins over the ' +
            'calendar, except a standing `available`; then an out-of-office event covering now; ' +
            'then a busy event covering now (`in-a-meeting`); else `available`.',
          params: UserIdParam,
          response: { 200: UserStatusDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const now = clock.now();
        return toUserStatusDto(owner.id, await effectiveStatus(store, owner.id, now), now);
      },
    );

    app.put(
      '/api/users/:userId/status',
      {
        schema: {
          tags: [TAGS.status],
          summary: 'Set the status by hand (available with no until and no note clears it)',
          params: UserIdParam,
          body: PutStatusRequest,
          response: { 200: UserStatusDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const { status, until, note } = request.body;
        const now = clock.now();
        await setStatus(
          store,
          {
            userId: owner.id,
            status,
            until: until === undefined || until === null ? null : Date.parse(until),
            note: note ?? null,
          },
          now,
        );
        const dto = toUserStatusDto(owner.id, await effectiveStatus(store, owner.id, now), now);
        events.publish(owner.id, {
          type: 'status.changed',
          userId: owner.id,
          status: dto,
          at: iso(now),
        });
        return dto;
      },
    );
  });
}
