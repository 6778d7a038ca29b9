/**
 * Voicemail to e-mail, with retries. The queue lives in the store (the message's `mailStatus`,
 * `mailAttempts`, `mailNextAttemptAt`, `mailError`), so a restart resumes where it stopped and
 * several instances on one database share it; this class only keeps a timer per message due.
 *
 *   pending ──sent──────────────────────────────> sent
 *      │ └─refused for good / out of attempts───> failed (mailError says why)
 *      └─server down, timeout: wait 30 s, 2 min, 10 min, 1 h... then try again
 *
 * Each attempt is claimed in the store first (`claimMailAttempt`: attempts + 1 and a lease),
 * so two instances never send the same attempt; an instance that dies mid-attempt leaves a
 * lease that expires, and the next scan sends again (at least once, never silently lost).
 */
import type { Voicemail } from '../../model/index.js';
import type { Clock } from '../../ports/clock.js';
import { silentLogger, type Logger } from '../../ports/logger.js';
import { MailDeliveryError, type MailSender, type OutgoingMail } from '../../ports/mail-sender.js';
import type { Store } from '../../ports/store.js';
import type { Timers } from '../../ports/timers.js';

/** Waits between attempts: the n-th failure waits the n-th delay; after the last one, `failed`. */
export const DEFAULT_MAIL_RETRY_DELAYS_MS: readonly number[] = [
  30_000,
  2 * 60_000,
  10 * 60_000,
  60 * 60_000,
  3 * 60 * 60_000,
  6 * 60 * 60_000,
];

/** An attempt under way holds its message this long (then another scan may take it over). */
const DEFAULT_LEASE_MS = 10 * 60_000;
/** How often the store is scanned for pending mail another instance left (or a restart). */
const DEFAULT_SCAN_INTERVAL_MS = 10 * 60_000;
/** Pending messages taken per scan. */
const SCAN_BATCH = 500;
/** `close()` waits at most this long for attempts under way. */
const CLOSE_WAIT_MS = 5_000;

export interface MailQueueDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly sender: MailSender;
  /**
   * The mail for a message (reads the recording and the user). Undefined: nothing to send any
   * more (the user has no address now): the message becomes `disabled`. A throw fails it for
   * good with the error's message (the recording is gone, say).
   */
  readonly compose: (voicemail: Voicemail) => Promise<OutgoingMail | undefined>;
  /** Told about every change of a message's mail state, after it is stored. */
  readonly onUpdated: (voicemail: Voicemail) => void;
  readonly logger?: Logger;
  readonly retryDelaysMs?: readonly number[];
  readonly leaseMs?: number;
  readonly scanIntervalMs?: number;
}

export class MailQueue {
  private readonly due = new Map<string, unknown>();
  /** Messages with an attempt under way here. */
  private readonly running = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly logger: Logger;
  private readonly delays: readonly number[];
  private readonly leaseMs: number;
  private readonly scanIntervalMs: number;
  private scanTimer: unknown;
  private closed = false;

  constructor(private readonly deps: MailQueueDeps) {
    this.logger = deps.logger ?? silentLogger;
    this.delays = deps.retryDelaysMs ?? DEFAULT_MAIL_RETRY_DELAYS_MS;
    this.leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
    this.scanIntervalMs = deps.scanIntervalMs ?? DEFAULT_SCAN_INTERVAL_MS;
  }

  /** Most attempts a message gets. */
  get maxAttempts(): number {
    return this.delays.length + 1;
  }

  /** Picks up the pending mail in the store now (after a restart) and then periodically. */
  async start(): Promise<void> {
    await this.scan();
    this.scheduleScan();
  }

  /** Sends a pending message when it is due (now, for a new one). */
  enqueue(voicemail: Voicemail): void {
    if (this.closed || voicemail.mailStatus !== 'pending') return;
    this.schedule(voicemail.id, voicemail.mailNextAttemptAt ?? this.deps.clock.now());
  }

  /** Stops every timer and waits (a bounded time) for attempts under way. */
  async close(): Promise<void> {
    this.closed = true;
    for (const handle of this.due.values()) this.deps.timers.clearTimeout(handle);
    this.due.clear();
    if (this.scanTimer !== undefined) this.deps.timers.clearTimeout(this.scanTimer);
    this.scanTimer = undefined;
    if (this.inFlight.size === 0) return;
    let handle: unknown;
    const timeout = new Promise<void>((resolve) => {
      handle = this.deps.timers.setTimeout(resolve, CLOSE_WAIT_MS);
    });
    await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
    this.deps.timers.clearTimeout(handle);
  }

