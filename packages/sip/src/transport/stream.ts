/**
 * SIP over a byte stream (RFC 3261 §18.3 framing): what TCP and TLS share. A listening server
 * plus the connection pool (`connection-pool.ts`: reuse, idle close, limits); each socket's
 * bytes go through a `SipStreamParser`, which frames messages by Content-Length and reports
 * CRLF keep-alives (a CRLFCRLF ping is answered with a CRLF pong, RFC 5626 §4.4.1).
 *
 * `TcpTransport` (tcp.ts) and `TlsTransport` (tls.ts) differ only in how the server is made,
 * which server event hands over a connection, and how an outgoing connection is opened.
 */
import type { Server, Socket } from 'node:net';
import {
  SipStreamParser,
  serializeMessage,
  type SipMessage,
  type StreamEvent,
  type StreamParserOptions,
} from '../message/index.js';
import {
  ConnectionPool,
  type Connection,
  type ConnectionLimits,
  type Link,
} from './connection-pool.js';
import { normalizeAddress } from './inbound.js';
import { TransportError, type Endpoint, type Transport, type TransportDelegate } from './types.js';

export interface StreamTransportOptions extends ConnectionLimits {
  /** Address to listen on (default `0.0.0.0`). */
  readonly host?: string;
  /** Port to listen on; 0 (default) lets the system choose, `local.port` tells which. */
  readonly port?: number;
  /** The sent-by put in our Via and expected in responses (default: the bound address). */
  readonly sentBy?: Endpoint;
  readonly delegate: TransportDelegate;
  /** Stream parser options (`keepAliveRole` is set per connection: server in, client out). */
  readonly parse?: Omit<StreamParserOptions, 'keepAliveRole'>;
  /**
   * Most bytes held for an incomplete message on one connection (default: the parser's maximum
   * message size, 65,535). Beyond it the connection is closed.
   */
  readonly maxBufferedBytes?: number;
  /** After a fatal framing error, how long the answer may take to drain before the socket is destroyed (default 2,000 ms). */
  readonly closeGraceMs?: number;
}

const CRLF = Buffer.from('\r\n');

/** A socket as a pool `Link`. */
class SocketLink implements Link {
  constructor(readonly socket: Socket) {}

  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  write(bytes: Buffer, done: (error?: Error | null) => void): void {
    this.socket.write(bytes, done);
  }

