/**
 * SIP over TCP (RFC 3261 §18, §18.3 framing): a listening server plus a pool of connections,
 * incoming and outgoing, keyed by remote address so a request to a peer reuses the connection
 * it already has with us (RFC 3261 §18.1.1: "use an existing connection" when there is one) and
 * a response goes back on the connection its request came in on (§18.2.2).
 *
 * Protection against idle scanners and slow or hostile peers: a limit on connections, on bytes
 * buffered per connection (the stream parser also stops at its maximum message size), on bytes
 * queued for a peer that does not read, and an idle timeout driven by an injected clock and
 * timers. A CRLFCRLF ping is answered with a CRLF pong (RFC 5626 §4.4.1).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import {
  SipStreamParser,
  serializeMessage,
  type SipMessage,
  type StreamEvent,
  type StreamParserOptions,
} from '../message/index.js';
import type { Clock } from '../auth/clock.js';
import { bareHost, inboundMessage, inboundParseError, normalizeAddress } from './inbound.js';
import {
  TransportError,
  systemTimers,
  type DiscardReason,
  type Endpoint,
  type MessageSource,
  type Timers,
  type Transport,
  type TransportDelegate,
} from './types.js';

export interface TcpTransportOptions {
  /** Address to listen on (default `0.0.0.0`). */
  readonly host?: string;
  /** Port to listen on; 0 (default) lets the system choose, `local.port` tells which. */
  readonly port?: number;
  /** The sent-by put in our Via and expected in responses (default: the bound address). */
  readonly sentBy?: Endpoint;
  readonly delegate: TransportDelegate;
  /** Stream parser options (`keepAliveRole` is set per connection: server in, client out). */
  readonly parse?: Omit<StreamParserOptions, 'keepAliveRole'>;
  /** A connection with no traffic either way for this long is closed (default 300,000 ms). */
  readonly idleTimeoutMs?: number;
  /** How often idle connections are looked for (default: a quarter of the idle timeout). */
  readonly sweepIntervalMs?: number;
  /** Most open connections, incoming and outgoing together (default 10,000). */
  readonly maxConnections?: number;
  /**
   * Most bytes held for an incomplete message on one connection (default: the parser's maximum
   * message size, 65,535). Beyond it the connection is closed.
   */
  readonly maxBufferedBytes?: number;
  /** Most bytes queued towards a peer that does not read (default 1 MiB); beyond, it is closed. */
  readonly maxWriteBufferBytes?: number;
  /** An outgoing connection not established after this long fails (default 10,000 ms). */
  readonly connectTimeoutMs?: number;
  /** After a fatal framing error, how long the answer may take to drain before the socket is destroyed (default 2,000 ms). */
  readonly closeGraceMs?: number;
  readonly clock?: Clock;
  readonly timers?: Timers;
}

const CRLF = Buffer.from('\r\n');
const systemClock: Clock = { now: () => Date.now() };

interface Connection {
  readonly id: string;
  readonly socket: Socket;
  readonly parser: SipStreamParser;
  readonly source: MessageSource;
  /** Pool keys (`host:port`) that point at this connection. */
  readonly keys: string[];
  lastActivity: number;
  closing: boolean;
  graceTimer: unknown;
}

function poolKey(host: string, port: number): string {
  return `${bareHost(host).toLowerCase()}:${String(port)}`;
}

export class TcpTransport implements Transport {
  readonly protocol = 'tcp' as const;
  readonly #server: Server;
  readonly #delegate: TransportDelegate;
  readonly #parse: Omit<StreamParserOptions, 'keepAliveRole'>;
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #idleTimeoutMs: number;
  readonly #sweepIntervalMs: number;
  readonly #maxConnections: number;
  readonly #maxBuffered: number;
  readonly #maxWriteBuffer: number;
  readonly #connectTimeoutMs: number;
  readonly #closeGraceMs: number;
  readonly #byId = new Map<string, Connection>();
  readonly #byRemote = new Map<string, Connection>();
  readonly #connecting = new Map<string, Promise<Connection>>();
  #local: Endpoint;
  readonly #sentBy: Endpoint | undefined;
  #nextId = 1;
  #sweepTimer: unknown;
  #closed = false;