  /** Schedules every pending message in the store not already scheduled here. */
  async scan(): Promise<number> {
    if (this.closed) return 0;
    const pending = await this.deps.store.voicemails.listMailPending(SCAN_BATCH);
    let added = 0;
    for (const voicemail of pending) {
      if (this.due.has(voicemail.id) || this.running.has(voicemail.id)) continue;
      this.enqueue(voicemail);
      added += 1;
    }
    if (added > 0)
      this.logger.info({ pending: added }, 'voicemail mail queue: resuming pending mail');
    return added;
  }

  private scheduleScan(): void {
    if (this.closed) return;
    this.scanTimer = this.deps.timers.setTimeout(() => {
      this.scan()
        .catch((error: unknown) => {
          this.logger.error({ err: error }, 'voicemail mail queue: scanning the store failed');
        })
        .finally(() => {
          this.scheduleScan();
        });
    }, this.scanIntervalMs);
  }

  private schedule(id: string, dueAt: number): void {
    const previous = this.due.get(id);
    if (previous !== undefined) this.deps.timers.clearTimeout(previous);
    const delay = Math.max(0, dueAt - this.deps.clock.now());
    const handle = this.deps.timers.setTimeout(() => {
      if (this.due.get(id) !== handle) return;
      this.due.delete(id);
      this.running.add(id);
      this.track(
        this.attempt(id).finally(() => {
          this.running.delete(id);
        }),
      );
    }, delay);
    this.due.set(id, handle);
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => {
      this.logger.error({ err: error }, 'voicemail mail queue: an attempt failed unexpectedly');
    });
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private async attempt(id: string): Promise<void> {
    const { store, clock } = this.deps;
    const current = await store.voicemails.get(id);
    if (current?.mailStatus !== 'pending') return;
    const dueAt = current.mailNextAttemptAt ?? 0;
    if (dueAt > clock.now()) {
      // Rescheduled meanwhile (by another instance, or a lease still running): wait for that.
      if (!this.closed) this.schedule(id, dueAt);
      return;
    }
    const attempts = current.mailAttempts ?? 0;
    const claimed = await store.voicemails.claimMailAttempt(
      id,
      attempts,
      clock.now() + this.leaseMs,
    );
    if (claimed === undefined) return; // sent, deleted, or taken by another instance
    const attempt = attempts + 1;
    const log = this.logger.child({ voicemailId: id, attempt });

    let mail: OutgoingMail | undefined;
    try {
      mail = await this.deps.compose(claimed);
    } catch (error) {
      log.error({ err: error }, 'voicemail mail cannot be made; giving up');
      await this.finish(id, { mailStatus: 'failed', mailError: messageOf(error) });
      return;
    }
    if (mail === undefined) {
      await this.finish(id, { mailStatus: 'disabled', mailError: null });
      return;
    }

    try {
      await this.deps.sender.send(mail);
    } catch (error) {
      const reason = messageOf(error);
      const permanent = error instanceof MailDeliveryError && error.permanent;
      const delay = this.delays[attempt - 1];
      if (permanent || delay === undefined) {
        log.warn(
          { err: error, permanent },
          `voicemail mail failed for good after ${String(attempt)} attempt(s)`,
        );
        await this.finish(id, { mailStatus: 'failed', mailError: reason });
        return;
      }
      const next = clock.now() + delay;
      log.warn({ err: error, retryInMs: delay }, 'voicemail mail failed; will retry');
      const updated = await store.voicemails.update(id, {
        mailNextAttemptAt: next,
        mailError: reason,
      });
      if (updated?.mailStatus === 'pending') {
        this.deps.onUpdated(updated);
        if (!this.closed) this.schedule(id, next);
      }
      return;
    }
    log.info('voicemail mailed');
    await this.finish(id, { mailStatus: 'sent', mailError: null });
  }

  private async finish(
    id: string,
    patch: { mailStatus: 'sent' | 'failed' | 'disabled'; mailError: string | null },
  ): Promise<void> {
    const updated = await this.deps.store.voicemails.update(id, {
      ...patch,
      mailNextAttemptAt: null,
    });
    if (updated !== undefined) this.deps.onUpdated(updated);
  }
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
