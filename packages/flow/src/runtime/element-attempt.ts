import { FlowStop, type StopCause } from './abort.js';
import { isCallerHungUp } from './caller-hung-up.js';
import type { FlowTimers } from './services.js';

/** How long an aborted element gets to clean up (cancel ringing) before the runtime moves on. */
export const ABORT_GRACE_MS = 5_000;

/** Microtask turns an element gets to settle before its time limit's timer is started. */
const DEADLINE_DELAY_HOPS = 8;

/** Cancels an element's timers once it has settled (a reason of our own: see `finish`). */
const ELEMENT_SETTLED = new Error('the element has settled');

export type Guarded<T> =
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'threw'; readonly error: unknown }
  | { readonly kind: 'stopped'; readonly cause: StopCause; readonly cleanedUp: boolean };

type Settled<T> = Guarded<T> | 'stuck';

/**
 * One run of one element under the runtime's control: its abort signal (hang-up, override, time
 * limit), its time limit, and the grace period an aborted element gets to clean up.
 *
 * This runs for every element of every call (`npm run bench:flow`), so it is frugal: a class
 * rather than closures, no event listeners (the runtime calls `stop`), the AbortController made
 * only when the element asks for its signal (a decision never does), and the time limit's
 * timer started only for an element still running once the microtasks queued by its start
 * have run. A decision settles before that; virtual time cannot move meanwhile, and a real
 * clock moves by microseconds.
 */
export class ElementAttempt<T> {
  private controller: AbortController | undefined;
  private cause: StopCause | undefined;
  private timers: AbortController | undefined;
  private settled = false;
  private hopsLeft = DEADLINE_DELAY_HOPS;
  private maxMs = 0;
  private resolve: ((settled: Settled<T>) => void) | undefined;

  constructor(
    private readonly sleeper: FlowTimers,
    private readonly hangUp: AbortSignal,
  ) {
    if (hangUp.aborted) this.cause = 'hang-up';
  }

  /** The element's signal, made on first use. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.cause !== undefined) this.controller.abort(new FlowStop(this.cause));
    }
    return this.controller.signal;
  }

  /** Aborts the element (once; the first cause counts) and starts its grace period. */
  stop(why: StopCause): void {
    if (this.cause !== undefined || this.settled) return;
    this.cause = why;
    this.controller?.abort(new FlowStop(why));
    if (this.resolve !== undefined) this.startGrace();
  }

  /** Waits for `pending` (the element's run) under the element's time limit. */
  async settle(pending: Promise<T>, maxMs: number): Promise<Guarded<T>> {
    this.maxMs = Number.isFinite(maxMs) && maxMs > 0 ? maxMs : 0;
    let settled: Settled<T>;
    try {
      settled = await new Promise<Settled<T>>((resolve) => {
        this.resolve = resolve;
        pending.then(
          (value) => {
            resolve({ kind: 'done', value });
          },
          (error: unknown) => {
            resolve({ kind: 'threw', error });
          },
        );
        if (this.cause !== undefined) this.startGrace();
        else if (this.maxMs > 0) queueMicrotask(this.hop);
      });
    } finally {
      this.finish();
    }
    // The call control says the caller has gone, perhaps before the hang-up signal does.
    if (settled !== 'stuck' && settled.kind === 'threw' && isCallerHungUp(settled.error)) {
      return { kind: 'stopped', cause: 'hang-up', cleanedUp: true };
    }
    if (settled !== 'stuck' && (settled.kind === 'done' || this.cause === undefined)) {
      return settled;
    }
    // Aborted and rejected (or never settled): the hang-up is the strongest reason.
    const cause: StopCause = this.hangUp.aborted ? 'hang-up' : (this.cause ?? 'hang-up');
    return { kind: 'stopped', cause, cleanedUp: settled !== 'stuck' };
  }

  /** Waits a few microtask turns, then starts the time limit if the element still runs. */
  private readonly hop = (): void => {
    if (this.settled || this.cause !== undefined) return;
    if (this.hopsLeft-- > 0) {
      queueMicrotask(this.hop);
      return;
    }
    this.timers ??= new AbortController();
    this.sleeper.sleep(this.maxMs, this.timers.signal).then(this.timedOut, ignore);
  };

  private readonly timedOut = (): void => {
    // A ring that connected the caller now waits for the end of the conversation, which has
    // no time limit of ours (CallControl.ring): only hang-up ends it.
    if (this.connected?.() === true) return;
    this.stop('timeout');
  };

  /**
   * Told by the runtime how to see that this element connected the caller to someone (a ring
   * answered): from then on the element's time limit no longer applies.
   */
  connected: (() => boolean) | undefined;

  private startGrace(): void {
    this.timers ??= new AbortController();
    this.sleeper.sleep(ABORT_GRACE_MS, this.timers.signal).then(this.gaveUp, ignore);
  }

  private readonly gaveUp = (): void => {
    this.resolve?.('stuck');
  };

  private finish(): void {
    this.settled = true;
    this.resolve = undefined;
    // Aborting without a reason makes a DOMException, which is slow.
    this.timers?.abort(ELEMENT_SETTLED);
  }
}

function ignore(): void {
  // The timer was cancelled: the element settled first.
}
