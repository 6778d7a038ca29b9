import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from './sqlite.js';

describe('background WAL checkpoints', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function fileSize(path: string): Promise<number> {
    return (await stat(path)).size;
  }

  it('copies committed pages into the database file without the writer checkpointing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'switchboard-wal-'));
    dirs.push(dir);
    const path = join(dir, 'switchboard.db');
    const errors: string[] = [];
    const db = openSqlite(path, dir, {
      backgroundCheckpoints: true,
      checkpointIntervalMs: 20,
      onCheckpointError: (message) => errors.push(message),
    });
    try {
      // The writer's own automatic checkpoint waits for far more pages than this writes.
      const { rows } = await sql<{
        wal_autocheckpoint: number;
      }>`pragma wal_autocheckpoint`.execute(db);
      expect(rows[0]?.wal_autocheckpoint).toBe(20_000);
      await sql`create table t (n integer, pad text)`.execute(db);
      const before = await fileSize(path);
      for (let i = 0; i < 200; i += 1) {
        await sql`insert into t values (${i}, ${'x'.repeat(1000)})`.execute(db);
      }
      // 200 KB committed: in the WAL until a checkpoint copies it into the file.
      const deadline = Date.now() + 5000;
      while ((await fileSize(path)) < before + 150_000 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await fileSize(path)).toBeGreaterThanOrEqual(before + 150_000);
      expect(errors).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
