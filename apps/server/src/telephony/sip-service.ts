/**
 * The telephony side of the server, started and stopped with it: the SIP user agent
 * (packages/sip, UDP and TCP on one port) with the registrar on the database, the media engine
 * (RTP port range, one pacing clock), prompts and text to speech, and the inbound call handler
 * that runs every call's flow. main.ts is its only caller.
 */
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { EspeakSpeech, MediaEngine, Player, PromptLibrary, type Speech } from '@switchboard/media';
import {
  createSipStack,
  DigestAuthenticator,
  FailureLimiter,
  Registrar,
  type IncomingRequest,
  type SipUserAgent,
} from '@switchboard/sip';
import type { FlowHttpClient } from '@switchboard/flow';
import type { Config } from '../config/schema.js';
import type { Clock } from '../domain/ports/clock.js';
import type { Logger } from '../domain/ports/logger.js';
import type { Store } from '../domain/ports/store.js';
import { CallJournal } from '../domain/services/call-journal.js';
import { SettingsCache } from '../domain/services/settings-cache.js';
import type { EventBus } from '../domain/services/event-bus.js';
import type { LiveCallRegistry } from '../domain/services/live-call-registry.js';
import { flowServices } from './flow-services.js';
import { InboundCalls } from './inbound-calls.js';
import { digestAlgorithmsFor, InviteAuthenticator, limiterKeyFor } from './invite-auth.js';
import { RegistrationLocationStore } from './location-store.js';
import { RingPlanner } from './ring-plan.js';
import type { VoicemailService } from './sip-call-control.js';
import { TrunkDirectory } from './trunks.js';

export interface TelephonyDeps {
  readonly config: Pick<Config, 'sip' | 'media' | 'dataDir'>;
  readonly store: Store;
  readonly events: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The registry the API lists and overrides calls through (one per process). */
  readonly liveCalls: LiveCallRegistry;
  /** Where call records are written; telephony makes (and closes) its own when not given. */
  readonly journal?: CallJournal;
  /** Greetings and messages; without it, a flow's Voicemail ends the call with an error. */
  readonly voicemail?: VoicemailService;
  /**
   * Requests other than INVITE, REGISTER and OPTIONS (SUBSCRIBE for message waiting...); also
   * settable later with `setRequestHandler`, for handlers that need the running stack.
   */
  readonly onRequest?: RequestHandler;
  /** User-Agent and Server header value. */
  readonly userAgent?: string;
  /** Text to speech; espeak-ng by default. */
  readonly speech?: Speech;
  /** The HTTP request element's client; requests are refused by default. */
  readonly http?: FlowHttpClient;
  /** Key of the Digest nonces; random per start by default (see README: several instances). */
  readonly nonceSecret?: Buffer;
  /** No RTP from a leg for this long ends it; 30 s by default. */
  readonly mediaTimeoutMs?: number;
  /** How long `close()` waits for calls to end; 3 s by default. */
  readonly closeGraceMs?: number;
  /** How often expired registrations are deleted; 60 s by default. */
  readonly purgeIntervalMs?: number;
}

/** Answers a request outside a dialog (it must answer every one). */
export type RequestHandler = (request: IncomingRequest) => void | Promise<void>;

export interface Telephony {
  /** The bound SIP port (UDP and TCP). */
  readonly port: number;
  /** The SIP listening address. */
  readonly host: string;
  /** The address our SDP offers for RTP. */
  readonly mediaAddress: string;
  readonly sip: SipUserAgent;
  readonly registrar: Registrar;
  /** Digest for our phones (realm, nonces), for other requests that need it (SUBSCRIBE). */
  readonly authenticator: DigestAuthenticator;
  /** The failure limiter shared by REGISTER and INVITE (and whoever else checks passwords). */
  readonly limiter: FailureLimiter;
  readonly calls: InboundCalls;
  readonly engine: MediaEngine;
  /** Sets who answers requests other than INVITE, REGISTER and OPTIONS (405 until then). */
  setRequestHandler(handler: RequestHandler | undefined): void;
  /** Ends calls in progress (BYE/480, bounded in time), then closes SIP and media. Idempotent. */
  close(): Promise<void>;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '::0', '[::]']);