  private constructor(server: Server, options: TcpTransportOptions) {
    this.#server = server;
    this.#delegate = options.delegate;
    this.#parse = options.parse ?? {};
    this.#clock = options.clock ?? systemClock;
    this.#timers = options.timers ?? systemTimers;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? Math.max(1, this.#idleTimeoutMs / 4);
    this.#maxConnections = options.maxConnections ?? 10_000;
    this.#maxBuffered = options.maxBufferedBytes ?? options.parse?.maxMessageSize ?? 65_535;
    this.#maxWriteBuffer = options.maxWriteBufferBytes ?? 1 << 20;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#closeGraceMs = options.closeGraceMs ?? 2_000;
    this.#sentBy = options.sentBy;
    this.#local = { host: options.host ?? '0.0.0.0', port: options.port ?? 0 };
  }

  /** Starts listening; rejects with a `TransportError` when the address cannot be bound. */
  static async listen(options: TcpTransportOptions): Promise<TcpTransport> {
    const host = options.host ?? '0.0.0.0';
    const server = createServer({ noDelay: true });
    const transport = new TcpTransport(server, options);
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(
          new TransportError(
            `cannot listen on TCP ${host}:${String(options.port ?? 0)}`,
            'tcp',
            undefined,
            {
              cause: error,
            },
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
      transport.#local = { host: address.address, port: address.port };
    }
    server.on('connection', (socket) => {
      transport.#accept(socket);
    });
    server.on('error', (error) => {
      transport.#report(
        new TransportError(`TCP server error: ${error.message}`, 'tcp', undefined, {
          cause: error,
        }),
      );
    });
    transport.#scheduleSweep();
    return transport;
  }

  get local(): Endpoint {
    return this.#local;
  }

  get sentBy(): Endpoint {
    return this.#sentBy ?? this.#local;
  }

  /** Open connections (incoming and outgoing). */
  get connectionCount(): number {
    return this.#byId.size;
  }

  /** True while the connection with this id is open and usable. */
  hasConnection(connectionId: string): boolean {
    const connection = this.#byId.get(connectionId);
    return connection !== undefined && !connection.closing;
  }

  /** The id of an open pooled connection to `remote`, if there is one. */
  connectionTo(remote: Endpoint): string | undefined {
    const connection = this.#byRemote.get(poolKey(remote.host, remote.port));
    return connection === undefined || connection.closing ? undefined : connection.id;
  }

  send(message: SipMessage, destination: Endpoint): Promise<void> {
    return this.sendBytes(serializeMessage(message), destination);
  }

