/**
 * The connections of one connection-oriented transport (TCP, TLS, WS, WSS), whatever carries
 * the bytes: what RFC 3261 §18 asks of reliable transports, shared so that all four behave alike.
 *
 * - **Reuse** (§18.1.1, §18.2.2): connections are pooled by remote `host:port` (the address a
 *   connection was opened to, and the peer's address), so requests to a peer reuse the
 *   connection it already has with us, concurrent sends share one connect, and a response goes
 *   back on the connection its request came in on (by id).
 * - **Idle close**: a connection with no traffic either way for `idleTimeoutMs` is closed, but
 *   never while a transaction uses it. Transactions are followed from the messages themselves
 *   (top Via branch and CSeq method): a request received or sent opens one, its final response
 *   ends it (an INVITE's after the time its ACK or 2xx retransmissions may take, 64·T1).
 * - **Keep-alive probes** for links that can ping (WebSocket, RFC 6455 §5.5.2): a connection
 *   that has not answered the previous ping when the next one is due is dead and is closed.
 * - **Limits**: connections (incoming and outgoing together), bytes queued towards a peer that
 *   does not read.
 *
 * What a received message goes through (received/rport, sent-by check, answers to parse errors)
 * is `inbound.ts`, the same as for UDP. Time comes from an injected clock and timers.
 */
import type { Clock } from '../auth/clock.js';
import type { ParseError, SipMessage } from '../message/index.js';
import { bareHost, inboundMessage, inboundParseError } from './inbound.js';
import {
  TransportError,
  systemTimers,
  type ConnectionProtocol,
  type DiscardReason,
  type Endpoint,
  type MessageSource,
  type Timers,
  type TransportDelegate,
} from './types.js';

/** What the pool needs from whatever carries a connection's bytes (a socket, a WebSocket). */
export interface Link {
  /** Bytes accepted by `write` and not yet handed to the system. */
  readonly queuedBytes: number;
  /** True once nothing more can be written. */
  readonly destroyed: boolean;
  write(bytes: Buffer, done: (error?: Error | null) => void): void;
  /** Writes `last` (if any), then closes gracefully. */
  end(last?: Buffer): void;
  /** Closes at once. */
  destroy(): void;
  /** A keep-alive probe the peer must answer (a WebSocket ping); absent for TCP and TLS. */
  ping?(): void;
}

export interface Connection {
  readonly id: string;
  readonly link: Link;
  readonly source: MessageSource;
  /** Pool keys (`host:port`) that point at this connection. */
  readonly keys: string[];
  lastActivity: number;
  closing: boolean;
  graceTimer: unknown;
  /** A ping went out and nothing came back since. */
  awaitingPong: boolean;
  /** Transactions using the connection: key → time after which the use is forgotten. */
  uses: Map<string, number> | undefined;
}

/** Limits and timings common to every connection-oriented transport. */
export interface ConnectionLimits {
  /** A connection with no traffic either way for this long is closed (default 300,000 ms). */
  readonly idleTimeoutMs?: number;
  /** How often idle connections are looked for (default: a quarter of the idle timeout). */
  readonly sweepIntervalMs?: number;
  /** Most open connections, incoming and outgoing together (default 10,000). */
  readonly maxConnections?: number;
  /** Most bytes queued towards a peer that does not read (default 1 MiB); beyond, it is closed. */
  readonly maxWriteBufferBytes?: number;
  /** An outgoing connection not ready after this long fails (default 10,000 ms). */
  readonly connectTimeoutMs?: number;
  /**
   * How long a transaction keeps its connection from idle close at most, should its final
   * response never come (default 600,000 ms: longer than INVITE Timer C, RFC 3261 §16.6).
   */
  readonly transactionTimeoutMs?: number;
  readonly clock?: Clock;
  readonly timers?: Timers;
}

export interface ConnectionPoolOptions extends ConnectionLimits {
  readonly protocol: ConnectionProtocol;
  readonly delegate: TransportDelegate;
  /** The sent-by responses must carry (RFC 3261 §18.1.2); read at each message. */
  readonly sentBy: () => Endpoint;
  /** Interval between keep-alive probes on links that can ping (0: none). */
  readonly keepAliveIntervalMs?: number;
  /** After a fatal framing error, how long the answer may take to drain (default 2,000 ms). */
  readonly closeGraceMs?: number;
  /**
   * Opens a connection to `destination` and registers it with `add` under the pool key `key`;
   * rejects with a `TransportError` when it cannot. Concurrent sends share one call.
   */
  readonly open: (destination: Endpoint, key: string) => Promise<Connection>;
}

