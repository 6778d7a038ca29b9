/**
 * UDP port pairs for sessions from a configured range: RTP on an even port, RTCP on the next odd
 * one (RFC 3550 §11). Ports in use by another program are skipped (EADDRINUSE is retried on the
 * next pair); a released pair goes to the back of the rotation, so a late packet of an ended call
 * does not land in the next call straight away.
 */
import { createSocket, type Socket, type SocketType } from 'node:dgram';
import { isIP } from 'node:net';

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

export class PortPool {
  readonly host: string;
  private readonly first: number;
  private readonly last: number;
  private readonly type: SocketType;
  private readonly receiveBufferSize: number | undefined;
  private readonly inUse = new Set<number>();
  private cursor: number;

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
    this.receiveBufferSize = options.receiveBufferSize;
    this.cursor = this.first;
  }

  /** Pairs the range holds. */
  get capacity(): number {
    return (this.last - this.first) / 2 + 1;
  }

  /** Pairs handed out and not yet released. */
  get used(): number {
    return this.inUse.size;
  }

  /** Binds the next free pair. Rejects with PortPoolExhaustedError when none can be bound. */
  async allocate(): Promise<PortPair> {
    const capacity = this.capacity;
    let lastError: unknown;
    for (let attempt = 0; attempt < capacity; attempt += 1) {
      const port = this.cursor;
      this.cursor = port + 2 > this.last ? this.first : port + 2;
      if (this.inUse.has(port)) continue;
      this.inUse.add(port);
      try {
        return await this.bindPair(port);
      } catch (error) {
        this.inUse.delete(port);
        if (!isAddressInUse(error)) throw error;
        lastError = error;
      }
    }
    throw new PortPoolExhaustedError(
      `no free RTP port pair in ${String(this.first)}-${String(this.last + 1)} on ${this.host}` +
        ` (${String(this.inUse.size)} in use${lastError === undefined ? '' : ', others busy'})`,
    );
  }

  private async bindPair(port: number): Promise<PortPair> {
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
    let released = false;
    return {
      port,
      rtcpPort: port + 1,
      rtp,
      rtcp,
      family: this.type === 'udp6' ? 'IPv6' : 'IPv4',
      bindAddress: this.host,
      release: async () => {
        if (released) return;
        released = true;
        await Promise.all([closeSocket(rtp), closeSocket(rtcp)]);
        this.inUse.delete(port);
      },
    };
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
