import {
  FlowDto,
  FlowList,
  FlowVersionList,
  SaveFlowRequest,
  Slug,
  UserIdParam,
} from '@switchboard/contracts';
import { validateFlowMap } from '@switchboard/flow';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Flow, FlowVersion } from '../../domain/model/index.js';
import { resolveOwner } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { iso, toFlowSummaryDto } from '../dto.js';
import { conflict, notFound, validationFailed } from '../errors.js';
import { NoContent, TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';

const FlowParams = UserIdParam.extend({ flowId: Slug });

function toFlowDto(flow: Flow, version: FlowVersion) {
  return {
    ...toFlowSummaryDto(flow),
    version: version.version,
    // The store keeps whatever JSON object was saved; the request schema only admits objects.
    document: version.document as Record<string, unknown>,
  };
}

/** Call flow maps. Every save makes a new immutable version; call records name the one they ran. */
export function flowRoutes(ctx: RouteContext): FastifyPluginAsyncZod {
  const { store } = ctx;
  return routes((app) => {
    app.get(
      '/api/users/:userId/flows',
      {
        schema: {
          tags: [TAGS.flows],
          summary: 'List a user’s flows',
          params: UserIdParam,
          response: { 200: FlowList, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const flows = await store.flows.listByUser(owner.id);
        return { items: flows.map(toFlowSummaryDto) };
      },
    );

    app.get(
      '/api/users/:userId/flows/:flowId',
      {
        schema: {
          tags: [TAGS.flows],
          summary: 'Get a flow with the document of its current version',
          params: FlowParams,
          response: { 200: FlowDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const flow = await store.flows.get(owner.id, request.params.flowId);
        const version = flow && (await store.flows.getVersion(owner.id, flow.id));
        if (!flow || !version) throw notFound(`Flow ${request.params.flowId}`);
        return toFlowDto(flow, version);
      },
    );

    app.put(
      '/api/users/:userId/flows/:flowId',
      {
        schema: {
          tags: [TAGS.flows],
          summary: 'Save a flow: creates it or appends a new version',
          params: FlowParams,
          body: SaveFlowRequest,
          response: {
            200: FlowDto,
            201: FlowDto.describe('The flow was created'),
            ...signedInErrors,
            ...errorResponses(404),
          },
        },
      },
      async (request, reply) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const { flowId } = request.params;
        // Only a map the runtime can compile is stored: the editor shows these paths on nodes.
        const checked = validateFlowMap(request.body.document);
        if (!checked.ok) {
          throw validationFailed(
            checked.errors.map((issue) => ({
              path: issue.path === '' ? 'document' : `document.${issue.path}`,
              message: issue.message,
            })),
          );
        }
        const version = await store.flows.saveVersion(
          owner.id,
          flowId,
          request.body.name,
          checked.map,
        );
        const flow = await store.flows.get(owner.id, flowId);
        if (!flow) throw new Error(`flow ${flowId} vanished right after it was saved`);
        const created = version.version === 1;
        ctx.announce('flow', flowId, created ? 'created' : 'updated', owner.id);
        return reply.code(created ? 201 : 200).send(toFlowDto(flow, version));
      },
    );

    app.get(
      '/api/users/:userId/flows/:flowId/versions',
      {
        schema: {
          tags: [TAGS.flows],
          summary: 'List the saved versions of a flow, oldest first',
          params: FlowParams,
          response: { 200: FlowVersionList, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        if (!(await store.flows.get(owner.id, request.params.flowId))) {
          throw notFound(`Flow ${request.params.flowId}`);
        }
        const versions = await store.flows.listVersions(owner.id, request.params.flowId);
        return {
          items: versions
            .map((v) => ({ version: v.version, createdAt: iso(v.createdAt) }))
            .sort((a, b) => a.version - b.version),
        };
      },
    );

    app.get(
      '/api/users/:userId/flows/:flowId/versions/:version',
      {
        schema: {
          tags: [TAGS.flows],
          summary: 'Get one saved version of a flow',
          params: FlowParams.extend({ version: z.coerce.number().int().min(1) }),
          response: { 200: FlowDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const { flowId, version: wanted } = request.params;
        const flow = await store.flows.get(owner.id, flowId);
        if (!flow) throw notFound(`Flow ${flowId}`);
        const version = await store.flows.getVersion(owner.id, flowId, wanted);
        if (!version) throw notFound(`Version ${wanted} of flow ${flowId}`);
        return toFlowDto(flow, version);
      },
    );

    app.delete(
      '/api/users/:userId/flows/:flowId',
      {
        schema: {
          tags: [TAGS.flows],
          summary: 'Delete a flow and all its versions (409 while something uses it)',
          params: FlowParams,
          response: { 204: NoContent, ...signedInErrors, ...errorResponses(404, 409) },
        },
      },
      async (request, reply) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const { flowId } = request.params;
        if (!(await store.flows.get(owner.id, flowId))) throw notFound(`Flow ${flowId}`);
        // Deleting a flow still named as a handling method would break calls silently.
        const users: string[] = [];
        if (owner.defaultHandling === flowId) users.push('the default handling');
        if (owner.unknownHandling === flowId) users.push('the handling of unknown callers');
        for (const code of await store.handlingCodes.listByUser(owner.id)) {
          if (code.method === flowId) users.push(`handling code ${code.code}`);
        }
        if (users.length > 0) {
          throw conflict(`Flow ${flowId} is in use by ${users.join(', ')}; change those first`);
        }
        await store.flows.delete(owner.id, flowId);
        ctx.announce('flow', flowId, 'deleted', owner.id);
        return reply.code(204).send(null);
      },
    );
  });
}