const systemClock: Clock = { now: () => Date.now() };

/** RFC 3261 §17.1.1.2 / §17.2.1: 64·T1 (T1 = 500 ms), how long an INVITE's 2xx or ACK may still come. */
const INVITE_LINGER_MS = 32_000;
/** Transactions followed per connection at most (a peer cannot grow the table without bound). */
const MAX_USES = 256;

export function poolKey(host: string, port: number): string {
  return `${bareHost(host).toLowerCase()}:${String(port)}`;
}

/** `branch\nmethod` of a message (ACK never opens a transaction of its own), or undefined. */
function transactionKey(message: SipMessage): string | undefined {
  try {
    const branch = message.topVia().branch;
    if (branch === undefined) return undefined;
    return `${branch}\n${message.cseq().method}`;
  } catch {
    return undefined; // a message we cannot read has no transaction to protect
  }
}

export class ConnectionPool {
  readonly protocol: ConnectionProtocol;
  readonly #delegate: TransportDelegate;
  readonly #sentBy: () => Endpoint;
  readonly #open: (destination: Endpoint, key: string) => Promise<Connection>;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly connectTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #sweepIntervalMs: number;
  readonly #keepAliveIntervalMs: number;
  readonly #maxConnections: number;
  readonly #maxWriteBuffer: number;
  readonly #closeGraceMs: number;
  readonly #transactionTimeoutMs: number;
  readonly #byId = new Map<string, Connection>();
  readonly #byRemote = new Map<string, Connection>();
  readonly #connecting = new Map<string, Promise<Connection>>();
  #nextId = 1;
  #sweepTimer: unknown;
  #keepAliveTimer: unknown;
  #closed = false;

