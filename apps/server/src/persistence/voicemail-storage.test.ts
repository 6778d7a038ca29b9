import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Voicemail } from '../domain/model/index.js';
import { MissingReferenceError } from '../domain/ports/errors.js';
import { manualClock, TEST_EPOCH, userInput } from '../test-support/fixtures.js';
import { dialects, useStore } from '../test-support/stores.js';
import { MIGRATION_TABLE } from './migrate.js';
import { migrations } from './migrations/index.js';
import { openStore } from './open-store.js';
import { openSqlite } from './sqlite.js';

function message(id: string, createdAt: number, overrides: Partial<Voicemail> = {}): Voicemail {
  return {
    id,
    userId: 'alice',
    callId: null,
    callerNumber: '+4930123',
    contactId: null,
    path: `voicemail/alice/${id}.wav`,
    durationMs: 1000,
    heard: false,
    mailStatus: 'pending',
    createdAt,
    ...overrides,
  };
}

// Migration 0006: voicemail mail state, caller name and code, heard time; greetings.
describe.each(dialects)('voicemail storage on %s', (dialect) => {
  const clock = manualClock();
  const store = useStore(dialect, { clock });

  it('round-trips the new fields and defaults them for writers that do not know them', async () => {
    await store().users.put(userInput('alice'));
    const full = await store().voicemails.insert(
      message('a', TEST_EPOCH, {
        callerName: 'Bob',
        handlingCode: 'VIP',
        heardAt: null,
        mailAttempts: 2,
        mailNextAttemptAt: TEST_EPOCH + 30_000,
        mailError: 'connection refused',
      }),
    );
    expect(full).toMatchObject({
      callerName: 'Bob',
      handlingCode: 'VIP',
      mailAttempts: 2,
      mailNextAttemptAt: TEST_EPOCH + 30_000,
      mailError: 'connection refused',
    });
    const plain = await store().voicemails.insert(message('b', TEST_EPOCH));
    expect(plain).toMatchObject({
      callerName: null,
      handlingCode: null,
      heardAt: null,
      mailAttempts: 0,
      mailNextAttemptAt: null,
      mailError: null,
    });
    await expect(
      store().voicemails.insert(message('c', TEST_EPOCH, { userId: 'ghost' })),
    ).rejects.toBeInstanceOf(MissingReferenceError);
  });

  it('counts, lists pending mail soonest first, claims each attempt once', async () => {
    await store().users.put(userInput('alice'));
    await store().voicemails.insert(message('late', 1, { mailNextAttemptAt: 500 }));
    await store().voicemails.insert(message('soon', 2, { mailNextAttemptAt: 100 }));
    await store().voicemails.insert(message('sent', 3, { mailStatus: 'sent', heard: true }));
    expect(await store().voicemails.countByUser('alice')).toEqual({ unheard: 2, heard: 1 });
    expect(await store().voicemails.countByUser('nobody')).toEqual({ unheard: 0, heard: 0 });
    expect((await store().voicemails.listMailPending(10)).map((v) => v.id)).toEqual([
      'soon',
      'late',
    ]);
    expect((await store().voicemails.listMailPending(1)).map((v) => v.id)).toEqual(['soon']);

    const claimed = await store().voicemails.claimMailAttempt('soon', 0, 9_999);
    expect(claimed).toMatchObject({ mailAttempts: 1, mailNextAttemptAt: 9_999 });
    // Another instance with the same view of the row loses the race.
    expect(await store().voicemails.claimMailAttempt('soon', 0, 9_999)).toBeUndefined();
    expect(await store().voicemails.claimMailAttempt('sent', 0, 9_999)).toBeUndefined();
    expect(await store().voicemails.claimMailAttempt('missing', 0, 9_999)).toBeUndefined();
  });

  it('finds heard messages by when they were heard, else when they were left', async () => {
    await store().users.put(userInput('alice'));
    await store().voicemails.insert(message('old-heard', 100, { heard: true, heardAt: 900 }));
    await store().voicemails.insert(message('legacy-heard', 100, { heard: true }));
    await store().voicemails.insert(message('new', 100));
    await store().voicemails.insert(message('recent', 100, { heard: true, heardAt: 2000 }));
    expect((await store().voicemails.listHeardBefore(1000, 10)).map((v) => v.id).sort()).toEqual([
      'legacy-heard',
      'old-heard',
    ]);
  });

  it('keeps greetings per user, slot and ref, and drops them with the user', async () => {
    await store().users.put(userInput('alice'));
    clock.set(TEST_EPOCH);
    const tts = await store().greetings.put({
      userId: 'alice',
      slot: 'default',
      ref: '',
      kind: 'tts',
      path: null,
      text: 'Hello',
      voice: 'en',
      durationMs: null,
    });
    expect(tts).toMatchObject({ text: 'Hello', createdAt: TEST_EPOCH, updatedAt: TEST_EPOCH });
    clock.advance(1000);
    const audio = await store().greetings.put({
      userId: 'alice',
      slot: 'default',
      ref: '',
      kind: 'audio',
      path: 'greetings/alice/x.wav',
      text: null,
      voice: null,
      durationMs: 1500,
    });
    expect(audio).toMatchObject({
      kind: 'audio',
      path: 'greetings/alice/x.wav',
      text: null,
      createdAt: TEST_EPOCH,
      updatedAt: TEST_EPOCH + 1000,
    });
    await store().greetings.put({ ...audio, slot: 'code', ref: 'VIP' });
    expect((await store().greetings.listByUser('alice')).map((g) => `${g.slot}:${g.ref}`)).toEqual([
      'code:VIP',
      'default:',
    ]);
    // A greeting must have what its kind plays.
    await expect(store().greetings.put({ ...audio, slot: 'busy', path: null })).rejects.toThrow();
    expect(await store().greetings.delete('alice', 'code', 'VIP')).toBe(true);
    expect(await store().greetings.delete('alice', 'code', 'VIP')).toBe(false);
    await store().users.delete('alice');
    expect(await store().greetings.listByUser('alice')).toEqual([]);
  });
});

