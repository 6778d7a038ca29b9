import { Command } from 'commander';
import { VERSION } from '../version.js';
import { callCommand } from './commands/call-simulate.js';
import { contactsCommand } from './commands/contacts-import.js';
import { doctorCommand } from './commands/doctor.js';
import { flowCommand } from './commands/flow-validate.js';
import { provisionCommand } from './commands/provision.js';
import { startCommand } from './commands/start.js';
import { userCommand } from './commands/user-add.js';

export function buildProgram(): Command {
  const program = new Command('switchboard')
    .description(
      'Switchboard: a call-handling server driven by your contacts, calendar and call flows.',
    )
    .version(VERSION)
    .addHelpText(
      'after',
      '\nEvery option can also be set in a config file (switchboard.yaml or --config) or a SWITCHBOARD_* environment variable; see docs/CONFIGURATION.md.',
    )
    .addCommand(startCommand())
    .addCommand(provisionCommand())
    .addCommand(userCommand())
    .addCommand(contactsCommand())
    .addCommand(flowCommand())
    .addCommand(callCommand())
    .addCommand(doctorCommand());
  applyToTree(program);
  return program;
}

/**
 * Commander copies settings only to subcommands made with `.command()`; ours are built in their
 * own files and added with `.addCommand()`, so the shared behaviour is applied to the whole tree:
 * throw instead of exiting (run-cli.ts maps errors to exit codes) and show the help hint.
 */
function applyToTree(command: Command): void {
  command.exitOverride().showHelpAfterError('(add --help for usage)');
  for (const sub of command.commands) applyToTree(sub);
}
