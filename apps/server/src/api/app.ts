import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger as PinoLogger } from 'pino';
import type { Registry } from 'prom-client';
import type { Clock } from '../domain/ports/clock.js';
import type { LiveCalls } from '../domain/ports/live-calls.js';
import type { Store } from '../domain/ports/store.js';
import { AuthService } from '../domain/services/auth-service.js';
import type { EventBus } from '../domain/services/event-bus.js';
import { LiveCallRegistry } from '../domain/services/live-call-registry.js';
import type { VoicemailService } from '../domain/services/voicemail/index.js';
import { requireSignIn } from './authentication.js';
import { createRouteContext } from './context.js';
import { installErrorHandling } from './error-handler.js';
import { eventsRoutes } from './events-route.js';
import { LiveSockets } from './live-sockets.js';
import { LoginLimiter, type LoginLimitOptions } from './login-limiter.js';
import { installMetrics } from './metrics.js';
import { installOpenApi } from './openapi.js';
import { requestLogger } from './request-log.js';
import { sessionRoutes, meRoutes } from './routes/auth.js';
import { calendarRoutes } from './routes/calendar.js';
import { callRoutes } from './routes/calls.js';
import { contactRoutes } from './routes/contacts.js';
import { contactImportRoutes } from './routes/contacts-import.js';
import { deviceRoutes } from './routes/devices.js';
import { flowRoutes } from './routes/flows.js';
import { greetingRoutes } from './routes/greetings.js';
import { handlingCodeRoutes } from './routes/handling-codes.js';
import { healthRoutes } from './routes/health.js';
import { numberRoutes } from './routes/numbers.js';
import { statusRoutes } from './routes/status.js';
import { trunkRoutes } from './routes/trunks.js';
import { userRoutes } from './routes/users.js';
import { voicemailRoutes } from './routes/voicemails.js';
import { installWebClient } from './web-client.js';

export interface ApiDeps {
  store: Store;
  events: EventBus;
  clock: Clock;
  /**
   * Fastify logs through a child of it that keeps credentials out of the log (`?token=` in
   * URLs, Authorization and Cookie headers).
   */
  logger: PinoLogger;
  /** Request metrics are added to it; GET /metrics serves all of it. */
  metrics: Registry;
  version: string;
  /** Directory of the built web client, served at `/` when it holds an index.html. */
  webRoot?: string;
  /** Secure flag of the session cookie: true behind https, false for plain http on localhost. */
  cookieSecure?: boolean;
  sessionTtlMs?: number;
  /**
   * Sign-in failures tolerated per client address (defaults to 10 per 15 minutes) and sign-ins
   * checked at once per address (4).
   */
  loginLimit?: LoginLimitOptions;
  /** Fastify's trustProxy, so request.ip (and the sign-in limiter) sees the real client. */
  trustProxy?: boolean | string | string[];
  /**
   * Interval of WebSocket keep-alive pings, at which each socket's credential is also checked
   * again; 30 s by default.
   */
  wsPingIntervalMs?: number;
  /**
   * The URL browsers use to reach the server when a proxy sits in front
   * (`https://switchboard.example.org`). When set, cookie-authenticated WebSocket upgrades must
   * come from its origin instead of matching the Host header. Unset by default.
   */
  publicUrl?: string;
  /**
   * The calls in progress (the telephony side's LiveCallRegistry), for the live-call list and
   * overrides. Without it the server has no calls in progress: an empty registry.
   */
  liveCalls?: LiveCalls;
  /** Handling-code prefix of vCard uploads (config `contacts.codePrefix`); `hc:` by default. */
  contactCodePrefix?: string;
  /**
   * The voicemail service (recordings, greetings, mail, live events). Without it the mailbox
   * is served from the store alone: messages list and change, but recordings and greetings
   * answer 503.
   */
  voicemail?: VoicemailService;
}

/** The origin of `publicUrl`, or a clear error naming the option. */
function publicOriginOf(publicUrl: string): string {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new Error(
      `publicUrl "${publicUrl}" is not an absolute URL such as https://pbx.example.org`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`publicUrl "${publicUrl}" must start with http:// or https://`);
  }
  return url.origin;
}

/** Flow documents with many elements are the largest bodies; 2 MiB leaves room. */
const BODY_LIMIT_BYTES = 2 * 1024 * 1024;

/**
 * The HTTP + WebSocket API as a Fastify instance, not yet listening: main.ts calls listen, tests
 * call inject (or listen on port 0). Closing the app does not close the store.
 */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const { store, events, clock } = deps;
  const publicOrigin = deps.publicUrl === undefined ? undefined : publicOriginOf(deps.publicUrl);
  const app = Fastify({
    loggerInstance: requestLogger(deps.logger),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: deps.trustProxy ?? false,
  }) as unknown as FastifyInstance;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  app.decorateRequest('principal', null);
  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  await installOpenApi(app, deps.version);
  installMetrics(app, deps.metrics);

  const auth = new AuthService({
    users: store.users,
    auth: store.auth,
    clock,
    ...(deps.sessionTtlMs === undefined ? {} : { sessionTtlMs: deps.sessionTtlMs }),
  });
  const sockets = new LiveSockets();
  const ctx = createRouteContext({ store, events, clock, auth, sockets });
  const limiter = new LoginLimiter(clock, deps.loginLimit);

  await app.register(sessionRoutes(ctx, limiter, { secure: deps.cookieSecure ?? false }));
  await app.register(healthRoutes({ store, clock, version: deps.version, startedAt: clock.now() }));
  await app.register(
    eventsRoutes({
      auth,
      events,
      clock,
      version: deps.version,
      sockets,
      ...(publicOrigin === undefined ? {} : { publicOrigin }),
      ...(deps.wsPingIntervalMs === undefined ? {} : { pingIntervalMs: deps.wsPingIntervalMs }),
    }),
  );
  // Everything below needs a signed-in caller; the hook covers routes added here later too.
  await app.register(async (signedIn) => {
    signedIn.addHook('onRequest', requireSignIn(auth));
    await signedIn.register(meRoutes(ctx));
    await signedIn.register(userRoutes(ctx));
    await signedIn.register(numberRoutes(ctx));
    await signedIn.register(deviceRoutes(ctx));
    await signedIn.register(handlingCodeRoutes(ctx));
    await signedIn.register(flowRoutes(ctx));
    await signedIn.register(contactRoutes(ctx));
    await signedIn.register(
      contactImportRoutes(
        ctx,
        deps.contactCodePrefix === undefined ? {} : { codePrefix: deps.contactCodePrefix },
      ),
    );
    await signedIn.register(statusRoutes(ctx));
    await signedIn.register(calendarRoutes(ctx));
    await signedIn.register(callRoutes(ctx, deps.liveCalls ?? new LiveCallRegistry()));
    await signedIn.register(voicemailRoutes(ctx, deps.voicemail));
    await signedIn.register(greetingRoutes(ctx, deps.voicemail));
    await signedIn.register(trunkRoutes(ctx));
  });

  await installWebClient(app, deps.webRoot);
  return app;
}
