import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  PortPool,
  PortPoolExhaustedError,
  type PortPair,
  type PortPoolOptions,
} from './port-pool.js';

const pairs: PortPair[] = [];
const blockers: Socket[] = [];
const pools: PortPool[] = [];

/** A pool closed after the test (its warm pairs stay bound until then). */
function pool(options: PortPoolOptions): PortPool {
  const made = new PortPool(options);
  pools.push(made);
  return made;
}

afterEach(async () => {
  await Promise.all(pairs.splice(0).map((pair) => pair.release()));
  await Promise.all(pools.splice(0).map((made) => made.close()));
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
      await probe.close();
    }
  }
  throw new Error('no free port range for the test');
}

describe('PortPool', () => {
  it('hands out even RTP ports with RTCP on the next odd port, skipping busy ones', async () => {
    const base = await freeBase();
    const ports = pool({ min: base - 1, max: base + 7, host: '127.0.0.1' }); // odd min rounds up
    await block(base + 3); // the RTCP port of the second pair is taken by someone else
    const first = await ports.allocate();
    const second = await ports.allocate();
    pairs.push(first, second);
    expect([first.port, first.rtcpPort]).toEqual([base, base + 1]);
    expect([second.port, second.rtcpPort]).toEqual([base + 4, base + 5]);
    expect(first.rtp.address().port).toBe(base);
    expect(first.rtcp.address().port).toBe(base + 1);
    expect(ports.used).toBe(2);
    expect(ports.capacity).toBe(4);
  });

  it('fails clearly when the range is used up, and reuses released ports after the others', async () => {
    const base = await freeBase();
    const ports = pool({ min: base, max: base + 3, host: '127.0.0.1' });
    const a = await ports.allocate();
    const b = await ports.allocate();
    await expect(ports.allocate()).rejects.toThrow(PortPoolExhaustedError);
    await expect(ports.allocate()).rejects.toThrow(/no free RTP port pair/);
    await a.release();
    await a.release(); // idempotent
    const c = await ports.allocate();
    pairs.push(b, c);
    expect(c.port).toBe(base);
  });

  it('keeps released pairs bound and lends them again once they have rested', async () => {
    const base = await freeBase();
    let now = 0;
    const ports = pool({
      min: base,
      max: base + 7,
      host: '127.0.0.1',
      quarantineMs: 1000,
      clock: { now: () => now },
    });
    const a = await ports.allocate();
    const aSocket = a.rtp;
    await a.release();
    expect(ports.used).toBe(0);
    expect(ports.warmCount).toBe(1);
    // Within the quarantine a new session gets a freshly bound pair, not a's.
    const b = await ports.allocate();
    pairs.push(b);
    expect(b.port).toBe(base + 2);
    now = 1000;
    const c = await ports.allocate();
    pairs.push(c);
    expect(c.port).toBe(base);
    expect(c.rtp).toBe(aSocket); // the same bound socket: nothing was bound or closed
    expect(ports.stats).toEqual({ reused: 1, bound: 2, warm: 0, drained: 0 });
    await a.release(); // the old lease cannot give back the pair lent to c
    expect(ports.warmCount).toBe(0);
  });

  it('drops packets reaching a resting pair and restarts its quarantine with each', async () => {
    const base = await freeBase();
    let now = 0;
    const ports = pool({
      min: base,
      max: base + 3,
      host: '127.0.0.1',
      quarantineMs: 1000,
      clock: { now: () => now },
    });
    const old = await ports.allocate();
    await old.release();
    now = 900;
    // The old call's far end has not stopped yet.
    const farEnd = createSocket('udp4');
    blockers.push(farEnd);
    await new Promise<void>((resolve) => farEnd.bind(0, '127.0.0.1', resolve));
    farEnd.send(Buffer.from([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9]), base, '127.0.0.1');
    const deadline = Date.now() + 3000;
    while (ports.stats.drained === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(ports.stats.drained).toBe(1);
    now = 1800; // 1.8 s after the release, but only 0.9 s after the late packet
    const fresh = await ports.allocate();
    pairs.push(fresh);
    expect(fresh.port).toBe(base + 2);
    now = 1900;
    const reused = await ports.allocate();
    pairs.push(reused);
    expect(reused.port).toBe(base);
    // Nothing of the old call reaches the new session.
    const received: Buffer[] = [];
    reused.rtp.on('message', (packet) => received.push(packet));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received).toHaveLength(0);
  });

  it('closes released pairs beyond warmPairs, and every warm pair on close()', async () => {
    const base = await freeBase();
    const ports = pool({ min: base, max: base + 7, host: '127.0.0.1', warmPairs: 1 });
    const a = await ports.allocate();
    const b = await ports.allocate();
    await a.release();
    await b.release(); // the pool is full: b's sockets are closed and its ports are free
    expect(ports.warmCount).toBe(1);
    await block(b.port);
    await ports.close();
    expect(ports.warmCount).toBe(0);
    await block(a.port); // a's port was closed too
    // A pair released after close() is closed, not kept.
    const c = await ports.allocate();
    await c.release();
    expect(ports.warmCount).toBe(0);
    await block(c.port);
  });

  it('validates its configuration', () => {
    expect(() => new PortPool({ min: 80, max: 100 })).toThrow(/1024-65535/);
    expect(() => new PortPool({ min: 20_001, max: 20_001 })).toThrow(/no even\/odd pair/);
    expect(() => new PortPool({ min: 20_000, max: 20_010, host: 'localhost' })).toThrow(
      /IP literal/,
    );
  });
});