export async function startTelephony(deps: TelephonyDeps): Promise<Telephony> {
  const { config, store, clock } = deps;
  const logger = deps.logger.child({ part: 'telephony' });
  const publicHost = WILDCARDS.has(config.sip.host) ? externalAddress() : config.sip.host;
  const mediaAddress = config.media.host ?? publicHost;

  const authenticator = new DigestAuthenticator({
    realm: config.sip.realm,
    secret: deps.nonceSecret ?? randomBytes(32),
    clock,
  });
  // One limiter for REGISTER and INVITE: a source guessing passwords is slowed on both.
  const limiter = new FailureLimiter({ clock });
  const registrar = new Registrar({
    store: new RegistrationLocationStore(store.registrations),
    clock,
    authenticator,
    limiter,
    credentials: async (username) => {
      const device = await store.devices.findBySipUsername(username);
      return device?.kind === 'sip' ? { password: device.sipPassword } : undefined;
    },
    // One server, one domain: phones register with whatever name or address reaches us.
    servesDomain: () => true,
    algorithms: digestAlgorithmsFor,
    limiterKey: (source) => limiterKeyFor(source.host),
    onError: (error) => {
      logger.error({ err: error }, 'REGISTER could not be processed');
    },
  });

  const engine = new MediaEngine({
    ports: {
      min: config.media.portMin,
      max: config.media.portMax,
      // RTP listens where SIP does; the SDP may name another (public) address.
      host: config.sip.host,
    },
    mediaTimeoutMs: deps.mediaTimeoutMs ?? 30_000,
  });
  const player = new Player({
    prompts: new PromptLibrary({ root: config.dataDir }),
    speech: deps.speech ?? new EspeakSpeech(),
  });
  const trunks = new TrunkDirectory(store.trunks, clock, {
    ...(config.sip.outboundTrunk === undefined ? {} : { outboundTrunk: config.sip.outboundTrunk }),
  });

  // The handler needs the stack (to ring) and the stack needs the handler (onInvite).
  let stack: SipUserAgent | undefined;
  const journal = deps.journal ?? new CallJournal({ store, logger });
  const calls = new InboundCalls({
    store,
    journal,
    settings: new SettingsCache(store),
    events: deps.events,
    clock,
    logger,
    liveCalls: deps.liveCalls,
    trunks,
    auth: new InviteAuthenticator({
      authenticator,
      limiter,
      devices: store.devices,
      limiterKey: limiterKeyFor,
      algorithmsFor: digestAlgorithmsFor,
    }),
    control: {
      sip: {
        ringTargets: (targets, options) => {
          if (stack === undefined) return Promise.reject(new Error('SIP is not started'));
          return stack.ringTargets(targets, options);
        },
      },
      engine,
      player,
      planner: new RingPlanner({ store, trunks, clock }),
      mediaAddress,
      localHost: publicHost,
      dataDir: config.dataDir,
      ...(deps.voicemail === undefined ? {} : { voicemail: deps.voicemail }),
    },
    flowServices: flowServices(clock, deps.http),
    maxCalls: config.sip.maxCalls,
  });

  let requestHandler: RequestHandler | undefined = deps.onRequest;
  try {
    stack = await createSipStack({
      host: config.sip.host,
      port: config.sip.port,
      ...(deps.userAgent === undefined ? {} : { userAgent: deps.userAgent }),
      registrar,
      // RFC 3261 §20.5: Allow lists what we answer; message waiting (RFC 6665) takes SUBSCRIBE.
      allow: ['SUBSCRIBE'],
      delegate: {
        onInvite: calls.onInvite,
        onRequest: (request) => {
          if (requestHandler !== undefined) return requestHandler(request);
          // RFC 3261 §8.2.1: a method we do not handle, with what we do.
          request.respond(405, { headers: [{ name: 'Allow', value: stack?.ua.allow ?? '' }] });
          return undefined;
        },
      },
      onError: (error) => {
        logger.warn({ err: error }, 'SIP error');
      },
    });
  } catch (error) {
    await engine.close();
    throw error;
  }
  const sip = stack;

  const purge = setInterval(() => {
    registrar.purgeExpired().catch((error: unknown) => {
      logger.warn({ err: error }, 'expired registrations could not be purged');
    });
  }, deps.purgeIntervalMs ?? 60_000);
  purge.unref();

  let closing: Promise<void> | undefined;
  return {
    port: sip.port,
    host: config.sip.host,
    mediaAddress,
    sip,
    registrar,
    authenticator,
    limiter,
    calls,
    engine,
    setRequestHandler: (handler) => {
      requestHandler = handler;
    },
    close: () => {
      closing ??= (async () => {
        clearInterval(purge);
        await calls.close(deps.closeGraceMs ?? 3000);
        await sip.close();
        await engine.close();
        if (deps.journal === undefined) await journal.close();
      })();
      return closing;
    },
  };
}

/** This machine's first non-internal IPv4 address (what a wildcard listener is reached at). */
export function externalAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const address of list ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}
