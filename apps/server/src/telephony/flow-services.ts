/**
 * The services a flow runs with on a real call: the server's clock, real timers, and the HTTP
 * client of the HTTP request element.
 */
import type { FlowHttpClient, FlowServices } from '@switchboard/flow';
import type { Clock } from '../domain/ports/clock.js';
import { sleep } from './signals.js';

const realTimers = {
  setTimeout: (callback: () => void, ms: number): unknown => setTimeout(callback, ms),
  clearTimeout: (handle: unknown): void => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * Refuses every request: a flow's webhook leaves by its `failed` pin, saying why. Any signed-in
 * user can publish a flow, so a real client must first enforce an outbound policy (no
 * loopback, private or link-local destinations; see FlowHttpClient) before it is offered.
 */
export const refusingHttpClient: FlowHttpClient = {
  send: () =>
    Promise.reject(new Error('HTTP requests from call flows are not enabled on this server')),
};

export function flowServices(
  clock: Clock,
  http: FlowHttpClient = refusingHttpClient,
): FlowServices {
  return {
    clock,
    timers: { sleep: (ms, signal) => sleep(ms, signal, realTimers) },
    http,
  };
}
