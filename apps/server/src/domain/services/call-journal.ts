import type { CallRecord } from '../model/index.js';
import { silentLogger, type Logger } from '../ports/logger.js';
import type { CallStepInput, Repositories, Store } from '../ports/store.js';
import { systemTimers, type Timers } from '../ports/timers.js';

/**
 * The one writer of call records in the server: every call's record, its steps and its updates
 * (answered, ended, an override) go through here and are committed in groups.
 *
 * Why: a call writes its record about fifteen times (the record, three decisions, each element
 * of its flow, answered, ended). Committed one by one, those writes were the largest cost of a
 * call (`npm run bench:call-path`: 39% of the server's CPU, and SQLite's WAL checkpoints stalled
 * the event loop for 100 ms and more at 200 calls/s). Group commit, as databases do for their
 * own logs: writes queue for at most `maxDelayMs`, then one transaction takes all of them, so
 * the commits per second stay flat however many calls run.
 *
 * Order: writes of one call are committed in the order they were made (a call's steps keep
 * their order; the record is inserted before them). A group is first written as one batch
 * (`store.batch`: no savepoint per write). Should the database refuse one write (its call was
 * deleted meanwhile), the batch is rolled back and the group written again with each write in a
 * savepoint of its own (`store.transaction`), so that write alone is logged and dropped. When
 * that transaction fails as a whole too (the database locked by another process past the busy
 * timeout, the disk full), each write is tried once more on its own.
 *
 * Nothing waits for a commit unless it needs the record in the database: the call path goes on
 * while its writes queue; `flush()` and the promises the writers return resolve once what was
 * queued before is committed (they never reject: a lost write is logged, a call never fails for
 * its record).
 */

export interface CallJournalOptions {
  readonly store: Store;
  readonly timers?: Timers;
  readonly logger?: Logger;
  /** How long a write may wait for others to join its group. Default 10 ms. */
  readonly maxDelayMs?: number;
  /** A group this large is written at once, without waiting. Default 2,000 writes. */
  readonly maxGroup?: number;
}

type CallPatch = Partial<Omit<CallRecord, 'id' | 'userId'>>;

type Entry =
  | { readonly type: 'insert'; readonly call: CallRecord }
  | { readonly type: 'update'; readonly callId: string; patch: CallPatch }
  | { readonly type: 'steps'; readonly callId: string; readonly steps: CallStepInput[] };

/** Writes queued together, and the promise their writers wait on. */
interface Group {
  readonly entries: Entry[];
  /** The call's latest entry in this group, to extend instead of adding another. */
  readonly last: Map<string, Entry>;
  readonly committed: Promise<void>;
  readonly resolve: () => void;
}

export class CallJournal {
  private readonly store: Store;
  private readonly timers: Timers;
  private readonly logger: Logger;
  private readonly maxDelayMs: number;
  private readonly maxGroup: number;
  private group: Group | undefined;
  private timer: unknown;
  /** The group being written; the next one starts after it. */
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  private writes = 0;
  private commits = 0;
  private lost = 0;

  constructor(options: CallJournalOptions) {
    this.store = options.store;
    this.timers = options.timers ?? systemTimers;
    this.logger = options.logger ?? silentLogger;
    this.maxDelayMs = options.maxDelayMs ?? 10;
    this.maxGroup = options.maxGroup ?? 2000;
  }

  /** A new call record. */
  insert(call: CallRecord): Promise<void> {
    const group = this.open();
    const entry: Entry = { type: 'insert', call };
    this.add(group, call.id, entry);
    return this.queued(group);
  }

  /** Changes to a call record; patches of one call queued together are merged. */
  update(callId: string, patch: CallPatch): Promise<void> {
    const group = this.open();
    const last = group.last.get(callId);
    if (last?.type === 'update') {
      last.patch = { ...last.patch, ...patch };
      this.writes += 1;
    } else {
      this.add(group, callId, { type: 'update', callId, patch });
    }
    return this.queued(group);
  }

