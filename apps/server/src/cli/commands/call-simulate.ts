import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import {
  builtinTemplate,
  FlowCompileError,
  parseBuiltinMethod,
  parseScenario,
  SCENARIO_KEYS,
  ScenarioError,
  simulate,
  type FlowIssue,
  type Scenario,
  type SimulationResult,
} from '@switchboard/flow';
import { userScenario } from '../../domain/services/flow-simulation.js';
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
      try {
        ({ scenario, flows } = await withStore(config, (store) =>
          userScenario(store, userId, options.scenario),
        ));
      } catch (error) {
        if (error instanceof ScenarioError) {
          throw new CliError(problems('--scenario', error.issues), 2);
        }
        throw error;
      }
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
