/**
 * The retention setting (`voicemail.retentionDays`): heard messages are deleted, with their
 * recordings, that many days after they were heard. New messages are never removed. Runs soon
 * after start and then periodically; several instances may run it at once (deleting is
 * idempotent).
 */
import type { Voicemail } from '../../model/index.js';
import type { Clock } from '../../ports/clock.js';
import { silentLogger, type Logger } from '../../ports/logger.js';
import type { Store } from '../../ports/store.js';
import type { Timers } from '../../ports/timers.js';

const DAY_MS = 24 * 60 * 60_000;
/** Messages deleted per store query. */
const BATCH = 200;
const DEFAULT_INTERVAL_MS = 60 * 60_000;
/** The first run waits a little, so start-up is not slowed by it. */
const FIRST_RUN_DELAY_MS = 60_000;

export interface RetentionDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly timers: Timers;
  /** Days after being heard; 0 keeps messages forever (the job does nothing). */
  readonly retentionDays: number;
  /** Deletes one message: its row, its file, the events (the service's own delete). */
  readonly remove: (voicemail: Voicemail) => Promise<void>;
  readonly logger?: Logger;
  readonly intervalMs?: number;
}

export class RetentionJob {
  private timer: unknown;
  private running: Promise<number> | undefined;
  private stopped = false;
  private readonly logger: Logger;

  constructor(private readonly deps: RetentionDeps) {
    this.logger = deps.logger ?? silentLogger;
  }

  get enabled(): boolean {
    return this.deps.retentionDays > 0;
  }

  start(): void {
    if (!this.enabled || this.stopped) return;
    this.schedule(FIRST_RUN_DELAY_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Deletes every heard message past the retention period; resolves how many went. */
  runOnce(): Promise<number> {
    this.running ??= this.sweep().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(delayMs: number): void {
    this.timer = this.deps.timers.setTimeout(() => {
      this.timer = undefined;
      this.runOnce()
        .catch((error: unknown) => {
          this.logger.error({ err: error }, 'voicemail retention run failed');
        })
        .finally(() => {
          if (!this.stopped) this.schedule(this.deps.intervalMs ?? DEFAULT_INTERVAL_MS);
        });
    }, delayMs);
  }

  private async sweep(): Promise<number> {
    if (!this.enabled) return 0;
    const cutoff = this.deps.clock.now() - this.deps.retentionDays * DAY_MS;
    let removed = 0;
    for (;;) {
      const batch = await this.deps.store.voicemails.listHeardBefore(cutoff, BATCH);
      for (const voicemail of batch) {
        if (this.stopped) return removed;
        await this.deps.remove(voicemail);
        removed += 1;
      }
      if (batch.length < BATCH) break;
    }
    if (removed > 0) {
      this.logger.info(
        { removed, retentionDays: this.deps.retentionDays },
        'voicemail retention: deleted heard messages',
      );
    }
    return removed;
  }
}