  /**
   * Sends on connection `connectionId` when it is still open, else on the pooled connection to
   * `destination`, else on a new connection to it (which joins the pool).
   */
  async sendBytes(bytes: Buffer, destination: Endpoint, connectionId?: string): Promise<void> {
    if (this.#closed) throw new TransportError('TCP transport is closed', 'tcp', destination);
    let connection = connectionId === undefined ? undefined : this.#byId.get(connectionId);
    if (connection === undefined || connection.closing)
      connection = await this.#connectionTo(destination);
    await this.#write(connection, bytes);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#timers.clear(this.#sweepTimer);
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    for (const connection of [...this.#byId.values()]) connection.socket.destroy();
    await closed;
  }

  async #connectionTo(destination: Endpoint): Promise<Connection> {
    const key = poolKey(destination.host, destination.port);
    const pooled = this.#byRemote.get(key);
    if (pooled !== undefined && !pooled.closing) return pooled;
    const pending = this.#connecting.get(key);
    if (pending !== undefined) return pending;
    const attempt = this.#connect(destination, key);
    this.#connecting.set(key, attempt);
    try {
      return await attempt;
    } finally {
      this.#connecting.delete(key);
    }
  }

  #connect(destination: Endpoint, key: string): Promise<Connection> {
    if (this.#byId.size >= this.#maxConnections) {
      return Promise.reject(
        new TransportError(
          `TCP connection limit (${String(this.#maxConnections)}) reached`,
          'tcp',
          destination,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: bareHost(destination.host),
        port: destination.port,
        noDelay: true,
      });
      const timer = this.#timers.set(() => {
        socket.destroy(new Error(`no connection after ${String(this.#connectTimeoutMs)} ms`));
      }, this.#connectTimeoutMs);
      const onError = (error: Error): void => {
        this.#timers.clear(timer);
        reject(
          new TransportError(
            `TCP connect to ${destination.host}:${String(destination.port)} failed: ${error.message}`,
            'tcp',
            destination,
            {
              cause: error,
            },
          ),
        );
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        this.#timers.clear(timer);
        socket.off('error', onError);
        if (this.#closed) {
          socket.destroy();
          reject(new TransportError('TCP transport is closed', 'tcp', destination));
          return;
        }
        resolve(this.#register(socket, 'client', key));
      });
    });
  }

  #accept(socket: Socket): void {
    if (this.#closed || this.#byId.size >= this.#maxConnections) {
      socket.destroy();
      return;
    }
    this.#register(socket, 'server');
  }

  #register(socket: Socket, role: 'server' | 'client', destinationKey?: string): Connection {
    const host = normalizeAddress(socket.remoteAddress ?? '');
    const port = socket.remotePort ?? 0;
    const id = `tcp-${String(this.#nextId)}`;
    this.#nextId += 1;
    const connection: Connection = {
      id,
      socket,
      parser: new SipStreamParser({ ...this.#parse, keepAliveRole: role }),
      source: { protocol: 'tcp', host, port, connectionId: id, local: this.#local },
      keys: [],
      lastActivity: this.#clock.now(),
      closing: false,
      graceTimer: undefined,
    };
    this.#byId.set(id, connection);
    // Reachable by the address it was opened to (a name, perhaps) and by its remote address.
    for (const key of new Set([destinationKey, poolKey(host, port)])) {
      if (key === undefined) continue;
      const existing = this.#byRemote.get(key);
      if (existing === undefined || existing.closing) {
        this.#byRemote.set(key, connection);
        connection.keys.push(key);
      }
    }
    socket.on('data', (chunk: Buffer) => {
      this.#receive(connection, chunk);
    });
    socket.on('error', (error) => {
      this.#report(
        new TransportError(
          `TCP connection ${id} error: ${error.message}`,
          'tcp',
          connection.source,
          { cause: error },
        ),
      );
    });
    socket.on('close', () => {
      this.#forget(connection);
    });
    return connection;
  }

  #forget(connection: Connection): void {
    connection.closing = true;
    this.#timers.clear(connection.graceTimer);
    this.#byId.delete(connection.id);
    for (const key of connection.keys) {
      if (this.#byRemote.get(key) === connection) this.#byRemote.delete(key);
    }
  }

  #receive(connection: Connection, chunk: Buffer): void {
    if (connection.closing) return;
    connection.lastActivity = this.#clock.now();
    let events: StreamEvent[];
    try {
      events = connection.parser.push(chunk);
    } catch (error) {
      // The parser is built never to throw; if it ever does, the stream cannot be trusted.
      this.#report(
        new TransportError('stream parser failed', 'tcp', connection.source, { cause: error }),
      );
      connection.socket.destroy();
      return;
    }
    for (const event of events) this.#event(connection, event);
    // A fatal event has already closed the parser (and is closing the socket).
    if (!connection.parser.closed && connection.parser.buffered > this.#maxBuffered) {
      this.#discard(
        'connection-closed',
        connection.source,
        `over ${String(this.#maxBuffered)} bytes buffered`,
      );
      connection.socket.destroy();
    }
  }

  #event(connection: Connection, event: StreamEvent): void {
    switch (event.type) {
      case 'message': {
        const inbound = inboundMessage(event.message, connection.source, this.sentBy);
        if (inbound.action === 'deliver') {
          try {
            this.#delegate.onMessage(inbound.message, connection.source);
          } catch (error) {
            this.#report(
              new TransportError('onMessage threw', 'tcp', connection.source, { cause: error }),
            );
          }
        } else if (inbound.action === 'drop') {
          this.#discard(inbound.reason, connection.source, inbound.detail);
        }
        return;
      }
      case 'invalid': {
        const inbound = inboundParseError(event.error);
        if (inbound.action === 'answer') {
          this.#discard('answered-parse-error', connection.source, inbound.detail);
          this.#writeQuietly(connection, inbound.bytes);
        } else if (inbound.action === 'drop') {
          this.#discard(inbound.reason, connection.source, inbound.detail);
        }
        return;
      }
      case 'fatal': {
        // RFC 3261 §18.3: the framing is lost; answer if the request can be answered, then close.
        const inbound = inboundParseError(event.error);
        const detail = `${String(event.error.status)} ${event.error.reason}`;
        this.#discard('connection-closed', connection.source, detail);
        connection.closing = true;
        if (inbound.action === 'answer') connection.socket.end(inbound.bytes);
        else connection.socket.end();
        // The peer may never close its side: do not wait for it beyond the grace period.
        connection.graceTimer = this.#timers.set(() => {
          connection.socket.destroy();
        }, this.#closeGraceMs);
        return;
      }
      case 'ping':
        // RFC 5626 §4.4.1: a CRLFCRLF ping gets a CRLF pong.
        this.#writeQuietly(connection, CRLF);
        return;
      case 'pong':
        return;
    }
  }

  #write(connection: Connection, bytes: Buffer): Promise<void> {
    const { socket } = connection;
    if (connection.closing || socket.destroyed) {
      return Promise.reject(
        new TransportError(`TCP connection ${connection.id} is closed`, 'tcp', connection.source),
      );
    }
    if (socket.writableLength + bytes.length > this.#maxWriteBuffer) {
      socket.destroy();
      return Promise.reject(
        new TransportError(
          `TCP connection ${connection.id} closed: peer not reading (${String(socket.writableLength)} bytes queued)`,
          'tcp',
          connection.source,
        ),
      );
    }
    connection.lastActivity = this.#clock.now();
    return new Promise((resolve, reject) => {
      socket.write(bytes, (error) => {
        if (error)
          reject(
            new TransportError(
              `TCP write on ${connection.id} failed: ${error.message}`,
              'tcp',
              connection.source,
              { cause: error },
            ),
          );
        else resolve();
      });
    });
  }

  #writeQuietly(connection: Connection, bytes: Buffer): void {
    this.#write(connection, bytes).catch((error: unknown) => {
      this.#report(
        error instanceof TransportError
          ? error
          : new TransportError('TCP write failed', 'tcp', connection.source, { cause: error }),
      );
    });
  }

  #scheduleSweep(): void {
    this.#sweepTimer = this.#timers.set(() => {
      this.#sweep();
      if (!this.#closed) this.#scheduleSweep();
    }, this.#sweepIntervalMs);
  }

  /** Closes connections idle for the idle timeout (scanners, phones gone away). */
  #sweep(): void {
    const now = this.#clock.now();
    for (const connection of [...this.#byId.values()]) {
      if (now - connection.lastActivity >= this.#idleTimeoutMs) {
        connection.closing = true;
        connection.socket.destroy();
      }
    }
  }

  #discard(reason: DiscardReason, source: MessageSource, detail: string): void {
    try {
      this.#delegate.onDiscard?.(reason, source, detail);
    } catch {
      // A logging hook that throws must not take the connection down.
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