  /** A step of a call's log; steps of one call queued together go in as one run. */
  appendStep(callId: string, step: CallStepInput): Promise<void> {
    const group = this.open();
    const last = group.last.get(callId);
    if (last?.type === 'steps') {
      last.steps.push(step);
      this.writes += 1;
    } else {
      this.add(group, callId, { type: 'steps', callId, steps: [step] });
    }
    return this.queued(group);
  }

  /** Writes what is queued now; resolves once it (and everything queued before) is committed. */
  flush(): Promise<void> {
    if (this.group === undefined) return this.writing;
    this.cancelTimer();
    return this.write();
  }

  /** Flushes, then writes each later write at once (for calls ending during shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  /** Writes made, transactions committed, writes lost: for metrics and benchmarks. */
  stats(): { readonly writes: number; readonly commits: number; readonly lost: number } {
    return { writes: this.writes, commits: this.commits, lost: this.lost };
  }

  private open(): Group {
    if (this.group !== undefined) return this.group;
    let resolve: () => void = () => undefined;
    const committed = new Promise<void>((done) => {
      resolve = done;
    });
    this.group = { entries: [], last: new Map(), committed, resolve };
    return this.group;
  }

  private add(group: Group, callId: string, entry: Entry): void {
    group.entries.push(entry);
    group.last.set(callId, entry);
    this.writes += 1;
  }

  /** Schedules the group's write (or writes it now) and returns what its writers wait on. */
  private queued(group: Group): Promise<void> {
    if (this.closed || group.entries.length >= this.maxGroup) {
      this.cancelTimer();
      void this.write();
    } else if (this.timer === undefined) {
      this.timer = this.timers.setTimeout(() => {
        this.timer = undefined;
        void this.write();
      }, this.maxDelayMs);
    }
    return group.committed;
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Takes the open group and commits it after the group before it. */
  private write(): Promise<void> {
    const group = this.group;
    if (group === undefined) return this.writing;
    this.group = undefined;
    this.writing = this.writing.then(async () => {
      await this.commit(group.entries);
      group.resolve();
    });
    return this.writing;
  }

  private async commit(entries: readonly Entry[]): Promise<void> {
    // Almost always every write succeeds: one batch, no savepoint per write.
    try {
      await this.store.batch(async (repos) => {
        for (const entry of entries) await this.perform(repos, entry);
      });
      this.commits += 1;
      return;
    } catch {
      // One of them was refused (or the database failed): the batch is rolled back whole.
    }
    try {
      const lost = await this.store.transaction(async (repos) => {
        let failed = 0;
        for (const entry of entries) {
          if (!(await this.apply(repos, entry))) failed += 1;
        }
        return failed;
      });
      this.commits += 1;
      this.lost += lost;
    } catch (error) {
      this.logger.warn(
        { err: error, writes: entries.length },
        'could not commit call records together; writing them one by one',
      );
      for (const entry of entries) {
        if (!(await this.apply(this.store, entry))) this.lost += 1;
      }
    }
  }

  private async perform(repos: Repositories, entry: Entry): Promise<void> {
    switch (entry.type) {
      case 'insert':
        await repos.calls.insert(entry.call);
        break;
      case 'update':
        await repos.calls.update(entry.callId, entry.patch);
        break;
      case 'steps':
        await repos.calls.appendSteps(entry.callId, entry.steps);
        break;
    }
  }

  /** One write; false when the database refused it (logged, the rest goes on). */
  private async apply(repos: Repositories, entry: Entry): Promise<boolean> {
    try {
      await this.perform(repos, entry);
      return true;
    } catch (error) {
      this.logger.error(
        { err: error, callId: entry.type === 'insert' ? entry.call.id : entry.callId },
        `could not write to the call record (${entry.type})`,
      );
      return false;
    }
  }
}
