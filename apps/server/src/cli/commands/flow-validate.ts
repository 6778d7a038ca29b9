import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { validateFlowMap } from '@switchboard/flow';
import { CliError } from '../cli-error.js';

export function flowCommand(): Command {
  const flow = new Command('flow')
    .summary('work with call flow maps')
    .description('Work with call flow map files.');
  const validate = new Command('validate')
    .summary('check a flow map file')
    .description(
      'Check a call flow map (JSON or YAML) and list every problem with its path. Exits 1 when the map is invalid. Schema: docs/flow-map.schema.json.',
    )
    .argument('<file>', 'flow map file (.json or .yaml)')
    .action(async (file: string) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new CliError(`${file} cannot be read: ${(error as Error).message}`);
      }
      let parsed: unknown;
      try {
        // YAML is a superset of JSON: flow maps may be written in either, as in provisioning.
        parsed = parseYaml(text);
      } catch (error) {
        const at = error instanceof YAMLParseError ? error.linePos?.[0] : undefined;
        const where = at ? ` at line ${String(at.line)}, column ${String(at.col)}` : '';
        throw new CliError(`${file}: not valid JSON or YAML${where}`);
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
