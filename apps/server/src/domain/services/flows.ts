import {
  compileFlowMap,
  FlowMapSchema,
  validateFlowMap,
  validateFlowSet,
  type CompiledFlow,
  type FlowIssue,
  type FlowMap,
  type PinEnvironment,
} from '@switchboard/flow';
import type { FlowVersion } from '../model/flow.js';
import type { Repositories } from '../ports/store.js';

/**
 * Drafts and publication of a user's flows. Saving keeps any document (a draft may be half
 * drawn) and says what is wrong with it; publishing checks the whole thing, compiles it and
 * makes it the version calls run. A call runs the version published when it started.
 */

/** Why a version cannot be published: every problem, with its path, node and pin. */
export class FlowPublishError extends Error {
  constructor(readonly issues: readonly FlowIssue[]) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${String(issues.length - 1)} more)` : '';
    super(
      `the flow cannot be published: ${first && first.path !== '' ? `${first.path}: ` : ''}${first?.message ?? 'it is not valid'}${more}`,
    );
    this.name = 'FlowPublishError';
  }
}

export class FlowNotFoundError extends Error {
  constructor(userId: string, flowId: string, version?: number) {
    super(
      version === undefined
        ? `user ${userId} has no flow ${flowId}`
        : `flow ${flowId} of user ${userId} has no version ${String(version)}`,
    );
    this.name = 'FlowNotFoundError';
  }
}

/** What pins depend on for this user: Match caller has one per handling code. */
export async function pinEnvironmentOf(
  repos: Repositories,
  userId: string,
): Promise<PinEnvironment> {
  const codes = await repos.handlingCodes.listByUser(userId);
  return { handlingCodes: codes.map((c) => c.code) };
}

export interface SavedDraft {
  readonly version: FlowVersion;
  /** Empty when the draft could be published as it is. */
  readonly issues: readonly FlowIssue[];
}

/** Saves a new version of a flow as a draft, valid or not, and reports its problems. */
export async function saveFlowDraft(
  repos: Repositories,
  userId: string,
  flowId: string,
  name: string,
  document: unknown,
): Promise<SavedDraft> {
  const issues = await issuesOf(repos, userId, flowId, document);
  const version = await repos.flows.saveVersion(userId, flowId, name, document);
  return { version, issues };
}

/** The problems a document would have if published as flow `flowId` of the user. */
export async function issuesOf(
  repos: Repositories,
  userId: string,
  flowId: string,
  document: unknown,
): Promise<FlowIssue[]> {
  const env = await pinEnvironmentOf(repos, userId);
  const checked = validateFlowMap(document, { env });
  if (!checked.ok) return checked.errors;
  // Go to flow across the user's flows: this map with the others as calls would see them.
  const maps: Record<string, FlowMap> = { ...(await publishedMaps(repos, userId)) };
  maps[flowId] = checked.map;
  const set = validateFlowSet(maps);
  return set.ok ? [] : set.errors.filter((issue) => issue.flow === flowId);
}

/**
 * Publishes a version (the newest when `version` is omitted): validates it against the user's
 * handling codes and other flows, compiles it, and makes it the one calls run.
 */
export async function publishFlow(
  repos: Repositories,
  userId: string,
  flowId: string,
  version?: number,
): Promise<FlowVersion> {
  const draft = await repos.flows.getVersion(userId, flowId, version);
  if (!draft) throw new FlowNotFoundError(userId, flowId, version);
  const issues = await issuesOf(repos, userId, flowId, draft.document);
  if (issues.length > 0) throw new FlowPublishError(issues);
  const compiled: CompiledFlow = compileFlowMap(draft.document, {
    env: await pinEnvironmentOf(repos, userId),
  });
  return repos.flows.publish(userId, flowId, draft.version, compiled);
}

/** The published maps of a user's flows, by flow id (flows never published are left out). */
async function publishedMaps(
  repos: Repositories,
  userId: string,
): Promise<Record<string, FlowMap>> {
  const maps: Record<string, FlowMap> = {};
  for (const flow of await repos.flows.listByUser(userId)) {
    const published = await repos.flows.getPublished(userId, flow.id);
    const parsed = published && FlowMapSchema.safeParse(published.document);
    if (parsed?.success) maps[flow.id] = parsed.data;
  }
  return maps;
}

/**
 * The user's other flows whose published or newest version hands calls to `flowId` (Go to
 * flow): deleting `flowId` would leave them pointing nowhere.
 */
export async function flowsGoingTo(
  repos: Repositories,
  userId: string,
  flowId: string,
): Promise<string[]> {
  const found: string[] = [];
  for (const flow of await repos.flows.listByUser(userId)) {
    if (flow.id === flowId) continue;
    const versions = [
      await repos.flows.getPublished(userId, flow.id),
      await repos.flows.getVersion(userId, flow.id),
    ];
    if (versions.some((v) => v !== undefined && goesTo(v.document, flowId))) found.push(flow.id);
  }
  return found;
}

function goesTo(document: unknown, flowId: string): boolean {
  const parsed = FlowMapSchema.safeParse(document);
  return (
    parsed.success &&
    parsed.data.nodes.some((node) => node.type === 'goto-flow' && node.config['flow'] === flowId)
  );
}