describe('migration 0006 on a database with messages', () => {
  it('keeps existing messages, which read with the new fields defaulted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'switchboard-0006-'));
    try {
      const path = join(dir, 'switchboard.db');
      const db = openSqlite(path, dir);
      const migrator = new Migrator({
        db,
        provider: { getMigrations: () => Promise.resolve(migrations('sqlite')) },
        migrationTableName: MIGRATION_TABLE,
        migrationLockTableName: `${MIGRATION_TABLE}_lock`,
      });
      const before = await migrator.migrateTo('0005_trunk_called_number');
      expect(before.error).toBeUndefined();
      await sql`insert into users (id, name, email, password_hash, timezone, country, role,
        default_handling, unknown_handling, created_at, updated_at)
        values ('alice', 'Alice', 'alice@example.test', 'x', 'UTC', 'DE', 'user',
        'builtin:ring-all', 'builtin:ring-all', 1, 1)`.execute(db);
      await sql`insert into voicemails (id, user_id, path, duration_ms, heard, mail_status, created_at)
        values ('old', 'alice', 'voicemail/alice/old.wav', 4000, 0, 'pending', 5)`.execute(db);
      await db.destroy();

      const store = await openStore({ databaseUrl: `sqlite:${path}`, dataDir: dir });
      try {
        expect(await store.voicemails.get('old')).toEqual({
          id: 'old',
          userId: 'alice',
          callId: null,
          callerNumber: null,
          contactId: null,
          path: 'voicemail/alice/old.wav',
          durationMs: 4000,
          heard: false,
          mailStatus: 'pending',
          createdAt: 5,
          callerName: null,
          handlingCode: null,
          heardAt: null,
          mailAttempts: 0,
          mailNextAttemptAt: null,
          mailError: null,
        });
        expect(await store.greetings.listByUser('alice')).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
