/**
 * UDP port pairs for sessions from a configured range: RTP on an even port, RTCP on the next odd
 * one (RFC 3550 §11). Ports in use by another program are skipped (EADDRINUSE is retried on the
 * next pair).
 *
 * Warm pool: binding and closing two sockets per session is most of what setting up a call's
 * media costs, so a released pair stays bound (up to `warmPairs`) and is handed to a later
 * session instead of binding a new one. A pair is reused only after it has received nothing for
 * `quarantineMs`: the far end of the old call may still be sending (it has not processed the BYE
 * yet, or its packets are in flight), and with symmetric RTP a new session latches onto the first
 * source it hears, so a late packet of the old call must never reach it. Packets that arrive while
 * a pair waits are read and dropped, and each one restarts its quarantine (a far end that keeps
 * sending keeps its old port out of reuse). Pairs are reused oldest first, so at low call rates a
 * port rests for far longer than the quarantine. Dropping packets "until the new remote is set"
 * would not do: the remote is set before the far end's first packet, and an old far end's packet
 * would then be latched as the new call's source. Only when the range has no free port left is a
 * warm pair reused before its quarantine ends (the oldest one: the same as rebinding a port just
 * closed, which is all a pool without warm pairs could do then). Warm pairs do not keep the
 * process alive (unref'd), pairs quiet for `warmIdleMs` are closed as the pool shrinks back, and
 * `close()` closes them all.
 */
import { createSocket, type Socket, type SocketType } from 'node:dgram';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { MonotonicClock } from '../clock/scheduler.js';

export interface PortRange {
  /** Lowest port (rounded up to even). */
  readonly min: number;
  /** Highest port (the last pair is max-1/max or below). */
  readonly max: number;
}

export interface PortPoolOptions extends PortRange {
  /** Address to bind: `0.0.0.0` (default), `::` (IPv6 and IPv4), or one local address. */
  readonly host?: string;
  /** Kernel receive buffer per RTP socket, bytes (left at the system default when omitted). */
  readonly receiveBufferSize?: number;
  /**
   * Released pairs kept bound for reuse (see the file comment). Default 2048: enough for 2,000
   * calls ending per second with the default quarantine; 0 closes every released pair.
   */
  readonly warmPairs?: number;
  /** How long a released pair must have received nothing before it is reused. Default 1000 ms. */
  readonly quarantineMs?: number;
  /** Warm pairs unused for this long are closed. Default 60 000 ms. */
  readonly warmIdleMs?: number;
  /** Time for the quarantine; `performance.now()` by default. */
  readonly clock?: MonotonicClock;
}

/** A bound RTP/RTCP socket pair. `release()` closes both and returns the ports to the pool. */
export interface PortPair {
  readonly port: number;
  readonly rtcpPort: number;
  readonly rtp: Socket;
  readonly rtcp: Socket;
  readonly family: 'IPv4' | 'IPv6';
  /** The address the sockets are bound to (`0.0.0.0`, `::` or one local address). */
  readonly bindAddress: string;
  release(): Promise<void>;
}

export class PortPoolExhaustedError extends Error {
  override readonly name = 'PortPoolExhaustedError';
}

/**
 * The sockets send only to IP literals (SDP gives addresses as literals; see read-sdp.ts), so
 * name resolution is a synchronous identity: Node's default would defer every send to the next
 * tick through `dns.lookup`, and cost a closure and a tick per packet.
 */
function literalLookup(
  address: string,
  _family: unknown,
  callback: (error: Error | null, address: string, family: number) => void,
): void {
  const kind = isIP(address);
  if (kind === 0) {
    callback(new Error(`RTP sockets send to IP addresses only, got "${address}"`), address, 4);
  } else {
    callback(null, address, kind);
  }
}

const realClock: MonotonicClock = { now: () => performance.now() };

/** Two bound sockets, possibly lent to several sessions one after the other. */
class Binding {
  releasedAt = 0;
  /** When the pair last received a packet while it waited (or was released). */
  quietSince = 0;
  readonly onWaitingPacket = (): void => {
    this.quietSince = this.clock.now();
    this.onDrained();
  };

  constructor(
    readonly port: number,
    readonly rtp: Socket,
    readonly rtcp: Socket,
    private readonly clock: MonotonicClock,
    /** A packet reached the pair while it waited (dropped). */
    private readonly onDrained: () => void,
  ) {}
}

/** Socket errors with nobody else listening (a pair waiting in the pool) must not crash. */
function ignoreSocketError(): void {
  // A waiting pair has nothing to report to; the next session counts its own errors.
}

