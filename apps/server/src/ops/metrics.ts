import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The Prometheus registry of one server process. Later issues add call counters to it; default
 * process metrics (CPU, memory, event-loop lag) are on from the start.
 */
export function createMetrics(): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'switchboard' });
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });
  return registry;
}
