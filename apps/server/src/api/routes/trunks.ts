import {
  CreateTrunkRequest,
  Slug,
  TrunkDto,
  TrunkList,
  UpdateTrunkRequest,
} from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Trunk, TrunkInput } from '../../domain/model/index.js';
import { requireAdmin } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { toTrunkDto } from '../dto.js';
import { conflict, notFound } from '../errors.js';
import { NoContent, TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';

const TrunkParams = z.object({ trunkId: Slug });

function toInput(trunk: Trunk): TrunkInput {
  return {
    id: trunk.id,
    host: trunk.host,
    port: trunk.port,
    inbound: trunk.inbound,
    username: trunk.username,
    password: trunk.password,
    calledNumberFrom: trunk.calledNumberFrom,
  };
}

/** SIP carrier connections: server-wide, admins only. */
export function trunkRoutes(ctx: RouteContext): FastifyPluginAsyncZod {
  const { store } = ctx;

  async function getTrunk(id: string): Promise<Trunk> {
    const trunk = await store.trunks.get(id);
    if (!trunk) throw notFound(`Trunk ${id}`);
    return trunk;
  }

  return routes((app) => {
    // Every trunk route is admin-only; checking once here keeps a new route from forgetting it.
    // onRequest, so a non-admin hears 403 before anything about their request body.
    app.addHook('onRequest', (request, _reply, done) => {
      requireAdmin(request);
      done();
    });

    app.get(
      '/api/trunks',
      {
        schema: {
          tags: [TAGS.trunks],
          summary: 'List trunks (admin)',
          response: { 200: TrunkList, ...signedInErrors },
        },
      },
      async () => ({ items: (await store.trunks.list()).map(toTrunkDto) }),
    );

    app.get(
      '/api/trunks/:trunkId',
      {
        schema: {
          tags: [TAGS.trunks],
          summary: 'Get a trunk (admin)',
          params: TrunkParams,
          response: { 200: TrunkDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => toTrunkDto(await getTrunk(request.params.trunkId)),
    );

    app.post(
      '/api/trunks',
      {
        schema: {
          tags: [TAGS.trunks],
          summary: 'Create a trunk (admin)',
          body: CreateTrunkRequest,
          response: { 201: TrunkDto, ...signedInErrors, ...errorResponses(409) },
        },
      },
      async (request, reply) => {
        if (await store.trunks.get(request.body.id)) {
          throw conflict(`There is already a trunk ${request.body.id}`);
        }
        const trunk = await store.trunks.put(request.body);
        ctx.announce('trunk', trunk.id, 'created', null);
        return reply.code(201).send(toTrunkDto(trunk));
      },
    );

    app.patch(
      '/api/trunks/:trunkId',
      {
        schema: {
          tags: [TAGS.trunks],
          summary: 'Change a trunk (admin)',
          params: TrunkParams,
          body: UpdateTrunkRequest,
          response: { 200: TrunkDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const current = await getTrunk(request.params.trunkId);
        const body = request.body;
        const trunk = await store.trunks.put({
          ...toInput(current),
          host: body.host ?? current.host,
          port: body.port ?? current.port,
          inbound: body.inbound ?? current.inbound,
          username: body.username === undefined ? current.username : body.username,
          password: body.password === undefined ? current.password : body.password,
          calledNumberFrom: body.calledNumberFrom ?? current.calledNumberFrom,
        });
        ctx.announce('trunk', trunk.id, 'updated', null);
        return toTrunkDto(trunk);
      },
    );

    app.delete(
      '/api/trunks/:trunkId',
      {
        schema: {
          tags: [TAGS.trunks],
          summary: 'Delete a trunk (admin)',
          params: TrunkParams,
          response: { 204: NoContent, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        if (!(await store.trunks.delete(request.params.trunkId))) {
          throw notFound(`Trunk ${request.params.trunkId}`);
        }
        ctx.announce('trunk', request.params.trunkId, 'deleted', null);
        return reply.code(204).send(null);
      },
    );
  });
}
