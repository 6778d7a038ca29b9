/**
 * SIP over UDP (RFC 3261 §18): one datagram, one message. Every datagram goes through
 * `parseMessage` (which never throws); requests that fail to parse are answered to their
 * source, garbage is dropped, and nothing a peer sends can throw out of the socket handler.
 *
 * The socket's buffers are set large (4 MiB by default): datagrams that arrive while the event
 * loop is busy wait in the kernel's receive buffer, and what does not fit is dropped. With the
 * Linux default of about 208 KiB a UAS starts losing INVITEs (and living on retransmissions)
 * at a couple of thousand calls per second with its CPU a third busy.
 */
import { createSocket, type RemoteInfo, type Socket, type SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import {
  parseMessage,
  serializeMessage,
  type ParseOptions,
  type SipMessage,
} from '../message/index.js';
import { inboundMessage, inboundParseError, normalizeAddress } from './inbound.js';
import {
  TransportError,
  type Endpoint,
  type MessageSource,
  type SendFailureListener,
  type Transport,
  type TransportDelegate,
} from './types.js';

/**
 * Socket buffer sizes asked for by default, in bytes (Kamailio and SIPp use the same). The
 * kernel caps what it grants at `net.core.rmem_max` / `net.core.wmem_max` (Linux).
 */
export const DEFAULT_UDP_BUFFER_SIZE = 4 * 1024 * 1024;

/** The largest value `setsockopt` takes (a C int). */
const MAX_BUFFER_SIZE = 0x7fffffff;

/** UDP socket buffers (SO_RCVBUF, SO_SNDBUF), set once the socket is bound. */
export interface UdpBufferOptions {
  /**
   * Receive buffer in bytes (default {@link DEFAULT_UDP_BUFFER_SIZE}; 0 keeps the system's
   * default). What the kernel grants is in `bufferSizes`; less than asked gives a warning.
   */
  readonly recvBufferSize?: number;
  /** Send buffer in bytes (default {@link DEFAULT_UDP_BUFFER_SIZE}; 0 keeps the system's). */
  readonly sendBufferSize?: number;
}

/** The buffer sizes a UDP socket got. */
export interface UdpBufferSizes {
  /**
   * Bytes the kernel set aside for datagrams waiting to be read. Linux reports twice the size
   * set (half is its bookkeeping allowance, socket(7)): this is the size set, the report halved.
   */
  readonly receive: number;
  /** The same for datagrams waiting to be sent. */
  readonly send: number;
}

export interface UdpTransportOptions extends UdpBufferOptions {
  /** Address to bind (default `0.0.0.0`; an IPv6 address binds an IPv6 socket). */
  readonly host?: string;
  /** Port to bind; 0 (default) lets the system choose, `local.port` tells which. */
  readonly port?: number;
  /** The sent-by put in our Via and expected in responses (default: the bound address). */
  readonly sentBy?: Endpoint;
  readonly delegate: TransportDelegate;
  /** Parser options (`transport` is forced to `datagram`). */
  readonly parse?: Omit<ParseOptions, 'transport'>;
  /**
   * Told when the socket got smaller buffers than asked (with the sysctl that raises the
   * limit). Default: `process.emitWarning` (printed on standard error), once per message.
   */
  readonly onWarning?: (message: string) => void;
}

export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly #socket: Socket;
  readonly #delegate: TransportDelegate;
  readonly #parse: ParseOptions;
  #local: Endpoint;
  #sentBy: Endpoint | undefined;
  #closed = false;
  #buffers: UdpBufferSizes = { receive: 0, send: 0 };
  #lastAddress = '';
  #lastHost = '';

  private constructor(socket: Socket, options: UdpTransportOptions) {
    this.#socket = socket;
    this.#delegate = options.delegate;
    this.#parse = { ...options.parse, transport: 'datagram' };
    this.#sentBy = options.sentBy;
    this.#local = { host: options.host ?? '0.0.0.0', port: options.port ?? 0 };
  }

  /** Binds a socket; resolves once it listens, rejects with a `TransportError` if it cannot. */
  static async listen(options: UdpTransportOptions): Promise<UdpTransport> {
    const recv = bufferSize(options.recvBufferSize, 'recvBufferSize');
    const send = bufferSize(options.sendBufferSize, 'sendBufferSize');
    const host = options.host ?? '0.0.0.0';
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', lookup: literalFirst });
    const transport = new UdpTransport(socket, options);
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        socket.close();
        reject(
          new TransportError(
            `cannot bind UDP ${host}:${String(options.port ?? 0)}`,
            'udp',
            undefined,
            { cause: error },
          ),
        );
      };
      socket.once('error', onError);
      socket.bind(options.port ?? 0, host, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    const address = socket.address();
    transport.#local = { host: address.address, port: address.port };
    transport.#buffers = setBuffers(socket, recv, send, options.onWarning ?? emitOnce);
    socket.on('message', (datagram, remote) => {
      transport.#receive(datagram, remote);
    });
    socket.on('error', (error) => {
      transport.#report(
        new TransportError(`UDP socket error: ${error.message}`, 'udp', undefined, {
          cause: error,
        }),
      );
    });
    return transport;
  }

  get local(): Endpoint {
    return this.#local;
  }

  get sentBy(): Endpoint {
    return this.#sentBy ?? this.#local;
  }

  /** The receive and send buffer sizes the kernel granted the socket. */
  get bufferSizes(): UdpBufferSizes {
    return this.#buffers;
  }

  send(message: SipMessage, destination: Endpoint): Promise<void> {
    return this.sendBytes(serializeMessage(message), destination);
  }

  sendBytes(bytes: Buffer, destination: Endpoint): Promise<void> {
    if (this.#closed)
      return Promise.reject(new TransportError('UDP transport is closed', 'udp', destination));
    return new Promise((resolve, reject) => {
      try {
        this.#socket.send(bytes, destination.port, destination.host, (error) => {
          if (error)
            reject(
              new TransportError(
                `UDP send to ${destination.host}:${String(destination.port)} failed: ${error.message}`,
                'udp',
                destination,
                { cause: error },
              ),
            );
          else resolve();
        });
      } catch (error) {
        // dgram throws synchronously on a bad port or a closed socket.
        reject(
          new TransportError(
            `UDP send to ${destination.host}:${String(destination.port)} failed`,
            'udp',
            destination,
            { cause: error },
          ),
        );
      }
    });
  }

  /**
   * Sends at once, no promise (see `Transport.sendDatagram`): the socket takes the datagram
   * synchronously when it can (Node tries `sendto` before queueing). A closed socket or a bad
   * port throws a `TransportError`; a failure the socket reports later goes to `listener`.
   */
  sendDatagram(
    bytes: Buffer,
    destination: Endpoint,
    message: SipMessage,
    listener: SendFailureListener,
  ): void {
    if (this.#closed) throw new TransportError('UDP transport is closed', 'udp', destination);
    try {
      // The callback is what makes dgram report a failed sendto at all (it drops it silently
      // without one); it is called on the next tick, with no error nearly always.
      this.#socket.send(bytes, destination.port, destination.host, (error) => {
        if (error) listener.sendFailed(sendError(destination, error), message);
      });
    } catch (error) {
      // dgram throws synchronously on a bad port or a closed socket.
      throw sendError(destination, error);
    }
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => {
      this.#socket.close(() => {
        resolve();
      });
    });
  }

  #receive(datagram: Buffer, remote: RemoteInfo): void {
    // Keep-alives some phones send over UDP (CRLF, RFC 5626 uses STUN there): not SIP, no answer.
    if (isBlank(datagram)) return;
    const source: MessageSource = {
      protocol: 'udp',
      host: this.#host(remote.address),
      port: remote.port,
      local: this.#local,
    };
    const parsed = parseMessage(datagram, this.#parse);
    const inbound = parsed.ok
      ? inboundMessage(parsed.message, source, this.sentBy)
      : inboundParseError(parsed.error);
    switch (inbound.action) {
      case 'deliver':
        try {
          this.#delegate.onMessage(inbound.message, source);
        } catch (error) {
          this.#report(new TransportError('onMessage threw', 'udp', source, { cause: error }));
        }
        return;
      case 'answer':
        // §18.2.1 stamping is impossible here (no valid Via), so the answer goes to the source.
        this.#discard('answered-parse-error', source, inbound.detail);
        this.sendBytes(inbound.bytes, source).catch((error: unknown) => {
          this.#report(
            error instanceof TransportError
              ? error
              : new TransportError('UDP send failed', 'udp', source, { cause: error }),
          );
        });
        return;
      case 'drop':
        this.#discard(inbound.reason, source, inbound.detail);
        return;
    }
  }

  /**
   * The peer's address as a host: the same string as last time when the peer is the same (the
   * usual case, a proxy or trunk sending everything), rather than one more string per datagram
   * kept by each transaction for 32 s.
   */
  #host(address: string): string {
    if (address !== this.#lastAddress) {
      this.#lastAddress = address;
      this.#lastHost = normalizeAddress(address);
    }
    return this.#lastHost;
  }

  #discard(
    reason: Parameters<NonNullable<TransportDelegate['onDiscard']>>[0],
    source: MessageSource,
    detail: string,
  ): void {
    try {
      this.#delegate.onDiscard?.(reason, source, detail);
    } catch {
      // A logging hook that throws must not take the socket down.
    }
  }

  #report(error: TransportError): void {
    try {
      this.#delegate.onError?.(error);
    } catch {
      // Same as above.
    }
  }
}