/** One session's use of a binding: `release()` ends it once, whatever it is called again. */
class Lease implements PortPair {
  readonly port: number;
  readonly rtcpPort: number;
  readonly rtp: Socket;
  readonly rtcp: Socket;
  private released = false;

  constructor(
    private readonly binding: Binding,
    private readonly pool: PortPool,
    readonly family: 'IPv4' | 'IPv6',
    readonly bindAddress: string,
  ) {
    this.port = binding.port;
    this.rtcpPort = binding.port + 1;
    this.rtp = binding.rtp;
    this.rtcp = binding.rtcp;
  }

  release(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    return this.pool.giveBack(this.binding);
  }
}

export class PortPool {
  readonly host: string;
  private readonly first: number;
  private readonly last: number;
  private readonly type: SocketType;
  private readonly family: 'IPv4' | 'IPv6';
  private readonly receiveBufferSize: number | undefined;
  private readonly warmPairs: number;
  private readonly quarantineMs: number;
  private readonly warmIdleMs: number;
  private readonly clock: MonotonicClock;
  /** Ports bound by this pool: lent out or waiting warm. */
  private readonly inUse = new Set<number>();
  /** Warm pairs, oldest release first (a queue: `warm[warmHead...]`). */
  private warm: Binding[] = [];
  private warmHead = 0;
  private cursor: number;
  private reused = 0;
  private bound = 0;
  /** After `close()`, released pairs are closed instead of kept warm. */
  private closed = false;
  private drained = 0;

  private readonly countDrained = (): void => {
    this.drained += 1;
  };

