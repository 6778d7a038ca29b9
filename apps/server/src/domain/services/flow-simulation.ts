import {
  checkScenario,
  parseScenario,
  ScenarioError,
  type Scenario,
  type ScenarioInput,
} from '@switchboard/flow';
import type { Repositories } from '../ports/store.js';
import { UserInputError } from './users.js';

export interface UserScenario {
  readonly scenario: Scenario;
  /** The user's published flows by id, for Go to flow. */
  readonly flows: Record<string, unknown>;
}

/**
 * A scenario (`caller=+1202... status=busy presses=2`) with a stored user under it: their
 * devices, handling codes, attendant and time zone unless the scenario says otherwise, and the
 * contact the calling number belongs to, found as a real call would find it. Shared by
 * `switchboard call simulate --user` and the editor's test panel (the API).
 */
export async function userScenario(
  repos: Repositories,
  userId: string,
  text: string,
): Promise<UserScenario> {
  const user = await repos.users.get(userId);
  if (user === undefined) throw new UserInputError('user', `there is no user "${userId}"`);
  const [devices, codes, userFlows] = await Promise.all([
    repos.devices.listByUser(userId),
    repos.handlingCodes.listByUser(userId),
    repos.flows.listByUser(userId),
  ]);
  const base: ScenarioInput = {
    user: {
      id: user.id,
      name: user.name,
      timezone: user.timezone,
      attendantId: user.attendantId,
      devices: devices.map((d) => ({ id: d.id, name: d.name, kind: d.kind })),
      handlingCodes: codes.map((c) => c.code),
    },
  };
  let scenario = valid(parseScenario(text, base));
  if (scenario.contact === null && scenario.caller !== 'anonymous') {
    const [contact] = await repos.contacts.findByPhone(userId, scenario.caller);
    if (contact !== undefined) {
      scenario = valid(
        checkScenario({
          ...scenario,
          contact: {
            id: contact.id,
            name: contact.name,
            organization: contact.organization,
            emails: [...contact.emails],
            code: contact.handlingCode,
          },
        }),
      );
    }
  }
  // Go to flow reaches what calls would run: the other flows' published versions (the flow
  // under test is the caller's choice, draft or not).
  const flows: Record<string, unknown> = {};
  for (const flow of userFlows) {
    const version = await repos.flows.getPublished(userId, flow.id);
    if (version !== undefined) flows[flow.id] = version.document;
  }
  return { scenario, flows };
}

function valid(parsed: ReturnType<typeof parseScenario>): Scenario {
  if (!parsed.ok) throw new ScenarioError(parsed.issues);
  return parsed.value;
}
