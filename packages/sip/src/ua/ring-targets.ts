/**
 * Ringing several targets for one call, simultaneously (parallel forking) or one after the other
 * (sequential), the way a forking proxy does (RFC 3261 §16.7, §19.3) but as a UA: each target is
 * a separate INVITE. The first 2xx wins; every other pending leg is cancelled (§9.1) and a leg
 * that answers anyway is hung up (its INVITE acknowledges the 2xx and sends BYE).
 */
import type { Dialog } from '../dialog/index.js';
import type { TimerHandle, TransactionTimers } from '../transaction/index.js';
import { InviteError } from './errors.js';
import type { InviteOptions, InviteProgress } from './outgoing-invite.js';

/** One target: what `invite()` takes, but its signal and progress come from the ring. */
export type RingTarget = Omit<InviteOptions, 'signal' | 'onProgress'>;

export interface RingTargetsOptions {
  readonly mode: 'simultaneous' | 'sequential';
  /** How long each target rings before its leg is cancelled, in ms. No limit by default. */
  readonly timeoutMs?: number;
  /** Cancels every leg (the caller hung up). */
  readonly signal?: AbortSignal;
  /** Provisional responses of each leg, with the leg's index in `targets`. */
  readonly onProgress?: (index: number, progress: InviteProgress) => void;
}

export type RingLegOutcome =
  /** This leg's 2xx won. */
  | 'answered'
  /** It answered after another leg had won: acknowledged and hung up. */
  | 'answered-late'
  /** It failed: refused, timed out, or cancelled (see `error`). */
  | 'failed'
  /** Sequential mode: a leg before it answered, or the ring was cancelled first. */
  | 'not-tried';

export interface RingLeg {
  readonly index: number;
  readonly target: RingTarget;
  readonly outcome: RingLegOutcome;
  readonly error?: InviteError;
}

export interface RingResult {
  readonly dialog: Dialog;
  /** Which target answered (its index in `targets`). */
  readonly index: number;
  readonly target: RingTarget;
  readonly legs: readonly RingLeg[];
}

/** No target answered. */
export class RingError extends Error {
  override readonly name = 'RingError';
  constructor(
    /** The status for the caller, chosen like a forking proxy's best response (§16.7 step 6). */
    readonly status: number,
    readonly legs: readonly RingLeg[],
  ) {
    super(`No target answered (${String(status)})`);
  }
}

/**
 * §16.7 step 6 in short: a 6xx wins; otherwise the lowest final status that a target sent,
 * leaving out the 487s and timeouts our own cancellations caused; 480 when there is none (no one
 * picked up in time). 487 when the ring as a whole was cancelled.
 */
function bestStatus(legs: readonly RingLeg[], cancelled: boolean): number {
  if (cancelled) return 487;
  const statuses = legs
    .map((leg) => leg.error)
    .filter((error): error is InviteError => error?.kind === 'rejected')
    .map((error) => error.status);
  const global = statuses.find((status) => status >= 600);
  if (global !== undefined) return global;
  const sorted = statuses.filter((status) => status !== 487).sort((a, b) => a - b);
  return sorted[0] ?? 480;
}

type Invite = (options: InviteOptions) => Promise<Dialog>;

function asInviteError(error: unknown): InviteError {
  if (error instanceof InviteError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InviteError('transport', 503, message);
}

/** One leg: an INVITE with its own AbortController (tied to the whole ring) and time limit. */
class Leg {
  readonly controller = new AbortController();
  #timer: TimerHandle;

  constructor(
    readonly index: number,
    readonly target: RingTarget,
    private readonly timers: TransactionTimers,
  ) {}

  start(invite: Invite, options: RingTargetsOptions): Promise<Dialog> {
    if (options.timeoutMs !== undefined) {
      this.#timer = this.timers.setTimeout(() => {
        this.#timer = undefined;
        this.controller.abort();
      }, options.timeoutMs);
    }
    const onProgress = options.onProgress;
    try {
      return invite({
        ...this.target,
        signal: this.controller.signal,
        ...(onProgress === undefined
          ? {}
          : {
              onProgress: (progress: InviteProgress) => {
                onProgress(this.index, progress);
              },
            }),
      });
    } catch (error) {
      return Promise.reject(asInviteError(error));
    }
  }

  stop(): void {
    if (this.#timer !== undefined) this.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * Rings `targets` and resolves with the first that answers; rejects with `RingError` when none
 * does. Throws RangeError for an empty target list.
 */
export async function ringTargets(
  invite: Invite,
  timers: TransactionTimers,
  targets: readonly RingTarget[],
  options: RingTargetsOptions,
): Promise<RingResult> {
  if (targets.length === 0) throw new RangeError('ringTargets needs at least one target');
  const legs = targets.map((target, index) => new Leg(index, target, timers));
  const outcomes: RingLeg[] = legs.map((leg) => ({
    index: leg.index,
    target: leg.target,
    outcome: 'not-tried',
  }));
  const abortAll = (): void => {
    for (const leg of legs) leg.controller.abort();
  };
  options.signal?.addEventListener('abort', abortAll, { once: true });
  try {
    if (options.signal?.aborted === true) throw new RingError(487, outcomes);
    return options.mode === 'sequential'
      ? await sequential(invite, legs, outcomes, options)
      : await simultaneous(invite, legs, outcomes, options);
  } finally {
    options.signal?.removeEventListener('abort', abortAll);
    for (const leg of legs) leg.stop();
  }
}

async function sequential(
  invite: Invite,
  legs: readonly Leg[],
  outcomes: RingLeg[],
  options: RingTargetsOptions,
): Promise<RingResult> {
  for (const leg of legs) {
    if (options.signal?.aborted === true) break;
    try {
      const dialog = await leg.start(invite, options);
      outcomes[leg.index] = { index: leg.index, target: leg.target, outcome: 'answered' };
      return { dialog, index: leg.index, target: leg.target, legs: outcomes };
    } catch (error) {
      outcomes[leg.index] = {
        index: leg.index,
        target: leg.target,
        outcome: 'failed',
        error: asInviteError(error),
      };
    } finally {
      leg.stop();
    }
  }
  throw new RingError(bestStatus(outcomes, options.signal?.aborted === true), outcomes);
}

function simultaneous(
  invite: Invite,
  legs: readonly Leg[],
  outcomes: RingLeg[],
  options: RingTargetsOptions,
): Promise<RingResult> {
  return new Promise<RingResult>((resolve, reject) => {
    let winner: RingResult | undefined;
    let settled = 0;
    const done = (): void => {
      settled += 1;
      if (settled < legs.length) return;
      if (winner !== undefined) resolve(winner);
      else reject(new RingError(bestStatus(outcomes, options.signal?.aborted === true), outcomes));
    };
    for (const leg of legs) {
      leg.start(invite, options).then(
        (dialog) => {
          leg.stop();
          if (winner === undefined) {
            outcomes[leg.index] = { index: leg.index, target: leg.target, outcome: 'answered' };
            winner = { dialog, index: leg.index, target: leg.target, legs: outcomes };
            for (const other of legs) if (other !== leg) other.controller.abort();
            // The caller gets the answer now; the other legs finish in the background.
            resolve(winner);
          } else {
            outcomes[leg.index] = {
              index: leg.index,
              target: leg.target,
              outcome: 'answered-late',
            };
            dialog.bye().catch(() => undefined);
          }
          done();
        },
        (error: unknown) => {
          leg.stop();
          outcomes[leg.index] = {
            index: leg.index,
            target: leg.target,
            outcome: 'failed',
            error: asInviteError(error),
          };
          done();
        },
      );
    }
  });
}