  constructor(options: PortPoolOptions) {
    const { min, max } = options;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1024 || max > 65535) {
      throw new RangeError(
        `RTP port range must be integers within 1024-65535, got ${String(min)}-${String(max)}`,
      );
    }
    this.first = min % 2 === 0 ? min : min + 1;
    this.last = max % 2 === 0 ? max - 2 : max - 1; // the last even port whose pair fits
    if (this.last < this.first) {
      throw new RangeError(`RTP port range ${String(min)}-${String(max)} holds no even/odd pair`);
    }
    this.host = options.host ?? '0.0.0.0';
    const family = isIP(this.host);
    if (family === 0)
      throw new TypeError(`RTP bind address must be an IP literal, got "${this.host}"`);
    this.type = family === 6 ? 'udp6' : 'udp4';
    this.family = family === 6 ? 'IPv6' : 'IPv4';
    this.receiveBufferSize = options.receiveBufferSize;
    this.warmPairs = Math.max(0, Math.floor(options.warmPairs ?? 2048));
    this.quarantineMs = Math.max(0, options.quarantineMs ?? 1000);
    this.warmIdleMs = Math.max(0, options.warmIdleMs ?? 60_000);
    this.clock = options.clock ?? realClock;
    this.cursor = this.first;
  }

  /** Pairs the range holds. */
  get capacity(): number {
    return (this.last - this.first) / 2 + 1;
  }

  /** Pairs handed out and not yet released. */
  get used(): number {
    return this.inUse.size - this.warmCount;
  }

  /** Released pairs kept bound for reuse. */
  get warmCount(): number {
    return this.warm.length - this.warmHead;
  }

  /**
   * Allocations served from warm pairs / by binding new sockets, the warm pairs now, and the
   * packets dropped because they reached a resting pair, since the pool was made.
   */
  get stats(): {
    readonly reused: number;
    readonly bound: number;
    readonly warm: number;
    readonly drained: number;
  } {
    return { reused: this.reused, bound: this.bound, warm: this.warmCount, drained: this.drained };
  }

  /**
   * A pair: a warm one that has been quiet for the quarantine, else the next free pair bound now.
   * Rejects with PortPoolExhaustedError when none can be had.
   */
  async allocate(): Promise<PortPair> {
    const ready = this.takeWarm(false);
    if (ready !== undefined) return this.lend(ready);
    const capacity = this.capacity;
    let lastError: unknown;
    for (let attempt = 0; attempt < capacity; attempt += 1) {
      const port = this.cursor;
      this.cursor = port + 2 > this.last ? this.first : port + 2;
      if (this.inUse.has(port)) continue;
      this.inUse.add(port);
      try {
        const binding = await this.bindPair(port);
        this.bound += 1;
        return this.lend(binding);
      } catch (error) {
        this.inUse.delete(port);
        if (!isAddressInUse(error)) throw error;
        lastError = error;
      }
    }
    // Nothing free in the range: the warm pair that has rested longest, quarantine or not.
    const oldest = this.takeWarm(true);
    if (oldest !== undefined) return this.lend(oldest);
    throw new PortPoolExhaustedError(
      `no free RTP port pair in ${String(this.first)}-${String(this.last + 1)} on ${this.host}` +
        ` (${String(this.used)} in use${lastError === undefined ? '' : ', others busy'})`,
    );
  }

  /**
   * Closes every warm pair; pairs lent out now are closed when released. The pool can still
   * allocate afterwards (binding new pairs), it just keeps nothing warm any more.
   */
  async close(): Promise<void> {
    this.closed = true;
    const waiting = this.warm.slice(this.warmHead);
    this.warm = [];
    this.warmHead = 0;
    await Promise.all(waiting.map((binding) => this.closeBinding(binding)));
  }

  /** @internal Lease.release: back to the warm queue, or closed. */
  giveBack(binding: Binding): Promise<void> {
    const { rtp, rtcp } = binding;
    // Whatever the session left attached goes; the pool drains the pair while it waits.
    rtp.removeAllListeners('message');
    rtcp.removeAllListeners('message');
    rtp.removeAllListeners('error');
    rtcp.removeAllListeners('error');
    rtp.on('error', ignoreSocketError);
    rtcp.on('error', ignoreSocketError);
    const now = this.clock.now();
    this.closeIdleWarm(now);
    if (this.closed || this.warmCount >= this.warmPairs) return this.closeBinding(binding);
    rtp.on('message', binding.onWaitingPacket);
    rtcp.on('message', binding.onWaitingPacket);
    rtp.unref();
    rtcp.unref();
    binding.releasedAt = now;
    binding.quietSince = now;
    this.warm.push(binding);
    return Promise.resolve();
  }

  /**
   * The oldest warm pair if it has been quiet for the quarantine (or any, when `force`). A pair
   * that received packets while waiting goes to the back of the queue (it rests again from its
   * last packet), so one noisy pair does not hold up the ones behind it.
   */
  private takeWarm(force: boolean): Binding | undefined {
    const now = this.clock.now();
    for (let tries = 0; tries < 4 && this.warmCount > 0; tries += 1) {
      const binding = this.warm[this.warmHead] as Binding;
      if (force || now - binding.quietSince >= this.quarantineMs) {
        this.dequeueWarm();
        this.reused += 1;
        return binding;
      }
      if (binding.quietSince === binding.releasedAt) return undefined; // the rest are younger
      this.dequeueWarm();
      binding.releasedAt = binding.quietSince;
      this.warm.push(binding);
    }
    return undefined;
  }

  private dequeueWarm(): void {
    this.warmHead += 1;
    if (this.warmHead > 64 && this.warmHead * 2 > this.warm.length) {
      this.warm = this.warm.slice(this.warmHead);
      this.warmHead = 0;
    }
  }

  /** Closes warm pairs nobody needed for `warmIdleMs` (the oldest are at the head). */
  private closeIdleWarm(now: number): void {
    while (this.warmCount > 0) {
      const binding = this.warm[this.warmHead] as Binding;
      if (now - binding.releasedAt < this.warmIdleMs) return;
      this.dequeueWarm();
      void this.closeBinding(binding);
    }
  }

  private lend(binding: Binding): Lease {
    const { rtp, rtcp } = binding;
    rtp.off('message', binding.onWaitingPacket);
    rtcp.off('message', binding.onWaitingPacket);
    rtp.ref();
    rtcp.ref();
    return new Lease(binding, this, this.family, this.host);
  }

  private async closeBinding(binding: Binding): Promise<void> {
    await Promise.all([closeSocket(binding.rtp), closeSocket(binding.rtcp)]);
    this.inUse.delete(binding.port);
  }

  private async bindPair(port: number): Promise<Binding> {
    const rtp = await this.bind(port);
    let rtcp: Socket;
    try {
      rtcp = await this.bind(port + 1);
    } catch (error) {
      await closeSocket(rtp);
      throw error;
    }
    if (this.receiveBufferSize !== undefined) {
      try {
        rtp.setRecvBufferSize(this.receiveBufferSize);
      } catch {
        // The kernel caps it (net.core.rmem_max); the default still works.
      }
    }
    rtp.on('error', ignoreSocketError);
    rtcp.on('error', ignoreSocketError);
    return new Binding(port, rtp, rtcp, this.clock, this.countDrained);
  }
  private bind(port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: this.type, lookup: literalLookup });
      const onError = (error: Error): void => {
        socket.close();
        reject(error);
      };
      socket.once('error', onError);
      socket.bind({ port, address: this.host, exclusive: true }, () => {
        socket.off('error', onError);
        resolve(socket);
      });
    });
  }
}

function isAddressInUse(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'EADDRINUSE' || code === 'EACCES';
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => {
        resolve();
      });
    } catch {
      resolve(); // already closed
    }
  });
}
