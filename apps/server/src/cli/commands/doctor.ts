import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import type { Config } from '../../config/schema.js';
import { explainPortError, probePort, type PortProtocol } from '../../ops/port-check.js';
import { WEB_CLIENT_DIR } from '../../version.js';
import { CliError } from '../cli-error.js';
import { addStoreOptions, configFromOptions, type StoreOptions } from '../shared-options.js';
import { withStore } from '../with-store.js';

type Status = 'ok' | 'warn' | 'fail';
interface Finding {
  status: Status;
  text: string;
}

const MARK: Record<Status, string> = { ok: '✓', warn: '!', fail: '✗' };

export function doctorCommand(): Command {
  const command = new Command('doctor')
    .summary('check this machine and configuration')
    .description(
      'Check what the server needs: Node.js version, configuration, data directory, store (opens it and applies pending migrations), HTTP and SIP ports, the web client build, and optional tools (espeak-ng for text to speech). Says what is missing and how to get it. Exits 1 when something required fails.',
    );
  return addStoreOptions(command).action(async (options: StoreOptions) => {
    const findings: Finding[] = [];
    const report = (finding: Finding): void => {
      findings.push(finding);
      console.log(`${MARK[finding.status]} ${finding.text}`);
    };
    report(checkNode());
    const { config, file } = configFromOptions(options);
    report({
      status: 'ok',
      text: `configuration is valid${file ? ` (${file})` : ' (defaults and SWITCHBOARD_* variables)'}`,
    });
    report(checkDataDir(config));
    report(await checkStore(config));
    for (const finding of await checkPorts(config)) report(finding);
    report(checkWebClient());
    report(
      checkTool('espeak-ng', 'text to speech in greetings and menus', 'apt-get install espeak-ng'),
    );
    const failed = findings.filter((f) => f.status === 'fail').length;
    const warned = findings.filter((f) => f.status === 'warn').length;
    if (failed > 0)
      throw new CliError(`${failed} required check${failed === 1 ? '' : 's'} failed.`);
    console.log(
      warned > 0
        ? `Ready, with ${warned} optional item${warned === 1 ? '' : 's'} missing.`
        : 'Ready.',
    );
  });
}

function checkNode(): Finding {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const supported = (major === 20 && minor >= 19) || major >= 22;
  return supported
    ? { status: 'ok', text: `Node.js ${process.versions.node}` }
    : {
        status: 'fail',
        text: `Node.js ${process.versions.node} is too old: install Node.js 20.19 or later (22 LTS recommended)`,
      };
}

function checkDataDir(config: Config): Finding {
  if (!existsSync(config.dataDir)) {
    return {
      status: 'ok',
      text: `data directory ${config.dataDir} will be created at first start`,
    };
  }
  try {
    accessSync(config.dataDir, constants.W_OK);
    return { status: 'ok', text: `data directory ${config.dataDir} is writable` };
  } catch {
    return {
      status: 'fail',
      text: `data directory ${config.dataDir} is not writable by this user: fix its owner or set SWITCHBOARD_DATA_DIR`,
    };
  }
}

async function checkStore(config: Config): Promise<Finding> {
  try {
    const users = await withStore(config, (store) => store.users.count());
    const engine = config.databaseUrl === undefined ? `SQLite in ${config.dataDir}` : 'PostgreSQL';
    return {
      status: 'ok',
      text: `store (${engine}) opens, schema is current, ${users} user${users === 1 ? '' : 's'}`,
    };
  } catch (error) {
    return { status: 'fail', text: `store cannot be opened: ${(error as Error).message}` };
  }
}

async function checkPorts(config: Config): Promise<Finding[]> {
  const checks: [PortProtocol, string, number, string, string][] = [
    ['tcp', config.http.host, config.http.port, 'HTTP', 'SWITCHBOARD_HTTP_PORT'],
    ['udp', config.sip.host, config.sip.port, 'SIP (UDP)', 'SWITCHBOARD_SIP_PORT'],
    ['tcp', config.sip.host, config.sip.port, 'SIP (TCP)', 'SWITCHBOARD_SIP_PORT'],
  ];
  const findings: Finding[] = [];
  for (const [protocol, host, port, what, envVar] of checks) {
    const problem = port === 0 ? null : await probePort(protocol, host, port);
    findings.push(
      problem === null
        ? { status: 'ok', text: `${what} port ${host}:${port} is free` }
        : { status: 'fail', text: explainPortError(problem, what, port, envVar) },
    );
  }
  return findings;
}

function checkWebClient(): Finding {
  const dir = fileURLToPath(WEB_CLIENT_DIR);
  return existsSync(join(dir, 'index.html'))
    ? { status: 'ok', text: 'web client is built' }
    : {
        status: 'warn',
        text: 'web client is not built yet: npm run build (npm start does it for you)',
      };
}

function checkTool(name: string, purpose: string, install: string): Finding {
  const found = (process.env['PATH'] ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .some((dir) => {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  return found
    ? { status: 'ok', text: `${name} found (${purpose})` }
    : {
        status: 'warn',
        text: `${name} not found: needed for ${purpose}; install it with: ${install}`,
      };
}
