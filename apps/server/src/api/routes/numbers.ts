import {
  AddNumberRequest,
  PhoneNumberDto,
  PhoneNumberList,
  UserIdParam,
} from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAdmin, resolveOwner } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { toPhoneNumberDto } from '../dto.js';
import { conflict, notFound } from '../errors.js';
import { normaliseNumber } from '../phones.js';
import { NoContent, TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';

/**
 * A user's numbers (DIDs). Users see theirs; assigning and releasing numbers is for admins,
 * because a number is a carrier resource and whoever holds it receives its calls.
 */
export function numberRoutes(ctx: RouteContext): FastifyPluginAsyncZod {
  const { store } = ctx;
  return routes((app) => {
    app.get(
      '/api/users/:userId/numbers',
      {
        schema: {
          tags: [TAGS.numbers],
          summary: 'List a user’s phone numbers',
          params: UserIdParam,
          response: { 200: PhoneNumberList, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const numbers = await store.numbers.listByUser(owner.id);
        return { items: numbers.map(toPhoneNumberDto) };
      },
    );

    app.post(
      '/api/users/:userId/numbers',
      {
        schema: {
          tags: [TAGS.numbers],
          summary: 'Assign a phone number to a user (admin); 409 if another user has it',
          params: UserIdParam,
          body: AddNumberRequest,
          response: {
            200: PhoneNumberDto.describe('The user already had this number'),
            201: PhoneNumberDto,
            ...signedInErrors,
            ...errorResponses(404, 409),
          },
        },
      },
      async (request, reply) => {
        requireAdmin(request);
        const owner = await resolveOwner(store, request, request.params.userId);
        const e164 = normaliseNumber(request.body.number, owner.country, 'number');
        const existing = await store.numbers.get(e164);
        if (existing && existing.userId !== owner.id) {
          // The repository would move the number; taking it from someone must be deliberate.
          throw conflict(`The number ${e164} already belongs to another user`);
        }
        if (existing) return reply.code(200).send(toPhoneNumberDto(existing));
        const number = await store.numbers.put(e164, owner.id);
        ctx.announce('number', e164, 'created', owner.id);
        return reply.code(201).send(toPhoneNumberDto(number));
      },
    );

    app.delete(
      '/api/users/:userId/numbers/:number',
      {
        schema: {
          tags: [TAGS.numbers],
          summary: 'Release a user’s phone number (admin)',
          params: UserIdParam.extend({ number: z.string().min(1).max(40) }),
          response: { 204: NoContent, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        requireAdmin(request);
        const owner = await resolveOwner(store, request, request.params.userId);
        const e164 = normaliseNumber(request.params.number, owner.country, 'params.number');
        const existing = await store.numbers.get(e164);
        if (!existing || existing.userId !== owner.id) throw notFound(`Number ${e164}`);
        await store.numbers.delete(e164);
        ctx.announce('number', e164, 'deleted', owner.id);
        return reply.code(204).send(null);
      },
    );
  });
}