  constructor(options: ConnectionPoolOptions) {
    this.protocol = options.protocol;
    this.#delegate = options.delegate;
    this.#sentBy = options.sentBy;
    this.#open = options.open;
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? Math.max(1, this.#idleTimeoutMs / 4);
    this.#keepAliveIntervalMs = options.keepAliveIntervalMs ?? 0;
    this.#maxConnections = options.maxConnections ?? 10_000;
    this.#maxWriteBuffer = options.maxWriteBufferBytes ?? 1 << 20;
    this.#closeGraceMs = options.closeGraceMs ?? 2_000;
    this.#transactionTimeoutMs = options.transactionTimeoutMs ?? 600_000;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Starts the idle sweep and the keep-alive probes. */
  start(): void {
    this.#scheduleSweep();
    if (this.#keepAliveIntervalMs > 0) this.#scheduleKeepAlive();
  }

  /** False when a new connection must be refused (closed, or at the connection limit). */
  canAccept(): boolean {
    return !this.#closed && this.#byId.size < this.#maxConnections;
  }

  /**
   * Registers a connection that is ready to carry SIP. `remote` is the peer's address as the
   * socket sees it; `destinationKey` the pool key it was opened to (outgoing connections).
   */
  add(link: Link, remote: Endpoint, local: Endpoint, destinationKey?: string): Connection {
    const id = `${this.protocol}-${String(this.#nextId)}`;
    this.#nextId += 1;
    const connection: Connection = {
      id,
      link,
      source: {
        protocol: this.protocol,
        host: remote.host,
        port: remote.port,
        connectionId: id,
        local,
      },
      keys: [],
      lastActivity: this.clock.now(),
      closing: false,
      graceTimer: undefined,
      awaitingPong: false,
      uses: undefined,
    };
    this.#byId.set(id, connection);
    // Reachable by the address it was opened to (a name, perhaps) and by its remote address.
    for (const key of new Set([destinationKey, poolKey(remote.host, remote.port)])) {
      if (key === undefined) continue;
      const existing = this.#byRemote.get(key);
      if (existing === undefined || existing.closing) {
        this.#byRemote.set(key, connection);
        connection.keys.push(key);
      }
    }
    return connection;
  }

  /** The link closed: the connection leaves the pool. */
  forget(connection: Connection): void {
    connection.closing = true;
    this.timers.clear(connection.graceTimer);
    this.#byId.delete(connection.id);
    for (const key of connection.keys) {
      if (this.#byRemote.get(key) === connection) this.#byRemote.delete(key);
    }
  }

  get(connectionId: string): Connection | undefined {
    const connection = this.#byId.get(connectionId);
    return connection === undefined || connection.closing ? undefined : connection;
  }

  /** The id of an open pooled connection to `remote`, if there is one. */
  connectionTo(remote: Endpoint): string | undefined {
    const connection = this.#byRemote.get(poolKey(remote.host, remote.port));
    return connection === undefined || connection.closing ? undefined : connection.id;
  }

  /** Bytes or a ping came in: the connection is alive and in use. */
  touch(connection: Connection): void {
    connection.lastActivity = this.clock.now();
    connection.awaitingPong = false;
  }

  /** A message framed on the connection: checked (inbound.ts), followed, and handed up. */
  receive(connection: Connection, message: SipMessage): void {
    const inbound = inboundMessage(message, connection.source, this.#sentBy());
    if (inbound.action === 'drop') {
      this.discard(inbound.reason, connection.source, inbound.detail);
      return;
    }
    if (inbound.action !== 'deliver') return;
    this.#follow(connection, inbound.message, 'in');
    try {
      this.#delegate.onMessage(inbound.message, connection.source);
    } catch (error) {
      this.report(
        new TransportError('onMessage threw', this.protocol, connection.source, { cause: error }),
      );
    }
  }

  /** A complete message that failed to parse: a request is answered on the connection. */
  receiveInvalid(connection: Connection, error: ParseError): void {
    const inbound = inboundParseError(error);
    if (inbound.action === 'answer') {
      this.discard('answered-parse-error', connection.source, inbound.detail);
      this.writeQuietly(connection, inbound.bytes);
    } else if (inbound.action === 'drop') {
      this.discard(inbound.reason, connection.source, inbound.detail);
    }
  }

  /**
   * The framing is lost (RFC 3261 §18.3): answer if the request can be answered, then close;
   * the link is destroyed after the grace period should the peer never close its side.
   */
  fail(connection: Connection, error: ParseError): void {
    const inbound = inboundParseError(error);
    this.discard('connection-closed', connection.source, `${String(error.status)} ${error.reason}`);
    this.closeGracefully(connection, inbound.action === 'answer' ? inbound.bytes : undefined);
  }

  /** Ends the connection after `last` is written, destroying it after the grace period. */
  closeGracefully(connection: Connection, last?: Buffer): void {
    if (connection.closing) return;
    connection.closing = true;
    connection.link.end(last);
    connection.graceTimer = this.timers.set(() => {
      connection.link.destroy();
    }, this.#closeGraceMs);
  }

  /** Closes a connection at once (idle, dead, not reading: nothing to answer). */
  destroy(connection: Connection): void {
    connection.closing = true;
    connection.link.destroy();
  }

  /**
   * Sends on connection `connectionId` when it is still open, else on the pooled connection to
   * `destination`, else on a new connection to it (which joins the pool).
   */
  async send(
    bytes: Buffer,
    destination: Endpoint,
    connectionId?: string,
    message?: SipMessage,
  ): Promise<void> {
    if (this.#closed) {
      throw new TransportError(
        `${this.protocol.toUpperCase()} transport is closed`,
        this.protocol,
        destination,
      );
    }
    const connection =
      (connectionId === undefined ? undefined : this.get(connectionId)) ??
      (await this.#connectionTo(destination));
    if (message !== undefined) this.#follow(connection, message, 'out');
    await this.write(connection, bytes);
  }

  write(connection: Connection, bytes: Buffer): Promise<void> {
    const { link } = connection;
    const name = this.protocol.toUpperCase();
    if (connection.closing || link.destroyed) {
      return Promise.reject(
        new TransportError(
          `${name} connection ${connection.id} is closed`,
          this.protocol,
          connection.source,
        ),
      );
    }
    if (link.queuedBytes + bytes.length > this.#maxWriteBuffer) {
      const queued = link.queuedBytes;
      this.destroy(connection);
      return Promise.reject(
        new TransportError(
          `${name} connection ${connection.id} closed: peer not reading (${String(queued)} bytes queued)`,
          this.protocol,
          connection.source,
        ),
      );
    }
    connection.lastActivity = this.clock.now();
    return new Promise((resolve, reject) => {
      link.write(bytes, (error) => {
        if (error) {
          reject(
            new TransportError(
              `${name} write on ${connection.id} failed: ${error.message}`,
              this.protocol,
              connection.source,
              { cause: error },
            ),
          );
        } else resolve();
      });
    });
  }

  writeQuietly(connection: Connection, bytes: Buffer): void {
    this.write(connection, bytes).catch((error: unknown) => {
      this.report(
        error instanceof TransportError
          ? error
          : new TransportError('write failed', this.protocol, connection.source, { cause: error }),
      );
    });
  }

  /** Stops the timers and destroys every link. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.timers.clear(this.#sweepTimer);
    this.timers.clear(this.#keepAliveTimer);
    for (const connection of [...this.#byId.values()]) {
      connection.closing = true;
      connection.link.destroy();
    }
  }

  /** True while a transaction uses the connection (for tests and metrics). */
  inUse(connectionId: string): boolean {
    const connection = this.#byId.get(connectionId);
    return connection !== undefined && this.#hasUses(connection, this.clock.now());
  }

  discard(reason: DiscardReason, source: MessageSource, detail: string): void {
    try {
      this.#delegate.onDiscard?.(reason, source, detail);
    } catch {
      // A logging hook that throws must not take the connection down.
    }
  }

  report(error: TransportError): void {
    try {
      this.#delegate.onError?.(error);
    } catch {
      // Same as above.
    }
  }

  async #connectionTo(destination: Endpoint): Promise<Connection> {
    const key = poolKey(destination.host, destination.port);
    const pooled = this.#byRemote.get(key);
    if (pooled !== undefined && !pooled.closing) return pooled;
    const pending = this.#connecting.get(key);
    if (pending !== undefined) return pending;
    if (this.#byId.size >= this.#maxConnections) {
      throw new TransportError(
        `${this.protocol.toUpperCase()} connection limit (${String(this.#maxConnections)}) reached`,
        this.protocol,
        destination,
      );
    }
    const attempt = this.#open(destination, key);
    this.#connecting.set(key, attempt);
    try {
      return await attempt;
    } finally {
      this.#connecting.delete(key);
    }
  }

  /**
   * Follows the transactions on a connection: a request (not ACK) starts a use, its final
   * response ends it, an INVITE's only after 64·T1 (ACK for a non-2xx, §17.2.1; 2xx
   * retransmissions and their ACKs, §13.3.1.4). Server and client uses are kept apart since a
   * branch is unique only per sender.
   */
  #follow(connection: Connection, message: SipMessage, direction: 'in' | 'out'): void {
    if (message.kind === 'request' && message.method === 'ACK') return;
    const key = transactionKey(message);
    if (key === undefined) return;
    // A request received and the response we send belong to a server transaction (s), a
    // request we send and the response we receive to a client transaction (c).
    const serverSide = (message.kind === 'request') === (direction === 'in');
    const useKey = (serverSide ? 's' : 'c') + key;
    const now = this.clock.now();
    if (message.kind === 'request') {
      connection.uses ??= new Map();
      if (connection.uses.size < MAX_USES || connection.uses.has(useKey))
        connection.uses.set(useKey, now + this.#transactionTimeoutMs);
      return;
    }
    if (message.status < 200 || connection.uses?.has(useKey) !== true) return;
    if (message.cseq().method === 'INVITE') connection.uses.set(useKey, now + INVITE_LINGER_MS);
    else connection.uses.delete(useKey);
  }

  #hasUses(connection: Connection, now: number): boolean {
    const { uses } = connection;
    if (uses === undefined) return false;
    for (const [key, until] of uses) if (until <= now) uses.delete(key);
    return uses.size > 0;
  }

  #scheduleSweep(): void {
    this.#sweepTimer = this.timers.set(() => {
      this.#sweep();
      if (!this.#closed) this.#scheduleSweep();
    }, this.#sweepIntervalMs);
  }

  /** Closes connections idle for the idle timeout that no transaction uses. */
  #sweep(): void {
    const now = this.clock.now();
    for (const connection of [...this.#byId.values()]) {
      if (connection.closing) continue;
      if (now - connection.lastActivity < this.#idleTimeoutMs) continue;
      if (this.#hasUses(connection, now)) continue;
      this.destroy(connection);
    }
  }

  #scheduleKeepAlive(): void {
    this.#keepAliveTimer = this.timers.set(() => {
      this.#probe();
      if (!this.#closed) this.#scheduleKeepAlive();
    }, this.#keepAliveIntervalMs);
  }

  /** Pings every link that can; one that never answered the previous ping is dead. */
  #probe(): void {
    for (const connection of [...this.#byId.values()]) {
      const { link } = connection;
      if (connection.closing || link.ping === undefined) continue;
      if (connection.awaitingPong) {
        this.destroy(connection); // no answer to the previous ping: the peer is gone
        continue;
      }
      connection.awaitingPong = true;
      try {
        link.ping();
      } catch (error) {
        this.report(
          new TransportError('ping failed', this.protocol, connection.source, { cause: error }),
        );
      }
    }
  }
}
