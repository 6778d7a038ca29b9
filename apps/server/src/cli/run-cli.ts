import { CommanderError } from 'commander';
import { ConfigError } from '../config/load-config.js';
import { PhoneNumberError } from '../domain/services/phone-numbers.js';
import { UserInputError } from '../domain/services/users.js';
import { ProvisioningError } from '../domain/services/provisioning/index.js';
import { StartupError } from '../main.js';
import { StoreOpenError } from '../persistence/open-store.js';
import { CliError } from './cli-error.js';
import { buildProgram } from './program.js';

/** Failures whose message is the whole story for the person at the terminal. */
const EXPECTED = [
  CliError,
  ConfigError,
  StartupError,
  StoreOpenError,
  ProvisioningError,
  PhoneNumberError,
  UserInputError,
];

/** Runs the CLI and returns the exit code: 0 done, 1 failed, 2 bad usage or configuration. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed help or the usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof ConfigError) {
      console.error(`switchboard: configuration error: ${error.message}`);
      return 2;
    }
    if (EXPECTED.some((kind) => error instanceof kind)) {
      console.error(`switchboard: ${(error as Error).message}`);
      return error instanceof CliError ? error.exitCode : 1;
    }
    console.error('switchboard: unexpected failure; please report it with the lines below.');
    console.error(error);
    return 1;
  }
}
