import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { TAGS } from './schemas.js';

const REQUESTS = 'switchboard_http_requests_total';
const DURATION = 'switchboard_http_request_duration_seconds';
const LABELS = ['method', 'route', 'status_code'] as const;

/**
 * Metrics live in the registry the caller passes, which may already hold them (one registry
 * reused by several apps in tests, or a restart in-process): reuse rather than register twice.
 */
function counter(registry: Registry): Counter<(typeof LABELS)[number]> {
  const existing = registry.getSingleMetric(REQUESTS);
  if (existing instanceof Counter) return existing;
  return new Counter({
    name: REQUESTS,
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: LABELS,
    registers: [registry],
  });
}

function histogram(registry: Registry): Histogram<(typeof LABELS)[number]> {
  const existing = registry.getSingleMetric(DURATION);
  if (existing instanceof Histogram) return existing;
  return new Histogram({
    name: DURATION,
    help: 'Time to answer HTTP requests in seconds, by method, route pattern and status code',
    labelNames: LABELS,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
}

/** Counts and times every request, and serves the registry at GET /metrics. */
export function installMetrics(app: FastifyInstance, registry: Registry): void {
  const requests = counter(registry);
  const duration = histogram(registry);

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids in URLs would make unbounded label sets.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    { schema: { tags: [TAGS.ops], summary: 'Prometheus metrics (text exposition format)' } },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
}
