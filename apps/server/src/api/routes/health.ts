import { HealthDto } from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Clock } from '../../domain/ports/clock.js';
import type { Store } from '../../domain/ports/store.js';
import { TAGS, routes } from '../schemas.js';

/** A store that does not answer within this time counts as down. */
const STORE_CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

export interface HealthDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly version: string;
  readonly startedAt: number;
}

/** Liveness for load balancers and `doctor`: answers 200 only when the store answers too. */
export function healthRoutes(deps: HealthDeps): FastifyPluginAsyncZod {
  return routes((app) => {
    app.get(
      '/api/health',
      {
        schema: {
          tags: [TAGS.ops],
          summary: 'Health: version, store engine, uptime; 503 when the store does not answer',
          response: { 200: HealthDto, 503: HealthDto },
        },
      },
      async (request, reply) => {
        const base = {
          version: deps.version,
          store: deps.store.dialect,
          uptimeSeconds: Math.max(0, Math.floor((deps.clock.now() - deps.startedAt) / 1000)),
        };
        try {
          await withTimeout(deps.store.users.count(), STORE_CHECK_TIMEOUT_MS);
          return { status: 'ok' as const, ...base };
        } catch (error) {
          request.log.warn({ err: error }, 'health check: the store does not answer');
          return reply
            .code(503)
            .send({ status: 'error' as const, ...base, message: 'The store does not answer' });
        }
      },
    );
  });
}
