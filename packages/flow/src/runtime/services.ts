/**
 * Ports the runtime needs beyond the call itself, injected by whoever runs flows (the server,
 * the simulator, a test). No globals: time comes from `clock`, timers from `timers`.
 */
export interface FlowClock {
  /** Epoch milliseconds. */
  now(): number;
}

export interface FlowTimers {
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface HttpRequestSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
}

export interface HttpResponseSpec {
  readonly status: number;
  readonly body: string;
}

/**
 * Webhooks (HTTP request element). Any signed-in user can publish a flow with one, and the
 * server runs it, so an implementation must enforce an outbound policy: no loopback, private
 * (RFC 1918, ULA), link-local (cloud metadata) or multicast destinations unless an
 * administrator allowed them; resolve the name once and connect to the address it checked;
 * re-check or refuse redirects; cap the response size. The simulator's client makes no
 * requests at all.
 */
export interface FlowHttpClient {
  send(request: HttpRequestSpec, signal: AbortSignal): Promise<HttpResponseSpec>;
}

export interface FlowServices {
  readonly clock: FlowClock;
  readonly timers: FlowTimers;
  readonly http: FlowHttpClient;
}
