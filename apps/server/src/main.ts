/**
 * The composition root: the one place that knows every concrete part (store, API, SIP and
 * media) and wires them together. Everything else receives its collaborators.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { buildApp } from './api/app.js';
import type { Config } from './config/schema.js';
import { systemClock, type Clock } from './domain/ports/clock.js';
import type { Store } from './domain/ports/store.js';
import { EventBus } from './domain/services/event-bus.js';
import { CallJournal } from './domain/services/call-journal.js';
import { LiveCallRegistry } from './domain/services/live-call-registry.js';
import { VoicemailService } from './domain/services/voicemail/index.js';
import { mediaAudioConverter } from './integrations/audio/media-audio-converter.js';
import { DataDirFiles } from './integrations/files/data-dir-files.js';
import { createSmtpMailSender } from './integrations/mail/smtp-mail-sender.js';
import {
  loadConfiguredProvisioning,
  provisionAtStart,
  type ProvisionedAtStart,
} from './provision-at-start.js';
import { createMetrics } from './ops/metrics.js';
import { explainPortError, probePort } from './ops/port-check.js';
import { openStore } from './persistence/open-store.js';
import { digestAlgorithmsFor, limiterKeyFor } from './telephony/invite-auth.js';
import { wireMessageWaiting, type MessageWaiting } from './telephony/mwi.js';
import { startTelephony, type Telephony } from './telephony/sip-service.js';
import { VERSION, WEB_CLIENT_DIR } from './version.js';

/** Start-up stopped for a reason a person can fix; the message is the whole story. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

export interface StartOptions {
  logger: Logger;
  clock?: Clock;
  metrics?: Registry;
  /** Makes the demo users' passwords (random by default). */
  newDemoPassword?: () => string;
  /** Told about each provisioning step, for a progress display. */
  onProvisionProgress?: (done: number, total: number, label: string) => void;
}

export interface RunningServer {
  readonly httpUrl: string;
  readonly httpPort: number;
  /** The bound SIP port, UDP and TCP (the configured one, or the one picked for port 0). */
  readonly sipPort: number;
  readonly store: Store;
  /** Set when this start loaded a provisioning file (the configured one or the demo). */
  readonly provisioned: ProvisionedAtStart | undefined;
  /** Stops accepting work, lets requests in flight finish, then closes the store. Idempotent. */
  close(): Promise<void>;
}

