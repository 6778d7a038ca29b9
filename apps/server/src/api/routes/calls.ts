import { CallDetailDto, CallList, CallListQuery, UserIdParam } from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { resolveOwner } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { toCallDto, toCallStepDto } from '../dto.js';
import { notFound } from '../errors.js';
import { TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';

/** A user's call history, each call with the step log that explains what happened to it. */
export function callRoutes(ctx: RouteContext): FastifyPluginAsyncZod {
  const { store } = ctx;
  return routes((app) => {
    app.get(
      '/api/users/:userId/calls',
      {
        schema: {
          tags: [TAGS.calls],
          summary: 'List a user’s calls, newest first',
          params: UserIdParam,
          querystring: CallListQuery,
          response: { 200: CallList, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const { limit, before } = request.query;
        const calls = await store.calls.listByUser(
          owner.id,
          before === undefined ? { limit } : { limit, before: Date.parse(before) },
        );
        return { items: calls.map(toCallDto) };
      },
    );

    app.get(
      '/api/users/:userId/calls/:callId',
      {
        schema: {
          tags: [TAGS.calls],
          summary: 'Get one call with its step log',
          params: UserIdParam.extend({ callId: z.string().min(1).max(64) }),
          response: { 200: CallDetailDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const call = await store.calls.get(request.params.callId);
        // Someone else's call is "not found": its id says nothing to this user.
        if (!call || call.userId !== owner.id) throw notFound(`Call ${request.params.callId}`);
        const steps = await store.calls.listSteps(call.id);
        return { ...toCallDto(call), steps: steps.map(toCallStepDto) };
      },
    );
  });
}
