import {
  CopyTemplateRequest,
  FlowDto,
  FlowList,
  FlowTemplateList,
  FlowVersionList,
  PublishFlowRequest,
  SaveFlowRequest,
  SimulateFlowRequest,
  SimulationDto,
  Slug,
  UserIdParam,
} from '@switchboard/contracts';
import {
  BUILTIN_TEMPLATES,
  builtinTemplateUsage,
  catalogDescription,
  copyTemplate,
  FlowCompileError,
  ScenarioError,
  simulate,
  type FlowIssue,
} from '@switchboard/flow';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Flow, FlowVersion } from '../../domain/model/index.js';
import { resolveOwner } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { iso, toFlowSummaryDto } from '../dto.js';
import { userScenario } from '../../domain/services/flow-simulation.js';
import {
  FlowNotFoundError,
  FlowPublishError,
  flowsGoingTo,
  issuesOf,
  pinEnvironmentOf,
  publishFlow,
  saveFlowDraft,
} from '../../domain/services/flows.js';
import { conflict, invalidField, notFound, validationFailed } from '../errors.js';
import { NoContent, TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';

const FlowParams = UserIdParam.extend({ flowId: Slug });

function toFlowDto(flow: Flow, version: FlowVersion, issues: readonly FlowIssue[]) {
  return {
    ...toFlowSummaryDto(flow),
    version: version.version,
    // The store keeps whatever JSON object was saved; the request schema only admits objects.
    document: version.document as Record<string, unknown>,
    publishedAt: version.publishedAt === null ? null : iso(version.publishedAt),
    issues: issues.map(toIssueDto),
  };
}

/** Issues as the API shows them: paths inside the request body (`document.nodes[2]...`). */
function toIssueDto(issue: FlowIssue) {
  return {
    path: issue.path === '' ? 'document' : `document.${issue.path}`,
    message: issue.message,
    ...(issue.node === undefined ? {} : { node: issue.node }),
    ...(issue.pin === undefined ? {} : { pin: issue.pin }),
  };
}

/**
 * Call flow maps. Every save makes a new immutable draft version, valid or not, answered with
 * what keeps it from being published; publishing compiles a valid version and makes it the one
 * calls run. Call records name the version they ran.
 */
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
        return toFlowDto(flow, version, await issuesOf(store, owner.id, flow.id, version.document));
      },
    );

    app.put(
      '/api/users/:userId/flows/:flowId',
      {
        schema: {
          tags: [TAGS.flows],
          summary:
            'Save a draft: creates the flow or appends a version, valid or not, and lists what keeps it from being published',
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
        const { version, issues } = await saveFlowDraft(
          store,
          owner.id,
          flowId,
          request.body.name,
          request.body.document,
        );
        const flow = await store.flows.get(owner.id, flowId);
        if (!flow) throw new Error(`flow ${flowId} vanished right after it was saved`);
        const created = version.version === 1;
        ctx.announce('flow', flowId, created ? 'created' : 'updated', owner.id);
        return reply.code(created ? 201 : 200).send(toFlowDto(flow, version, issues));
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
            .map((v) => ({
              version: v.version,
              createdAt: iso(v.createdAt),
              publishedAt: v.publishedAt === null ? null : iso(v.publishedAt),
            }))
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
        return toFlowDto(flow, version, await issuesOf(store, owner.id, flowId, version.document));
      },
    );

    app.post(
      '/api/users/:userId/flows/:flowId/publish',
      {
        schema: {
          tags: [TAGS.flows],
          summary:
            'Publish a version (the newest by default): checked, compiled, and from now on the one new calls run',
          params: FlowParams,
          body: PublishFlowRequest,
          response: { 200: FlowDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const { flowId } = request.params;
        try {
          const published = await store.transaction((repos) =>
            publishFlow(repos, owner.id, flowId, request.body.version),
          );
          const flow = await store.flows.get(owner.id, flowId);
          if (!flow) throw new FlowNotFoundError(owner.id, flowId);
          ctx.announce('flow', flowId, 'updated', owner.id);
          return toFlowDto(flow, published, []);
        } catch (error) {
          if (error instanceof FlowNotFoundError) throw notFound(`Flow ${flowId}`);
          if (error instanceof FlowPublishError) {
            throw validationFailed(error.issues.map(toIssueDto));
          }
          throw error;
        }
      },
    );

    app.post(
      '/api/users/:userId/flows/:flowId/simulate',
      {
        schema: {
          tags: [TAGS.flows],
          summary:
            'Run a version (draft or published) against a scripted call, in virtual time with no network: the editor’s test panel',
          params: FlowParams,
          body: SimulateFlowRequest,
          response: { 200: SimulationDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const { flowId } = request.params;
        const version = await store.flows.getVersion(owner.id, flowId, request.body.version);
        if (!version) throw notFound(`Flow ${flowId}`);
        try {
          const { scenario, flows } = await userScenario(store, owner.id, request.body.scenario);
          const result = await simulate({
            map: version.document,
            scenario,
            flows,
            flowId,
            env: await pinEnvironmentOf(store, owner.id),
          });
          return {
            outcome: result.outcome,
            path: [...result.path],
            // Step and action records are plain JSON data by construction.
            steps: result.steps as unknown as Record<string, unknown>[],
            actions: result.actions as unknown as Record<string, unknown>[],
            variables: { ...result.variables },
          };
        } catch (error) {
          if (error instanceof FlowCompileError) {
            throw validationFailed(error.issues.map(toIssueDto));
          }
          if (error instanceof ScenarioError) {
            throw validationFailed(
              error.issues.map((i) => ({
                path: i.path === '' ? 'scenario' : `scenario.${i.path}`,
                message: i.message,
              })),
            );
          }
          throw error;
        }
      },
    );

    app.post(
      '/api/users/:userId/flows/:flowId/from-template',
      {
        schema: {
          tags: [TAGS.flows],
          summary: 'Start a new flow (or a new draft of one) as a copy of a built-in template',
          params: FlowParams,
          body: CopyTemplateRequest,
          response: { 201: FlowDto, 200: FlowDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const { flowId } = request.params;
        const copy = copyTemplate(request.body.template, request.body.name);
        if (!copy) {
          throw invalidField(
            'template',
            `no built-in template ${request.body.template}; see GET /api/flow-templates`,
          );
        }
        const { version, issues } = await saveFlowDraft(
          store,
          owner.id,
          flowId,
          request.body.name,
          copy,
        );
        const flow = await store.flows.get(owner.id, flowId);
        if (!flow) throw new Error(`flow ${flowId} vanished right after it was saved`);
        ctx.announce('flow', flowId, version.version === 1 ? 'created' : 'updated', owner.id);
        return reply.code(version.version === 1 ? 201 : 200).send(toFlowDto(flow, version, issues));
      },
    );

    app.get(
      '/api/flow-templates',
      {
        schema: {
          tags: [TAGS.flows],
          summary:
            'The built-in handling methods, usable as `builtin:<name>` or copied into a flow',
          response: { 200: FlowTemplateList, ...signedInErrors },
        },
      },
      async (request) => {
        await resolveOwner(store, request, 'me');
        return {
          items: BUILTIN_TEMPLATES.map((t) => ({
            method: builtinTemplateUsage(t),
            description: t.description,
            parameter: t.parameter?.description ?? null,
          })),
        };
      },
    );

    app.get(
      '/api/users/:userId/flow-catalog',
      {
        schema: {
          tags: [TAGS.flows],
          summary:
            'The element catalog for the editor: each element’s settings (JSON Schema), pins and help, with this user’s handling codes',
          params: UserIdParam,
          response: {
            200: z.object({ elements: z.array(z.record(z.string(), z.unknown())) }),
            ...signedInErrors,
            ...errorResponses(404),
          },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const env = await pinEnvironmentOf(store, owner.id);
        // Plain JSON by construction (JSON Schemas and strings).
        return { elements: catalogDescription({ env }) as unknown as Record<string, unknown>[] };
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
        if (owner.anonymousHandling === flowId) users.push('the handling of anonymous callers');
        for (const code of await store.handlingCodes.listByUser(owner.id)) {
          if (code.method === flowId) users.push(`handling code ${code.code}`);
        }
        for (const other of await flowsGoingTo(store, owner.id, flowId)) {
          users.push(`the Go to flow of flow ${other}`);
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
