/**
 * Whether a session modification (re-INVITE, or UPDATE with an offer) is under way in a dialog,
 * and in which direction: the one state that decides glare (RFC 3261 §14.1, §14.2; RFC 3311
 * §5.2).
 *
 *   idle ──beginLocal()──> local ──end()──> idle
 *   idle ──beginRemote()─> remote ─end()──> idle
 */
export type ModificationState = 'idle' | 'local' | 'remote';

/** The refusal an incoming modification gets while another is under way. */
export interface ModificationRefusal {
  readonly status: 491 | 500;
  /** Retry-After seconds for a 500 (RFC 3261 §14.2: random, 0 to 10). */
  readonly retryAfter?: number;
}

export class SessionModification {
  #state: ModificationState = 'idle';

  get state(): ModificationState {
    return this.#state;
  }

  /**
   * What an incoming re-INVITE (or UPDATE with an offer) must be answered while this state is
   * not idle: 491 when our own is in progress (glare, §14.2 and RFC 3311 §5.2), 500 with
   * Retry-After when the peer's previous one is not answered yet. Undefined when it may begin.
   */
  refusal(random: () => number = Math.random): ModificationRefusal | undefined {
    if (this.#state === 'local') return { status: 491 };
    if (this.#state === 'remote') return { status: 500, retryAfter: Math.floor(random() * 11) };
    return undefined;
  }

  /** We send a re-INVITE or UPDATE with an offer. False when one is already under way. */
  beginLocal(): boolean {
    if (this.#state !== 'idle') return false;
    this.#state = 'local';
    return true;
  }

  /** The peer's modification is accepted for processing. False when one is under way. */
  beginRemote(): boolean {
    if (this.#state !== 'idle') return false;
    this.#state = 'remote';
    return true;
  }

  /** The modification under way has its final response (and, for an INVITE, its ACK). */
  end(): void {
    this.#state = 'idle';
  }
}
