import { Option, type Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/load-config.js';

/** Options every command that reads the store accepts; each also has a SWITCHBOARD_* variable. */
export interface StoreOptions {
  config?: string;
  dataDir?: string;
  databaseUrl?: string;
}

export function addStoreOptions(command: Command): Command {
  return command
    .addOption(
      new Option('-c, --config <file>', 'config file (default: ./switchboard.yaml if present)').env(
        'SWITCHBOARD_CONFIG',
      ),
    )
    .option(
      '--data-dir <dir>',
      'data directory for the embedded store and recordings [SWITCHBOARD_DATA_DIR]',
    )
    .option(
      '--database-url <url>',
      'postgres://... to use PostgreSQL instead of the embedded SQLite [SWITCHBOARD_DATABASE_URL]',
    );
}

/** Loads the layered config with the command's flags as the top layer. */
export function configFromOptions(
  options: StoreOptions,
  overrides: Record<string, unknown> = {},
): LoadedConfig {
  const flags: Record<string, unknown> = { ...overrides };
  if (options.dataDir !== undefined) flags['dataDir'] = options.dataDir;
  if (options.databaseUrl !== undefined) flags['databaseUrl'] = options.databaseUrl;
  return loadConfig({ configFile: options.config, overrides: flags });
}
