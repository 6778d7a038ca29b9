import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { validateFlowMap } from '@switchboard/flow';
import { CliError } from '../cli-error.js';

export function flowCommand(): Command {
  const flow = new Command('flow')
    .summary('work with call flow maps')
    .description('Work with call flow map files.');
  const validate = new Command('validate')
    .summary('check a flow map file')
    .description(
      'Check a call flow map (JSON) and list every problem with its path. Exits 1 when the map is invalid. Schema: docs/flow-map.schema.json.',
    )
    .argument('<file>', 'flow map JSON file')
    .action(async (file: string) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        throw new CliError(
          `${file}: ${error instanceof SyntaxError ? `not valid JSON: ${error.message}` : (error as Error).message}`,
        );
      }
      const result = validateFlowMap(parsed);
      if (result.ok) {
        console.log(
          `${file}: valid flow map "${result.map.name}" with ${result.map.nodes.length} nodes and ${result.map.edges.length} connections.`,
        );
        return;
      }
      const lines = result.errors.map(
        (issue) => `  ${issue.path || '(document)'}: ${issue.message}`,
      );
      throw new CliError(
        `${file}: ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}\n${lines.join('\n')}`,
      );
    });
  return flow.addCommand(validate);
}
