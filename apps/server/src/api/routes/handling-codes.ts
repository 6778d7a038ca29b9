import {
  HandlingCodeDto,
  HandlingCodeList,
  HandlingCodeName,
  PutHandlingCodeRequest,
  UserIdParam,
} from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { resolveOwner } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { toHandlingCodeDto } from '../dto.js';
import { notFound } from '../errors.js';
import { checkHandlingMethod } from '../handling.js';
import { NoContent, TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';

const CodeParams = UserIdParam.extend({ code: HandlingCodeName });

/** A user's handling codes: which handling method runs for contacts carrying each code. */
export function handlingCodeRoutes(ctx: RouteContext): FastifyPluginAsyncZod {
  const { store } = ctx;
  return routes((app) => {
    app.get(
      '/api/users/:userId/handling-codes',
      {
        schema: {
          tags: [TAGS.handlingCodes],
          summary: 'List a user’s handling codes',
          params: UserIdParam,
          response: { 200: HandlingCodeList, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const codes = await store.handlingCodes.listByUser(owner.id);
        return { items: codes.map(toHandlingCodeDto) };
      },
    );

    app.get(
      '/api/users/:userId/handling-codes/:code',
      {
        schema: {
          tags: [TAGS.handlingCodes],
          summary: 'Get one handling code',
          params: CodeParams,
          response: { 200: HandlingCodeDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const code = await store.handlingCodes.get(owner.id, request.params.code);
        if (!code) throw notFound(`Handling code ${request.params.code}`);
        return toHandlingCodeDto(code);
      },
    );

    app.put(
      '/api/users/:userId/handling-codes/:code',
      {
        schema: {
          tags: [TAGS.handlingCodes],
          summary: 'Create or replace a handling code (code is upper-cased)',
          params: CodeParams,
          body: PutHandlingCodeRequest,
          response: {
            200: HandlingCodeDto,
            201: HandlingCodeDto,
            ...signedInErrors,
            ...errorResponses(404),
          },
        },
      },
      async (request, reply) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const { code } = request.params;
        await checkHandlingMethod(store, owner.id, request.body.method, 'method');
        const existed = (await store.handlingCodes.get(owner.id, code)) !== undefined;
        const saved = await store.handlingCodes.put({
          userId: owner.id,
          code,
          method: request.body.method,
          description: request.body.description,
        });
        ctx.announce('handling-code', code, existed ? 'updated' : 'created', owner.id);
        return reply.code(existed ? 200 : 201).send(toHandlingCodeDto(saved));
      },
    );

    app.delete(
      '/api/users/:userId/handling-codes/:code',
      {
        schema: {
          tags: [TAGS.handlingCodes],
          summary: 'Delete a handling code (contacts keep it and fall back to the default)',
          params: CodeParams,
          response: { 204: NoContent, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        if (!(await store.handlingCodes.delete(owner.id, request.params.code))) {
          throw notFound(`Handling code ${request.params.code}`);
        }
        ctx.announce('handling-code', request.params.code, 'deleted', owner.id);
        return reply.code(204).send(null);
      },
    );
  });
}
