import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { EspeakSpeech } from '@switchboard/media';
import { externalAddress } from '../../telephony/sip-service.js';
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
      'Check what the server needs: Node.js version, configuration, data directory, store (opens it and applies pending migrations), HTTP and SIP ports, the RTP port range and the address put in SDP, the web client build, and text to speech (espeak-ng, tried for real). Says what is missing and how to get it. Exits 1 when something required fails.',
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
    report(await checkRtpPorts(config));
    report(checkMediaAddress(config));
    report(checkWebClient());
    report(await checkSpeech());
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

/**
 * Text to speech, tried for real: espeak-ng must run and speak (its voice data installed), or
 * every spoken greeting and menu is silent.
 */
async function checkSpeech(): Promise<Finding> {
  const speech = new EspeakSpeech({ timeoutMs: 10_000 });
  const purpose = 'text to speech in greetings, menus and the default voicemail greeting';
  if (!(await speech.isAvailable())) {
    return {
      status: 'warn',
      text: `espeak-ng not found: needed for ${purpose} (callers hear silence instead); install it with: apt-get install espeak-ng`,
    };
  }
  try {
    const pcm = await speech.synthesize('Switchboard');
    return pcm.length > 0
      ? { status: 'ok', text: `espeak-ng found and speaks (${purpose})` }
      : { status: 'warn', text: 'espeak-ng ran but produced no audio: reinstall espeak-ng-data' };
  } catch (error) {
    return {
      status: 'warn',
      text: `espeak-ng is installed but failed: ${(error as Error).message}`,
    };
  }
}

/** How many RTP/RTCP port pairs of the configured range can be bound now. */
async function checkRtpPorts(config: Config): Promise<Finding> {
  const { portMin, portMax } = config.media;
  const host = config.sip.host;
  const first = portMin % 2 === 0 ? portMin : portMin + 1;
  let free = 0;
  let pairs = 0;
  for (let port = first; port + 1 <= portMax; port += 2) {
    pairs += 1;
    if (
      (await probePort('udp', host, port)) === null &&
      (await probePort('udp', host, port + 1)) === null
    )
      free += 1;
  }
  const range = `RTP ports ${String(portMin)}-${String(portMax)} on ${host}`;
  if (free === 0) {
    return {
      status: 'fail',
      text: `${range}: no port pair is free, so no call can carry audio; choose another range with SWITCHBOARD_MEDIA_PORT_MIN and SWITCHBOARD_MEDIA_PORT_MAX`,
    };
  }
  return {
    status: free < pairs ? 'warn' : 'ok',
    text: `${range}: ${String(free)} of ${String(pairs)} call legs can be opened (each leg takes two ports; open the range in your firewall)`,
  };
}

/** The address phones and carriers are told to send audio to. */
function checkMediaAddress(config: Config): Finding {
  if (config.media.host !== undefined) {
    return { status: 'ok', text: `SDP offers audio at ${config.media.host} (media.host)` };
  }
  if (!['0.0.0.0', '::'].includes(config.sip.host)) {
    return { status: 'ok', text: `SDP offers audio at ${config.sip.host} (sip.host)` };
  }
  return {
    status: 'ok',
    text: `SDP offers audio at ${externalAddress()} (this machine's first external IPv4 address); behind NAT set SWITCHBOARD_MEDIA_HOST to the public address`,
  };
}
