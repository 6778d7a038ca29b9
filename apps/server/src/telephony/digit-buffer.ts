/**
 * Key presses of the caller, in order: RFC 4733 events from the RTP session and SIP INFO digits
 * injected into it arrive here alike. A menu reads them with timeouts (`next`); presses that
 * came while nobody was reading wait in the buffer (type-ahead), up to a bound.
 */
import type { MediaEndpoint } from '@switchboard/media';

/** Presses kept while nobody reads; older ones go first. */
const MAX_BUFFERED = 32;

export interface DigitTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemDigitTimers: DigitTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

export class DigitBuffer {
  private readonly buffered: string[] = [];
  private waiter: ((digit: string) => void) | undefined;
  private detach: (() => void) | undefined;

  constructor(private readonly timers: DigitTimers = systemDigitTimers) {}

  /** Starts listening to the caller's media (once answered). */
  attach(endpoint: MediaEndpoint): void {
    this.detach?.();
    this.detach = endpoint.onDtmf((event) => {
      this.push(event.digit);
    });
  }

  push(digit: string): void {
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter(digit);
      return;
    }
    this.buffered.push(digit);
    if (this.buffered.length > MAX_BUFFERED) this.buffered.shift();
  }

  /** Forgets what was pressed so far (a new prompt starts). */
  clear(): void {
    this.buffered.length = 0;
  }

  /**
   * The next press: a buffered one at once, else the first to come within `timeoutMs`
   * (undefined when none came). Rejects with the signal's reason when it aborts first.
   */
  next(timeoutMs: number, signal: AbortSignal): Promise<string | undefined> {
    const ready = this.buffered.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<string | undefined>((resolve, reject) => {
      const finish = (): void => {
        this.timers.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (this.waiter === onDigit) this.waiter = undefined;
      };
      const onDigit = (digit: string): void => {
        finish();
        resolve(digit);
      };
      const onAbort = (): void => {
        finish();
        reject(signal.reason as Error);
      };
      const timer = this.timers.setTimeout(() => {
        finish();
        resolve(undefined);
      }, timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = onDigit;
    });
  }

  close(): void {
    this.detach?.();
    this.detach = undefined;
    this.buffered.length = 0;
  }
}