/** A failed send as a `TransportError` naming the destination. */
function sendError(destination: Endpoint, cause: unknown): TransportError {
  const why = cause instanceof Error ? `: ${cause.message}` : '';
  return new TransportError(
    `UDP send to ${destination.host}:${String(destination.port)} failed${why}`,
    'udp',
    destination,
    { cause },
  );
}

/**
 * The socket's name lookup: an IP address (what responses go back to, RFC 3581 §4) is used as
 * it is, at once; `dns.lookup` would hand it back only on the next tick, for every datagram
 * sent. Names go to `dns.lookup`.
 */
const literalFirst: NonNullable<SocketOptions['lookup']> = (hostname, options, callback) => {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dnsLookup(hostname, options, callback);
};

/** A buffer size option checked: a whole number of bytes, the default when absent. */
function bufferSize(value: number | undefined, name: string): number {
  if (value === undefined) return DEFAULT_UDP_BUFFER_SIZE;
  if (!Number.isInteger(value) || value < 0 || value > MAX_BUFFER_SIZE) {
    throw new RangeError(
      `UDP ${name} must be a whole number of bytes from 0 to ${String(MAX_BUFFER_SIZE)}, not ${String(value)}`,
    );
  }
  return value;
}

/** Warnings already printed by the default hook: one per process is enough (every socket gets the same). */
const emitted = new Set<string>();