  end(last?: Buffer): void {
    if (last === undefined) this.socket.end();
    else this.socket.end(last);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

interface StreamConnection {
  readonly connection: Connection;
  readonly parser: SipStreamParser;
}

/** An outgoing socket and the event that says it is ready for SIP. */
export interface Dialled {
  readonly socket: Socket;
  readonly ready: 'connect' | 'secureConnect';
}

export abstract class StreamTransport<P extends 'tcp' | 'tls'> implements Transport {
  readonly protocol: P;
  protected readonly pool: ConnectionPool;
  readonly #server: Server;
  readonly #parse: Omit<StreamParserOptions, 'keepAliveRole'>;
  readonly #maxBuffered: number;
  readonly #sentBy: Endpoint | undefined;
  /** Every accepted socket, TLS handshakes included, so that `close()` never waits on one. */
  readonly #sockets = new Set<Socket>();
  #local: Endpoint;

  protected constructor(server: Server, options: StreamTransportOptions, protocol: P) {
    this.protocol = protocol;
    this.#server = server;
    this.#parse = options.parse ?? {};
    this.#maxBuffered = options.maxBufferedBytes ?? options.parse?.maxMessageSize ?? 65_535;
    this.#sentBy = options.sentBy;
    this.#local = { host: options.host ?? '0.0.0.0', port: options.port ?? 0 };
    this.pool = new ConnectionPool({
      ...options,
      protocol,
      sentBy: () => this.sentBy,
      open: (destination, key) => this.#connect(destination, key),
    });
  }

  /** How an outgoing connection is opened (net.connect, tls.connect). */
  protected abstract dial(destination: Endpoint): Dialled;

  /**
   * Starts listening; `acceptEvent` is the server event that hands over a socket ready for SIP
   * (`connection` for TCP, `secureConnection` for TLS, after the handshake). Rejects with a
   * `TransportError` when the address cannot be bound.
   */
  protected async listen(
    options: StreamTransportOptions,
    acceptEvent: 'connection' | 'secureConnection',
  ): Promise<void> {
    const host = options.host ?? '0.0.0.0';
    const server = this.#server;
    const name = this.protocol.toUpperCase();
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(
          new TransportError(
            `cannot listen on ${name} ${host}:${String(options.port ?? 0)}`,
            this.protocol,
            undefined,
            { cause: error },
          ),
        );
      };
      server.once('error', onError);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const address = server.address();
    if (address !== null && typeof address === 'object') {
      this.#local = { host: address.address, port: address.port };
    }
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => {
        this.#sockets.delete(socket);
      });
    });
    server.on(acceptEvent, (socket: Socket) => {
      this.#accept(socket);
    });
    server.on('error', (error) => {
      this.pool.report(
        new TransportError(`${name} server error: ${error.message}`, this.protocol, undefined, {
          cause: error,
        }),
      );
    });
    this.pool.start();
  }

  get local(): Endpoint {
    return this.#local;
  }

  get sentBy(): Endpoint {
    return this.#sentBy ?? this.#local;
  }

  /** Open connections (incoming and outgoing). */
  get connectionCount(): number {
    return this.pool.size;
  }

  /** True while the connection with this id is open and usable. */
  hasConnection(connectionId: string): boolean {
    return this.pool.get(connectionId) !== undefined;
  }

  /** True while a transaction uses the connection (it is then never closed as idle). */
  connectionInUse(connectionId: string): boolean {
    return this.pool.inUse(connectionId);
  }

  /** The id of an open pooled connection to `remote`, if there is one. */
  connectionTo(remote: Endpoint): string | undefined {
    return this.pool.connectionTo(remote);
  }

  send(message: SipMessage, destination: Endpoint): Promise<void> {
    return this.pool.send(serializeMessage(message), destination, undefined, message);
  }

  /**
   * Sends on connection `connectionId` when it is still open, else on the pooled connection to
   * `destination`, else on a new connection to it (which joins the pool).
   */
  sendBytes(
    bytes: Buffer,
    destination: Endpoint,
    connectionId?: string,
    message?: SipMessage,
  ): Promise<void> {
    return this.pool.send(bytes, destination, connectionId, message);
  }

  async close(): Promise<void> {
    if (this.pool.closed) return;
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    this.pool.close();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #connect(destination: Endpoint, key: string): Promise<Connection> {
    const name = this.protocol.toUpperCase();
    return new Promise((resolve, reject) => {
      const { socket, ready } = this.dial(destination);
      const timer = this.pool.timers.set(() => {
        socket.destroy(new Error(`not connected after ${String(this.pool.connectTimeoutMs)} ms`));
      }, this.pool.connectTimeoutMs);
      const onError = (error: Error): void => {
        this.pool.timers.clear(timer);
        reject(
          new TransportError(
            `${name} connect to ${destination.host}:${String(destination.port)} failed: ${error.message}`,
            this.protocol,
            destination,
            { cause: error },
          ),
        );
      };
      socket.once('error', onError);
      socket.once(ready, () => {
        this.pool.timers.clear(timer);
        socket.off('error', onError);
        if (this.pool.closed) {
          socket.destroy();
          reject(new TransportError(`${name} transport is closed`, this.protocol, destination));
          return;
        }
        resolve(this.#register(socket, 'client', key).connection);
      });
    });
  }

  #accept(socket: Socket): void {
    if (!this.pool.canAccept()) {
      socket.destroy();
      return;
    }
    this.#register(socket, 'server');
  }

  #register(socket: Socket, role: 'server' | 'client', destinationKey?: string): StreamConnection {
    socket.setNoDelay(true);
    const remote = {
      host: normalizeAddress(socket.remoteAddress ?? ''),
      port: socket.remotePort ?? 0,
    };
    const connection = this.pool.add(new SocketLink(socket), remote, this.#local, destinationKey);
    const stream: StreamConnection = {
      connection,
      parser: new SipStreamParser({ ...this.#parse, keepAliveRole: role }),
    };
    socket.on('data', (chunk: Buffer) => {
      this.#receive(stream, chunk);
    });
    socket.on('error', (error) => {
      this.pool.report(
        new TransportError(
          `${this.protocol.toUpperCase()} connection ${connection.id} error: ${error.message}`,
          this.protocol,
          connection.source,
          { cause: error },
        ),
      );
    });
    socket.on('close', () => {
      this.pool.forget(connection);
    });
    return stream;
  }

  #receive(stream: StreamConnection, chunk: Buffer): void {
    const { connection, parser } = stream;
    if (connection.closing) return;
    this.pool.touch(connection);
    let events: StreamEvent[];
    try {
      events = parser.push(chunk);
    } catch (error) {
      // The parser is built never to throw; if it ever does, the stream cannot be trusted.
      this.pool.report(
        new TransportError('stream parser failed', this.protocol, connection.source, {
          cause: error,
        }),
      );
      this.pool.destroy(connection);
      return;
    }
    for (const event of events) this.#event(connection, event);
    // A fatal event has already closed the parser (and is closing the socket).
    if (!parser.closed && parser.buffered > this.#maxBuffered) {
      this.pool.discard(
        'connection-closed',
        connection.source,
        `over ${String(this.#maxBuffered)} bytes buffered`,
      );
      this.pool.destroy(connection);
    }
  }

  #event(connection: Connection, event: StreamEvent): void {
    switch (event.type) {
      case 'message':
        this.pool.receive(connection, event.message);
        return;
      case 'invalid':
        this.pool.receiveInvalid(connection, event.error);
        return;
      case 'fatal':
        // RFC 3261 §18.3: the framing is lost; answer if the request can be answered, then close.
        this.pool.fail(connection, event.error);
        return;
      case 'ping':
        // RFC 5626 §4.4.1: a CRLFCRLF ping gets a CRLF pong.
        this.pool.writeQuietly(connection, CRLF);
        return;
      case 'pong':
        return;
    }
  }
}
