/**
 * Switchboard itself for the real-peer tests: the real server (`startServer`, as `switchboard
 * start` runs it) in this process, on 127.0.0.1 with ephemeral HTTP and SIP ports, SQLite in a
 * temp data directory, a provisioning file written there, and its log in a file the test can
 * show when something fails. `close()` stops it and removes the directory.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { ConfigSchema, type ConfigInput } from '../../../src/config/schema.js';
import { startServer, type RunningServer } from '../../../src/main.js';

export interface SwitchboardOptions {
  /** The provisioning document (written as YAML); flow files go in `files`. */
  readonly provisioning: Readonly<Record<string, unknown>>;
  /** Files next to the provisioning file (flow maps), by relative name. */
  readonly files?: Readonly<Record<string, unknown>>;
  /** RTP port range of the media engine. */
  readonly media: { readonly portMin: number; readonly portMax: number };
  /** More settings (deep-merged over the test's). */
  readonly config?: Partial<ConfigInput>;
  readonly logLevel?: 'trace' | 'debug' | 'info' | 'warn';
}

export interface RunningSwitchboard {
  readonly server: RunningServer;
  readonly dataDir: string;
  readonly sipPort: number;
  readonly httpUrl: string;
  /** The last `lines` lines of the server's log (JSON lines). */
  logTail(lines?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startSwitchboard(options: SwitchboardOptions): Promise<RunningSwitchboard> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-call-path-'));
  const dataDir = join(dir, 'data');
  const provisionFile = join(dir, 'provisioning.yaml');
  const logFile = join(dir, 'switchboard.log');
  await writeFile(provisionFile, stringify(options.provisioning));
  for (const [name, content] of Object.entries(options.files ?? {})) {
    await writeFile(join(dir, name), JSON.stringify(content, null, 2));
  }
  const destination = pino.destination({ dest: logFile, sync: true });
  const logger = pino(
    { level: options.logLevel ?? 'debug', base: { service: 'switchboard' } },
    destination,
  );
  const input: ConfigInput = {
    dataDir,
    provision: provisionFile,
    demo: false,
    ...options.config,
    http: { host: '127.0.0.1', port: 0, ...options.config?.http },
    sip: { host: '127.0.0.1', port: 0, ...options.config?.sip },
    media: { host: '127.0.0.1', ...options.media, ...options.config?.media },
    log: { level: options.logLevel ?? 'debug', format: 'json' },
  };
  const config = ConfigSchema.parse(input);
  const logTail = async (lines = 80): Promise<string> => {
    try {
      return (await readFile(logFile, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  let server: RunningServer;
  try {
    server = await startServer(config, { logger });
  } catch (error) {
    const tail = await logTail();
    destination.end();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`Switchboard did not start: ${String(error)}\n--- log:\n${tail}`);
  }
  let closed = false;
  return {
    server,
    dataDir,
    sipPort: server.sipPort,
    httpUrl: server.httpUrl,
    logTail,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await server.close();
      } finally {
        destination.end();
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