export async function startServer(config: Config, options: StartOptions): Promise<RunningServer> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;

  // Refuse a busy port before touching the store, so a second start changes nothing.
  await ensurePortFree('tcp', config.http.host, config.http.port, 'HTTP', 'SWITCHBOARD_HTTP_PORT');
  await ensurePortFree(
    'udp',
    config.sip.host,
    config.sip.port,
    'SIP (UDP)',
    'SWITCHBOARD_SIP_PORT',
  );
  await ensurePortFree(
    'tcp',
    config.sip.host,
    config.sip.port,
    'SIP (TCP)',
    'SWITCHBOARD_SIP_PORT',
  );

  // A bad provisioning file is refused before the store is opened, so nothing is touched.
  const configured = await loadConfiguredProvisioning(config);

  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    clock,
    logger,
    // The server's commits must never wait for a WAL checkpoint's disk sync.
    backgroundCheckpoints: true,
  });
  let app: FastifyInstance | undefined;
  let telephony: Telephony | undefined;
  let voicemail: VoicemailService | undefined;
  let mwi: MessageWaiting | undefined;
  let journal: CallJournal | undefined;
  try {
    const provisioned = await provisionAtStart(store, config, configured, {
      clock,
      logger,
      onProgress: options.onProvisionProgress,
      newPassword: options.newDemoPassword,
    });
    const events = new EventBus();
    // One registry of calls in progress: telephony adds calls, the API lists and overrides them.
    const liveCalls = new LiveCallRegistry();
    // One writer of call records, committing the writes of all calls in groups.
    journal = new CallJournal({ store, logger });
    voicemail = new VoicemailService({
      store,
      events,
      clock,
      files: new DataDirFiles(config.dataDir),
      audio: mediaAudioConverter,
      mail: createSmtpMailSender(config.smtp, logger),
      publicUrl: config.http.publicUrl,
      logger,
      minMessageSeconds: config.voicemail.minMessageSeconds,
      retentionDays: config.voicemail.retentionDays,
      voice: config.voicemail.voice,
    });
    // Mail still pending from before a restart goes out again; retention starts.
    await voicemail.start();
    telephony = await startSip(config, {
      store,
      events,
      clock,
      logger,
      liveCalls,
      journal,
      voicemail,
      userAgent: `Switchboard/${VERSION}`,
    });
    // Message waiting (RFC 3842): SUBSCRIBE, and NOTIFY when a user's counts change.
    mwi = wireMessageWaiting({
      telephony,
      store,
      voicemail,
      clock,
      logger,
      algorithms: digestAlgorithmsFor,
      limiterKey: limiterKeyFor,
    });
    const sipPort = telephony.port;
    logger.info(
      { host: config.sip.host, port: sipPort, media: telephony.mediaAddress },
      `SIP listening on udp/tcp ${config.sip.host}:${String(sipPort)}`,
    );
    const webRoot = fileURLToPath(WEB_CLIENT_DIR);
    app = await buildApp({
      store,
      events,
      clock,
      logger,
      metrics: options.metrics ?? createMetrics(),
      version: VERSION,
      webRoot: existsSync(webRoot) ? webRoot : undefined,
      cookieSecure: config.http.cookieSecure,
      trustProxy: config.http.trustProxy,
      publicUrl: config.http.publicUrl,
      liveCalls,
      contactCodePrefix: config.contacts.codePrefix,
      voicemail,
    });
    await listen(app, config);
    const address = app.server.address();
    const httpPort = typeof address === 'object' && address ? address.port : config.http.port;
    const shownHost =
      config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
    const httpUrl = config.http.publicUrl ?? `http://${shownHost}:${httpPort}`;
    logger.info({ url: httpUrl, store: store.dialect, version: VERSION }, 'switchboard started');

    let closing: Promise<void> | undefined;
    const running: RunningServer = {
      httpUrl,
      httpPort,
      sipPort,
      store,
      provisioned,
      close: () => {
        closing ??= (async () => {
          logger.info('switchboard stopping: ending calls, closing listeners, finishing requests');
          mwi?.close();
          await telephony?.close();
          await app?.close();
          await voicemail?.close();
          await journal?.close();
          await store.close();
          logger.info('switchboard stopped');
        })();
        return closing;
      },
    };
    return running;
  } catch (error) {
    mwi?.close();
    await telephony?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await voicemail?.close().catch(() => undefined);
    await journal?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }
}

/** Starts SIP and media; a port taken meanwhile is the same clear error as the probe's. */
async function startSip(
  config: Config,
  deps: Omit<Parameters<typeof startTelephony>[0], 'config'>,
): Promise<Telephony> {
  try {
    return await startTelephony({ config, ...deps });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new StartupError(
        explainPortError(code, 'SIP', config.sip.port, 'SWITCHBOARD_SIP_PORT'),
      );
    }
    throw error;
  }
}

async function ensurePortFree(
  protocol: 'tcp' | 'udp',
  host: string,
  port: number,
  what: string,
  envVar: string,
): Promise<void> {
  if (port === 0) return;
  const problem = await probePort(protocol, host, port);
  if (problem !== null) throw new StartupError(explainPortError(problem, what, port, envVar));
}

async function listen(app: FastifyInstance, config: Config): Promise<void> {
  try {
    await app.listen({ host: config.http.host, port: config.http.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code)
      throw new StartupError(
        explainPortError(code, 'HTTP', config.http.port, 'SWITCHBOARD_HTTP_PORT'),
      );
    throw error;
  }
}
