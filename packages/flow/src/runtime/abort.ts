/**
 * Why the runtime stopped an element. Elements see only an aborted signal and let its rejection
 * through; the runtime keeps its own record of the cause, so an element that rejects with some
 * other error after an abort is still read correctly.
 */
export type StopCause = 'hang-up' | 'override' | 'timeout';

/** The reason an element's signal carries when the runtime (not the caller) aborts it. */
export class FlowStop extends Error {
  constructor(readonly why: StopCause) {
    super(`flow element stopped: ${why}`);
    // Same name as a DOMException abort, so code that checks `name === 'AbortError'` agrees.
    this.name = 'AbortError';
  }
}

export interface LinkedAbort {
  readonly signal: AbortSignal;
  abort(reason: unknown): void;
  /** Detaches from the source; call it when the guarded work is over (no listener leaks). */
  dispose(): void;
}

/**
 * An abort signal that follows `source` and can also be aborted on its own (an element's own
 * timeout). Our own combinator rather than `AbortSignal.any`: one listener, removed by
 * `dispose`, so nothing is left on a long-lived signal. Used by HTTP request; the runtime has
 * a cheaper scheme of its own for every element (flow-run.ts, guard).
 */
export function linkedAbort(source: AbortSignal): LinkedAbort {
  const controller = new AbortController();
  const follow = (): void => {
    controller.abort(source.reason);
  };
  if (source.aborted) follow();
  else source.addEventListener('abort', follow, { once: true });
  return {
    signal: controller.signal,
    abort: (reason) => {
      controller.abort(reason);
    },
    dispose: () => {
      source.removeEventListener('abort', follow);
    },
  };
}
