/**
 * SIP over UDP (RFC 3261 §18): one datagram, one message. Every datagram goes through
 * `parseMessage` (which never throws); requests that fail to parse are answered to their
 * source, garbage is dropped, and nothing a peer sends can throw out of the socket handler.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
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
  type Transport,
  type TransportDelegate,
} from './types.js';

export interface UdpTransportOptions {
  /** Address to bind (default `0.0.0.0`; an IPv6 address binds an IPv6 socket). */
  readonly host?: string;
  /** Port to bind; 0 (default) lets the system choose, `local.port` tells which. */
  readonly port?: number;
  /** The sent-by put in our Via and expected in responses (default: the bound address). */
  readonly sentBy?: Endpoint;
  readonly delegate: TransportDelegate;
  /** Parser options (`transport` is forced to `datagram`). */
  readonly parse?: Omit<ParseOptions, 'transport'>;
}

export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly #socket: Socket;
  readonly #delegate: TransportDelegate;
  readonly #parse: ParseOptions;
  #local: Endpoint;
  #sentBy: Endpoint | undefined;
  #closed = false;

  private constructor(socket: Socket, options: UdpTransportOptions) {
    this.#socket = socket;
    this.#delegate = options.delegate;
    this.#parse = { ...options.parse, transport: 'datagram' };
    this.#sentBy = options.sentBy;
    this.#local = { host: options.host ?? '0.0.0.0', port: options.port ?? 0 };
  }

  /** Binds a socket; resolves once it listens, rejects with a `TransportError` if it cannot. */
  static async listen(options: UdpTransportOptions): Promise<UdpTransport> {
    const host = options.host ?? '0.0.0.0';
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
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
      host: normalizeAddress(remote.address),
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

/** True for a datagram of only CR, LF, space or NUL bytes. */
function isBlank(datagram: Buffer): boolean {
  for (const byte of datagram) {
    if (byte !== 0x0d && byte !== 0x0a && byte !== 0x20 && byte !== 0x00) return false;
  }
  return true;
}
