/** Small AbortSignal helpers for call operations, which stop on several signals at once. */

export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Detaches from the sources (no listener is left on long-lived signals). */
  dispose(): void;
}

/**
 * A signal aborted when any of `sources` aborts, with that source's reason. Our own rather than
 * `AbortSignal.any`, so the listeners on a call's long-lived signals go away with `dispose`.
 */
export function anySignal(sources: readonly AbortSignal[]): LinkedSignal {
  const controller = new AbortController();
  const listeners: (() => void)[] = [];
  for (const source of sources) {
    if (source.aborted) {
      controller.abort(source.reason);
      break;
    }
    const follow = (): void => {
      controller.abort(source.reason);
    };
    source.addEventListener('abort', follow, { once: true });
    listeners.push(() => {
      source.removeEventListener('abort', follow);
    });
  }
  return {
    signal: controller.signal,
    dispose: () => {
      for (const remove of listeners.splice(0)) remove();
    },
  };
}

/** Rejects with the signal's reason when it is aborted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw reasonOf(signal);
}

/** The reason of an aborted signal as an Error to throw (the runtime's reasons are Errors). */
export function reasonOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new Error(typeof reason === 'string' ? reason : 'aborted');
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(
  ms: number,
  signal: AbortSignal,
  timers: {
    setTimeout(callback: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
  },
): Promise<void> {
  if (signal.aborted) return Promise.reject(reasonOf(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      timers.clearTimeout(handle);
      reject(reasonOf(signal));
    };
    const handle = timers.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