function emitOnce(message: string): void {
  if (emitted.has(message)) return;
  emitted.add(message);
  process.emitWarning(message, 'SipUdpBufferWarning');
}

/** Linux reports twice what it set (socket(7)); other systems report what they set. */
const REPORTED_FACTOR = process.platform === 'linux' ? 2 : 1;

/**
 * Sets the socket's buffers (0: left alone) and reads back what the kernel granted; less than
 * asked (a `net.core.rmem_max` / `wmem_max` cap) is told to `warn` with the sysctl to raise it.
 */
function setBuffers(
  socket: Socket,
  recv: number,
  send: number,
  warn: (message: string) => void,
): UdpBufferSizes {
  return {
    receive: setBuffer(recv, warn, {
      set: (size) => {
        socket.setRecvBufferSize(size);
      },
      get: () => socket.getRecvBufferSize(),
      what: 'receive buffer',
      effect: 'datagrams arriving while the process is busy are dropped beyond it',
      sysctl: 'net.core.rmem_max',
    }),
    send: setBuffer(send, warn, {
      set: (size) => {
        socket.setSendBufferSize(size);
      },
      get: () => socket.getSendBufferSize(),
      what: 'send buffer',
      effect: 'bursts of sends wait in the process beyond it',
      sysctl: 'net.core.wmem_max',
    }),
  };
}

interface BufferSide {
  set(size: number): void;
  get(): number;
  readonly what: string;
  readonly effect: string;
  readonly sysctl: string;
}

function setBuffer(asked: number, warn: (message: string) => void, side: BufferSide): number {
  let failure = '';
  if (asked > 0) {
    try {
      side.set(asked);
    } catch (error) {
      failure = ` (${error instanceof Error ? error.message : String(error)})`;
    }
  }
  let granted = 0;
  try {
    granted = Math.floor(side.get() / REPORTED_FACTOR);
  } catch {
    // A socket that cannot tell: reported as 0.
  }
  if (asked > 0 && granted < asked) {
    warn(
      `UDP ${side.what}: asked for ${String(asked)} bytes, the kernel granted ${String(granted)}` +
        `${failure}; ${side.effect}. Raise the limit on Linux with ` +
        `\`sysctl -w ${side.sysctl}=${String(asked)}\` (as root; in /etc/sysctl.d/ to keep it).`,
    );
  }
  return granted;
}

/** True for a datagram of only CR, LF, space or NUL bytes. */
function isBlank(datagram: Buffer): boolean {
  for (const byte of datagram) {
    if (byte !== 0x0d && byte !== 0x0a && byte !== 0x20 && byte !== 0x00) return false;
  }
  return true;
}
