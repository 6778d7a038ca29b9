import { Command } from 'commander';
import { VERSION } from '../version.js';
import { contactsCommand } from './commands/contacts-import.js';
import { doctorCommand } from './commands/doctor.js';
import { flowCommand } from './commands/flow-validate.js';
import { provisionCommand } from './commands/provision.js';
import { startCommand } from './commands/start.js';
import { userCommand } from './commands/user-add.js';

export function buildProgram(): Command {
  return new Command('switchboard')
    .description(
      'Switchboard: a call-handling server driven by your contacts, calendar and call flows.',
    )
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nEvery option can also be set in a config file (switchboard.yaml or --config) or a SWITCHBOARD_* environment variable; see docs/CONFIGURATION.md.',
    )
    .addCommand(startCommand())
    .addCommand(provisionCommand())
    .addCommand(userCommand())
    .addCommand(contactsCommand())
    .addCommand(flowCommand())
    .addCommand(doctorCommand());
}
