import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { PortPool, PortPoolExhaustedError, type PortPair } from './port-pool.js';

const pairs: PortPair[] = [];
const blockers: Socket[] = [];

afterEach(async () => {
  await Promise.all(pairs.splice(0).map((pair) => pair.release()));
  await Promise.all(
    blockers.splice(0).map(
      (socket) =>
        new Promise<void>((resolve) =>
          socket.close(() => {
            resolve();
          }),
        ),
    ),
  );
});

async function block(port: number): Promise<void> {
  const socket = createSocket('udp4');
  blockers.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => {
      resolve();
    });
  });
}

/** A free even port with the three pairs after it, found by the kernel. */
async function freeBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 30_000 + 2 * Math.floor(Math.random() * 10_000);
    const probe = new PortPool({ min: base, max: base + 7, host: '127.0.0.1' });
    const taken: PortPair[] = [];
    try {
      for (let i = 0; i < 4; i += 1) taken.push(await probe.allocate());
      if (taken.every((pair, i) => pair.port === base + 2 * i)) return base;
    } catch {
      // somebody else is there: try another base
    } finally {
      await Promise.all(taken.map((pair) => pair.release()));
    }
  }
  throw new Error('no free port range for the test');
}

describe('PortPool', () => {
  it('hands out even RTP ports with RTCP on the next odd port, skipping busy ones', async () => {
    const base = await freeBase();
    const pool = new PortPool({ min: base - 1, max: base + 7, host: '127.0.0.1' }); // odd min rounds up
    await block(base + 3); // the RTCP port of the second pair is taken by someone else
    const first = await pool.allocate();
    const second = await pool.allocate();
    pairs.push(first, second);
    expect([first.port, first.rtcpPort]).toEqual([base, base + 1]);
    expect([second.port, second.rtcpPort]).toEqual([base + 4, base + 5]);
    expect(first.rtp.address().port).toBe(base);
    expect(first.rtcp.address().port).toBe(base + 1);
    expect(pool.used).toBe(2);
    expect(pool.capacity).toBe(4);
  });

  it('fails clearly when the range is used up, and reuses released ports after the others', async () => {
    const base = await freeBase();
    const pool = new PortPool({ min: base, max: base + 3, host: '127.0.0.1' });
    const a = await pool.allocate();
    const b = await pool.allocate();
    await expect(pool.allocate()).rejects.toThrow(PortPoolExhaustedError);
    await expect(pool.allocate()).rejects.toThrow(/no free RTP port pair/);
    await a.release();
    await a.release(); // idempotent
    const c = await pool.allocate();
    pairs.push(b, c);
    expect(c.port).toBe(base);
  });

  it('validates its configuration', () => {
    expect(() => new PortPool({ min: 80, max: 100 })).toThrow(/1024-65535/);
    expect(() => new PortPool({ min: 20_001, max: 20_001 })).toThrow(/no even\/odd pair/);
    expect(() => new PortPool({ min: 20_000, max: 20_010, host: 'localhost' })).toThrow(
      /IP literal/,
    );
  });
});
