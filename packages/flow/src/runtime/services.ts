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

/** Webhooks (HTTP request element). The server gives a fetch-based client with limits. */
export interface FlowHttpClient {
  send(request: HttpRequestSpec, signal: AbortSignal): Promise<HttpResponseSpec>;
}

export interface FlowServices {
  readonly clock: FlowClock;
  readonly timers: FlowTimers;
  readonly http: FlowHttpClient;
}
