/**
 * Sessions on 127.0.0.1 driven by a fake pacing clock: the test moves time, the kernel moves the
 * packets. Everything opened here is closed by `close()` (call it in afterEach).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { FakeScheduler } from '../../clock/fake-scheduler.js';
import { PacingClock } from '../../clock/pacing-clock.js';
import { parseRtp, RtpHeader } from '../rtp-packet.js';
import { PortPool } from '../port-pool.js';
import { RtpSession } from '../rtp-session.js';
import type { RtpSessionOptions } from '../session-types.js';

/** Lets the event loop deliver what the sockets received. */
export async function ioTurn(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  await new Promise((resolve) => setImmediate(resolve));
}

/** Waits (real time) until `condition` holds, failing after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export interface CapturedPacket {
  readonly bytes: Buffer;
  readonly header: RtpHeader;
  readonly from: RemoteInfo;
}

/** A plain UDP socket standing in for a far end that is not one of our sessions. */
export class RawPeer {
  readonly packets: CapturedPacket[] = [];
  private constructor(readonly socket: Socket) {
    socket.on('message', (bytes, from) => {
      const header = new RtpHeader();
      parseRtp(bytes, bytes.length, header);
      this.packets.push({ bytes, header, from });
    });
  }

  static async open(host = '127.0.0.1', port = 0): Promise<RawPeer> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new RawPeer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(bytes: Uint8Array, port: number, host = '127.0.0.1'): void {
    this.socket.send(bytes, port, host);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.close(() => {
        resolve();
      });
    });
  }
}

export class LoopbackHarness {
  readonly scheduler = new FakeScheduler(0);
  readonly pacer = new PacingClock({ scheduler: this.scheduler, spinMs: 0 });
  readonly pool: PortPool;
  private readonly sessions: RtpSession[] = [];
  private readonly peers: RawPeer[] = [];

  constructor(readonly host = '127.0.0.1') {
    // A random slice of the range so parallel test files rarely meet (and retry when they do).
    const base = 20_000 + 2 * Math.floor(Math.random() * 10_000);
    this.pool = new PortPool({ min: base, max: base + 400, host });
  }

  async session(options: Partial<RtpSessionOptions> = {}): Promise<RtpSession> {
    const session = await RtpSession.open({ pool: this.pool, pacer: this.pacer, ...options });
    this.sessions.push(session);
    return session;
  }

  /** A plain socket on the harness's address (or `host`), closed with the harness. */
  async peer(host = this.host === '::' ? '::1' : this.host): Promise<RawPeer> {
    const peer = await RawPeer.open(host);
    this.peers.push(peer);
    return peer;
  }

  /** Runs `ticks` pacing ticks of fake time, letting the sockets deliver after each. */
  async pump(ticks: number): Promise<void> {
    for (let i = 0; i < ticks; i += 1) {
      this.scheduler.advance(20);
      await ioTurn();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.map((session) => session.close()));
    await this.pool.close();
    await Promise.all(this.peers.map((peer) => peer.close()));
    this.pacer.stop();
  }
}
