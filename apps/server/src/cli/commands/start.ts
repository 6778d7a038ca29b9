import { constants as osConstants } from 'node:os';
import { Command, Option } from 'commander';
import { CliError } from '../cli-error.js';
import { createLogger } from '../../ops/logger.js';
import { startServer, type RunningServer } from '../../main.js';
import { createProgress } from '../progress.js';
import { addStoreOptions, configFromOptions, type StoreOptions } from '../shared-options.js';
import { parsePortArgument } from '../arguments.js';

interface StartOptions extends StoreOptions {
  httpPort?: number;
  httpHost?: string;
  sipPort?: number;
  provision?: string;
  demo: boolean;
}

export function startCommand(): Command {
  const command = new Command('start')
    .summary('run the server')
    .description(
      'Run the server: web client and API over HTTP, with the store migrated at start. On a store with no users, the demo data in examples/demo.yaml is loaded and the sign-in is printed.',
    )
    .option(
      '--http-port <port>',
      'HTTP port for the web client and API, 0 for any free one [SWITCHBOARD_HTTP_PORT, default 8080]',
      parsePortArgument,
    )
    .option(
      '--http-host <address>',
      'address to listen on [SWITCHBOARD_HTTP_HOST, default 0.0.0.0]',
    )
    .option(
      '--sip-port <port>',
      'SIP port, UDP and TCP [SWITCHBOARD_SIP_PORT, default 5060]',
      parsePortArgument,
    )
    .option(
      '--provision <file>',
      'provisioning file to apply at every start [SWITCHBOARD_PROVISION]',
    )
    .addOption(
      new Option(
        '--no-demo',
        'do not load the demo data into an empty store [SWITCHBOARD_DEMO=false]',
      ),
    );
  return addStoreOptions(command).action(async (options: StartOptions, cmd: Command) => {
    const overrides: Record<string, unknown> = {};
    const http: Record<string, unknown> = {};
    if (options.httpPort !== undefined) http['port'] = options.httpPort;
    if (options.httpHost !== undefined) http['host'] = options.httpHost;
    if (Object.keys(http).length > 0) overrides['http'] = http;
    if (options.sipPort !== undefined) overrides['sip'] = { port: options.sipPort };
    if (options.provision !== undefined) overrides['provision'] = options.provision;
    if (cmd.getOptionValueSource('demo') === 'cli') overrides['demo'] = options.demo;
    const { config, file } = configFromOptions(options, overrides);

    const logger = createLogger(config.log);
    if (file) logger.info({ file }, 'config file read');
    const progress = createProgress('Provisioning');
    const server = await startServer(config, { logger, onProvisionProgress: progress.update });
    progress.finish();
    printBanner(
      server,
      config.databaseUrl === undefined ? `SQLite in ${config.dataDir}` : 'PostgreSQL',
      `${config.sip.host}:${String(server.sipPort)} (UDP and TCP), RTP ports ${String(config.media.portMin)}-${String(config.media.portMax)}`,
    );
    await waitForShutdown(server, logger);
  });
}

function printBanner(server: RunningServer, storeText: string, sipText: string): void {
  const lines = [
    '',
    'Switchboard is ready.',
    `  Web client and API   ${server.httpUrl}`,
    `  API documentation    ${server.httpUrl}/api/docs`,
    `  Health and metrics   ${server.httpUrl}/api/health  ${server.httpUrl}/metrics`,
    `  SIP                  ${sipText}`,
    `  Store                ${storeText}`,
  ];
  const logins = server.provisioned?.logins ?? [];
  if (server.provisioned?.demo && logins.length > 0) {
    lines.push(
      '  Sign in with the demo users (created now from examples/demo.yaml, each with a new random',
      '  password shown only this once):',
    );
    for (const login of logins) {
      lines.push(
        `      ${login.email}  password: ${login.password}${login.role === 'admin' ? '  (administrator)' : ''}`,
      );
    }
  } else {
    lines.push(
      "  Sign in with a user's e-mail and password (add one: switchboard user add --help).",
    );
  }
  lines.push('  Stop with Ctrl+C.', '');
  console.log(lines.join('\n'));
}

/**
 * Graceful shutdown on SIGTERM/SIGINT: finish in-flight work, close listeners and the store. A
 * second signal exits at once with the conventional 128 + signal number.
 */
function waitForShutdown(
  server: RunningServer,
  logger: { warn(message: string): void; error(fields: object, message: string): void },
): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn(`${signal} again: exiting without waiting`);
        process.exit(128 + osConstants.signals[signal]);
      }
      stopping = true;
      server.close().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'shutdown did not complete cleanly');
        reject(new CliError('shutdown did not complete cleanly; see the log above'));
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
