import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../model/index.js';
import type { LogFn, Logger } from '../ports/logger.js';
import type { Store } from '../ports/store.js';
import { TEST_EPOCH, userInput } from '../../test-support/fixtures.js';
import { ManualTimers } from '../../test-support/manual-timers.js';
import { dialects, useStore } from '../../test-support/stores.js';
import { CallJournal } from './call-journal.js';

function callRecord(id: string, overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    id,
    userId: 'alice',
    direction: 'inbound',
    callerNumber: '+12025550142',
    callerName: null,
    calledNumber: '+12025550100',
    contactId: null,
    handlingCode: null,
    flowId: 'builtin:ring-all',
    flowVersion: null,
    outcome: 'in-progress',
    startedAt: TEST_EPOCH,
    answeredAt: null,
    endedAt: null,
    ...overrides,
  };
}

/** A logger that keeps what it is told at error and warn level. */
function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const keep =
    (level: string): LogFn =>
    (first: Record<string, unknown> | string, message?: string) => {
      lines.push(`${level} ${typeof first === 'string' ? first : (message ?? '')}`);
    };
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: keep('warn'),
    error: keep('error'),
    child: () => logger,
  };
  return { logger, lines };
}

describe.each(dialects)('the call journal on %s', (dialect) => {
  const store = useStore(dialect);

  async function setUp(options: { maxGroup?: number; store?: Store } = {}) {
    await store().users.put(userInput('alice'));
    const timers = new ManualTimers();
    const { logger, lines } = recordingLogger();
    const journal = new CallJournal({
      store: options.store ?? store(),
      timers,
      logger,
      maxDelayMs: 10,
      ...(options.maxGroup === undefined ? {} : { maxGroup: options.maxGroup }),
    });
    return { journal, timers, lines };
  }

  it('commits the writes of many calls together once the delay is up, each call in order', async () => {
    const { journal, timers } = await setUp();
    const committed: Promise<void>[] = [];
    for (const id of ['c1', 'c2', 'c3']) {
      committed.push(journal.insert(callRecord(id)));
      committed.push(journal.appendStep(id, { at: TEST_EPOCH, kind: 'lookup', detail: { id } }));
    }
    committed.push(journal.appendStep('c1', { at: TEST_EPOCH + 1, kind: 'element', detail: {} }));
    committed.push(journal.update('c1', { answeredAt: TEST_EPOCH + 2, answeredBy: 'system' }));
    committed.push(journal.update('c1', { outcome: 'answered', endedAt: TEST_EPOCH + 3 }));
    committed.push(journal.appendStep('c1', { at: TEST_EPOCH + 3, kind: 'ended', detail: {} }));
    // Nothing is written before the delay is up.
    expect(await store().calls.get('c1')).toBeUndefined();

    timers.advance(10);
    await Promise.all(committed);
    expect(journal.stats()).toEqual({ writes: 10, commits: 1, lost: 0 });
    expect(await store().calls.get('c1')).toMatchObject({
      outcome: 'answered',
      answeredAt: TEST_EPOCH + 2,
      answeredBy: 'system',
      endedAt: TEST_EPOCH + 3,
    });
    expect((await store().calls.listSteps('c1')).map((s) => [s.seq, s.kind])).toEqual([
      [1, 'lookup'],
      [2, 'element'],
      [3, 'ended'],
    ]);
    expect(await store().calls.listSteps('c3')).toEqual([
      { callId: 'c3', seq: 1, at: TEST_EPOCH, kind: 'lookup', detail: { id: 'c3' } },
    ]);
  });

  it('numbers steps after those already stored, across groups', async () => {
    const { journal, timers } = await setUp();
    void journal.insert(callRecord('c1'));
    const first = journal.appendStep('c1', { at: TEST_EPOCH, kind: 'lookup', detail: {} });
    timers.advance(10);
    await first;
    await store().calls.appendStep({
      callId: 'c1',
      at: TEST_EPOCH + 1,
      kind: 'direct',
      detail: {},
    });
    const second = journal.appendStep('c1', { at: TEST_EPOCH + 2, kind: 'ended', detail: {} });
    timers.advance(10);
    await second;
    expect((await store().calls.listSteps('c1')).map((s) => [s.seq, s.kind])).toEqual([
      [1, 'lookup'],
      [2, 'direct'],
      [3, 'ended'],
    ]);
    expect(journal.stats().commits).toBe(2);
  });

  it('drops and logs a write the database refuses, and commits the rest of its group', async () => {
    const { journal, timers, lines } = await setUp();
    void journal.insert(callRecord('c1'));
    // No such call: its steps cannot be stored.
    void journal.appendStep('gone', { at: TEST_EPOCH, kind: 'lookup', detail: {} });
    // A second record with the same id: refused.
    void journal.insert(callRecord('c1', { callerNumber: '+12025550000' }));
    const done = journal.appendStep('c1', { at: TEST_EPOCH, kind: 'lookup', detail: {} });
    timers.advance(10);
    await done;
    expect(journal.stats()).toEqual({ writes: 4, commits: 1, lost: 2 });
    expect(lines).toEqual([
      'error could not write to the call record (steps)',
      'error could not write to the call record (insert)',
    ]);
    expect(await store().calls.get('c1')).toMatchObject({ callerNumber: '+12025550142' });
    expect(await store().calls.listSteps('c1')).toHaveLength(1);
  });

  it('writes one by one when the group’s batch and transaction both fail as a whole', async () => {
    const real = store();
    const failing: Store = Object.create(real) as Store;
    failing.batch = () => Promise.reject(new Error('database is locked'));
    failing.transaction = () => Promise.reject(new Error('database is locked'));
    const { journal, timers, lines } = await setUp({ store: failing });
    void journal.insert(callRecord('c1'));
    const done = journal.appendStep('c1', { at: TEST_EPOCH, kind: 'lookup', detail: {} });
    timers.advance(10);
    await done;
    expect(lines).toEqual(['warn could not commit call records together; writing them one by one']);
    expect(await real.calls.get('c1')).toBeDefined();
    expect(await real.calls.listSteps('c1')).toHaveLength(1);
    expect(journal.stats()).toEqual({ writes: 2, commits: 0, lost: 0 });
  });

  it('writes at once on flush, when a group is full, and after close', async () => {
    const { journal, timers } = await setUp({ maxGroup: 3 });
    await Promise.all([journal.insert(callRecord('c1')), journal.flush()]);
    expect(await store().calls.get('c1')).toBeDefined();
    expect(timers.size).toBe(0);

    // The third write fills the group: no waiting for the timer.
    void journal.insert(callRecord('c2'));
    void journal.insert(callRecord('c3'));
    await journal.insert(callRecord('c4'));
    expect(await store().calls.get('c4')).toBeDefined();

    await journal.close();
    await journal.update('c4', { outcome: 'missed', endedAt: TEST_EPOCH + 5 });
    expect(await store().calls.get('c4')).toMatchObject({ outcome: 'missed' });
    expect(journal.stats()).toMatchObject({ commits: 3, lost: 0 });
  });
});
