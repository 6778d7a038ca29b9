import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import {
  builtinTemplate,
  checkScenario,
  FlowCompileError,
  parseBuiltinMethod,
  parseScenario,
  SCENARIO_KEYS,
  ScenarioError,
  simulate,
  type FlowIssue,
  type Scenario,
  type ScenarioInput,
  type SimulationResult,
} from '@switchboard/flow';
import type { Store } from '../../domain/ports/store.js';
import { CliError } from '../cli-error.js';
import { addStoreOptions, configFromOptions, type StoreOptions } from '../shared-options.js';
import { withStore } from '../with-store.js';
import { simulationReport } from './call-simulate-report.js';

interface SimulateCommandOptions extends StoreOptions {
  scenario: string;
  user?: string;
  json?: boolean;
}

export function callCommand(): Command {
  const call = new Command('call')
    .summary('work with calls')
    .description('Work with calls: try a call flow map against a made-up call.');
  const run = new Command('simulate')
    .summary('run a flow map against a scripted call')
    .description(
      'Run a call flow map (a JSON or YAML file, or builtin:<template>) against a scripted call in virtual time, with no network, and print the path the call took and the step log. Exits 1 when the map is invalid, 2 when the scenario is.',
    )
    .argument(
      '<flow>',
      'flow map file (.json or .yaml), or builtin:<template> (e.g. builtin:ring-then-voicemail)',
    )
    .option('-s, --scenario <text>', 'the call, as key=value words (keys below)', '')
    .option(
      '-u, --user <id>',
      "take the user's devices, handling codes, attendant, time zone, flows and contacts from the store",
    )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', scenarioHelp());
  addStoreOptions(run).action(async (flow: string, options: SimulateCommandOptions) => {
    const map = await loadMap(flow);
    let scenario: Scenario;
    let flows: Record<string, unknown> | undefined;
    if (options.user !== undefined) {
      const userId = options.user;
      const { config } = configFromOptions(options);
      ({ scenario, flows } = await withStore(config, (store) =>
        scenarioFromStore(store, userId, options.scenario),
      ));
    } else {
      scenario = checkedScenario(parseScenario(options.scenario));
    }
    let result: SimulationResult;
    try {
      result = await simulate({ map, scenario, ...(flows === undefined ? {} : { flows }) });
    } catch (error) {
      if (error instanceof FlowCompileError) throw new CliError(problems(flow, error.issues));
      if (error instanceof ScenarioError)
        throw new CliError(problems('--scenario', error.issues), 2);
      throw error;
    }
    if (options.json === true) {
      console.log(
        JSON.stringify(
          {
            path: result.path,
            outcome: result.outcome,
            variables: result.variables,
            steps: result.steps,
            actions: result.actions,
          },
          null,
          2,
        ),
      );
      return;
    }
    console.log(simulationReport(flow, map, result));
  });
  return call.addCommand(run);
}

function scenarioHelp(): string {
  const width = Math.max(...SCENARIO_KEYS.map((k) => k.key.length));
  const lines = SCENARIO_KEYS.map((k) => `  ${k.key.padEnd(width)}  ${k.help} (e.g. ${k.example})`);
  return [
    '',
    'Scenario keys (--scenario "caller=+12025550142 contact=\\"Bob Boss\\" code=VIP status=busy at=2026-11-23T09:00 presses=2 answer=none"):',
    ...lines,
    '',
    'Without a key: an unknown caller (+12025550199) to user alice (desk and cell) who is available, on Monday 2026-11-23 09:00 UTC; nobody answers.',
  ].join('\n');
}

async function loadMap(flow: string): Promise<unknown> {
  if (flow.startsWith('builtin:')) {
    const parsed = parseBuiltinMethod(flow);
    const template = parsed.ok ? builtinTemplate(flow) : undefined;
    if (template === undefined) {
      throw new CliError(parsed.ok ? `${flow}: no such built-in template` : parsed.message);
    }
    return template;
  }
  let text: string;
  try {
    text = await readFile(flow, 'utf8');
  } catch (error) {
    throw new CliError(`${flow} cannot be read: ${(error as Error).message}`);
  }
  try {
    return parseYaml(text) as unknown;
  } catch (error) {
    const at = error instanceof YAMLParseError ? error.linePos?.[0] : undefined;
    const where = at ? ` at line ${String(at.line)}, column ${String(at.col)}` : '';
    throw new CliError(`${flow}: not valid JSON or YAML${where}`);
  }
}

function checkedScenario(parsed: ReturnType<typeof parseScenario>): Scenario {
  if (!parsed.ok) throw new CliError(problems('--scenario', parsed.issues), 2);
  return parsed.value;
}

function problems(what: string, issues: readonly FlowIssue[]): string {
  const lines = issues.map((issue) => `  ${issue.path || '(document)'}: ${issue.message}`);
  return `${what}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${lines.join('\n')}`;
}

/**
 * The scenario with the stored user under it: their devices, codes, attendant and zone unless
 * the scenario says otherwise, and the contact the calling number belongs to, as a real call
 * would find it. Also the user's flows, for Go to flow.
 */
async function scenarioFromStore(
  store: Store,
  userId: string,
  text: string,
): Promise<{ scenario: Scenario; flows: Record<string, unknown> }> {
  const user = await store.users.get(userId);
  if (user === undefined) throw new CliError(`no user "${userId}" in the store`);
  const [devices, codes, userFlows] = await Promise.all([
    store.devices.listByUser(userId),
    store.handlingCodes.listByUser(userId),
    store.flows.listByUser(userId),
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
  let scenario = checkedScenario(parseScenario(text, base));
  if (scenario.contact === null && scenario.caller !== 'anonymous') {
    const [contact] = await store.contacts.findByPhone(userId, scenario.caller);
    if (contact !== undefined) {
      scenario = checkedScenario(
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
  const flows: Record<string, unknown> = {};
  for (const flow of userFlows) {
    const version = await store.flows.getVersion(userId, flow.id);
    if (version !== undefined) flows[flow.id] = version.document;
  }
  return { scenario, flows };
}
