import { ErrorBody, type HelloEvent, type ServerEvent } from '@switchboard/contracts';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WebSocket } from 'ws';
import type { Clock } from '../domain/ports/clock.js';
import type { AuthService, Identity } from '../domain/services/auth-service.js';
import type { EventBus, Unsubscribe } from '../domain/services/event-bus.js';
import { principalOf, requireSignIn } from './authentication.js';
import { iso } from './dto.js';
import { ApiError, forbidden } from './errors.js';
import { CLOSE_ROLE_CHANGED, CLOSE_UNAUTHENTICATED, type LiveSockets } from './live-sockets.js';
import { TAGS, errorResponses, routes } from './schemas.js';

export const DEFAULT_PING_INTERVAL_MS = 30_000;
/** A client this far behind is not reading; drop it rather than buffer without bound. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export interface EventsRouteDeps {
  readonly auth: AuthService;
  readonly events: EventBus;
  readonly clock: Clock;
  readonly version: string;
  readonly pingIntervalMs?: number;
  /** Open sockets by credential, so sign-out and revocation close them at once. */
  readonly sockets: LiveSockets;
  /**
   * The origin browsers use to reach the server (`https://switchboard.example.org`), when it
   * is behind a proxy; cookie-authenticated upgrades must come from it. Without it the Origin
   * must match the Host header.
   */
  readonly publicOrigin?: string;
}

/**
 * Browsers send cookies with WebSocket handshakes from any page (the same-origin policy does not
 * apply to WebSockets), so a cookie-authenticated upgrade must come from our own origin.
 * Bearer and `?token=` clients prove themselves and need no such check.
 */
function checkOrigin(request: FastifyRequest, publicOrigin: string | undefined): void {
  const origin = request.headers.origin;
  if (origin === undefined) return; // not a browser
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw forbidden('The Origin header is not a URL');
  }
  // Behind a proxy the Host header is often the proxy's upstream (nginx's default
  // `proxy_set_header Host $proxy_host`), so the configured public URL is the reference.
  const own =
    publicOrigin === undefined ? url.host === request.headers.host : url.origin === publicOrigin;
  if (!own) {
    throw forbidden(
      `A session cookie is only accepted from this server's own pages, not ${origin}`,
    );
  }
}

/**
 * `GET /api/events`: a WebSocket sending `hello`, then every event of the signed-in user (all
 * users' for admins) as JSON text frames. The server pings every 30 s and drops clients that
 * stop answering. At each ping it also checks the credential again and closes the socket
 * (code 4401) once it no longer holds; sign-out and revocation through this server close it at
 * once.
 */
export function eventsRoutes(deps: EventsRouteDeps): FastifyPluginAsyncZod {
  const pingIntervalMs = deps.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
  return routes((app) => {
    app.addHook('onRequest', requireSignIn(deps.auth, { allowQueryToken: true }));
    app.addHook('onRequest', (request, _reply, done) => {
      if (principalOf(request).via === 'session') checkOrigin(request, deps.publicOrigin);
      done();
    });

    app.route({
      method: 'GET',
      url: '/api/events',
      schema: {
        tags: [TAGS.events],
        summary: 'Live events (WebSocket): hello, then entity.changed and call events',
        description:
          'Upgrade to a WebSocket. Authenticated by the session cookie, ' +
          '`Authorization: Bearer <token>`, or `?token=<token>` for clients that cannot set ' +
          'headers. Each text frame is one JSON `ServerEvent`. The server closes the socket ' +
          'with code 4401 when its credential ends (sign-out, token revoked, password changed, ' +
          'account deleted) and 4403 when the user’s role changes (reconnect for the new view).',
        querystring: z.object({ token: z.string().optional() }),
        response: { 426: ErrorBody, ...errorResponses(401, 403) },
      },
      // A plain GET (no Upgrade header) gets told what to do instead of a bare 404.
      handler: () =>
        Promise.reject(
          new ApiError(
            426,
            'bad_request',
            'This endpoint is a WebSocket: connect with an Upgrade: websocket request',
            undefined,
            { upgrade: 'websocket' },
          ),
        ),
      wsHandler: (socket: WebSocket, request) => {
        const principal: Identity = principalOf(request);
        const { user } = principal;
        const log = request.log.child({ userId: user.id });

        const send = (event: ServerEvent): void => {
          if (socket.readyState !== socket.OPEN) return;
          if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
            log.warn('event client is not reading; dropping it');
            socket.terminate();
            return;
          }
          socket.send(JSON.stringify(event));
        };

        const unsubscribe: Unsubscribe =
          user.role === 'admin'
            ? deps.events.subscribeAll((event) => {
                send(event);
              })
            : deps.events.subscribe(user.id, (event) => {
                send(event);
              });

        /** Stops the events first, so nothing more is sent while the close handshake runs. */
        const end = (code: number, reason: string): void => {
          unsubscribe();
          log.info({ code, reason }, 'closing event socket');
          if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
            socket.close(code, reason);
          }
        };
        const unregister = deps.sockets.add(principal, end);

        let checking = false;
        const recheck = async (): Promise<void> => {
          if (checking) return; // a slow store: one check at a time is enough
          checking = true;
          try {
            const now = await deps.auth.revalidate(principal);
            if (socket.readyState !== socket.OPEN) return;
            if (!now) {
              unregister();
              end(CLOSE_UNAUTHENTICATED, 'Your sign-in has ended; sign in again');
            } else if (now.user.role !== user.role) {
              unregister();
              end(CLOSE_ROLE_CHANGED, 'Your role changed; reconnect');
            }
          } catch (error) {
            // The store hiccuped: keep the socket; the next ping checks again.
            log.warn({ err: error }, 'could not re-check the event socket credential');
          } finally {
            checking = false;
          }
        };

        let alive = true;
        socket.on('pong', () => {
          alive = true;
        });
        const pinger = setInterval(() => {
          if (!alive) {
            log.info('event client stopped answering pings; dropping it');
            socket.terminate();
            return;
          }
          alive = false;
          socket.ping();
          void recheck();
        }, pingIntervalMs);
        pinger.unref();

        socket.on('close', () => {
          clearInterval(pinger);
          unregister();
          unsubscribe();
        });
        socket.on('error', (error) => {
          log.warn({ err: error }, 'event socket error');
        });
        // Clients have nothing to say yet; ignore what they send rather than fail.
        socket.on('message', () => undefined);

        const hello: HelloEvent = {
          type: 'hello',
          serverVersion: deps.version,
          userId: user.id,
          role: user.role,
          at: iso(deps.clock.now()),
        };
        send(hello);
      },
    });
  });
}
