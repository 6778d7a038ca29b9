/**
 * SIP over WebSocket (RFC 7118): `ws` over an HTTP server (WS) or an HTTPS server (WSS, with the
 * TLS options), and outgoing WebSocket connections for `transport=ws` targets.
 *
 * - **Handshake** (RFC 7118 §4): the client must offer the `sip` subprotocol and the server
 *   answers with it. An upgrade that does not offer it is refused (400), as is one beyond the
 *   connection limit (503); a plain HTTP request gets 426 Upgrade Required.
 * - **Framing** (RFC 7118 §5.1): one SIP message per WebSocket message, text or binary. Message
 *   boundaries come from WebSocket, so Content-Length may be absent; when present it must match
 *   the body, or a request is answered 400. Messages larger than the parser's maximum
 *   (65,535 bytes by default) close the connection (status 1009, RFC 6455 §7.4.1). We send text
 *   frames, binary ones when a body is not UTF-8.
 * - **Via** transport `WS` or `WSS` (RFC 7118 §5.2); requests get received/rport like on any
 *   transport. A WebSocket client cannot be reached by a new connection (its Via sent-by is
 *   usually an `.invalid` name), so responses and requests to it reuse its connection, by id
 *   or by its address in the pool (the same pool as TCP: connection-pool.ts).
 * - **Limits and liveness**: the pool's connection limit, write buffer limit and idle close;
 *   a ping every `keepAliveIntervalMs` (RFC 6455 §5.5.2), and a connection that did not answer
 *   the previous one is closed. Pongs count as traffic, so a live client stays connected.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { isUtf8 } from 'node:buffer';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  createResponse,
  parseMessage,
  serializeMessage,
  type ParseOptions,
  type SipMessage,
} from '../message/index.js';
import {
  ConnectionPool,
  type Connection,
  type ConnectionLimits,
  type Link,
} from './connection-pool.js';
import { bareHost, normalizeAddress } from './inbound.js';
import { tlsClientOptions, tlsServerOptions, type TlsOptions } from './tls-options.js';
import {
  TransportError,
  type Endpoint,
  type MessageSource,
  type Transport,
  type TransportDelegate,
} from './types.js';

/** The WebSocket subprotocol of RFC 7118 §4 (IANA "WebSocket Subprotocol Name Registry"). */
export const SIP_SUBPROTOCOL = 'sip';

export interface WsTransportOptions extends ConnectionLimits {
  /** Address to listen on (default `0.0.0.0`). */
  readonly host?: string;
  /** Port to listen on; 0 (default) lets the system choose, `local.port` tells which. */
  readonly port?: number;
  /** The sent-by put in our Via and expected in responses (default: the bound address). */
  readonly sentBy?: Endpoint;
  readonly delegate: TransportDelegate;
  /**
   * Secure WebSocket (WSS): the HTTPS server's certificate and key, and for outgoing
   * connections the CAs to trust and whether to verify (on by default). Absent: plain WS.
   */
  readonly tls?: TlsOptions;
  /**
   * The resource path: upgrades to another path are refused (404), and outgoing connections
   * ask for it. Default: any path is accepted, `/` is asked for.
   */
  readonly path?: string;
  /** Parser options (`transport` is forced to `datagram`: WebSocket frames the messages). */
  readonly parse?: Omit<ParseOptions, 'transport'>;
  /** Interval between pings (default 30,000 ms; 0: no pings). */
  readonly keepAliveIntervalMs?: number;
}

/** A WebSocket as a pool `Link`. */
class WebSocketLink implements Link {
  constructor(readonly socket: WebSocket) {}

  get queuedBytes(): number {
    return this.socket.bufferedAmount;
  }

  get destroyed(): boolean {
    return this.socket.readyState !== WebSocket.OPEN;
  }

  write(bytes: Buffer, done: (error?: Error | null) => void): void {
    // RFC 7118 §5.1: text frames carry UTF-8; a body that is not (a binary payload) goes binary.
    this.socket.send(bytes, { binary: !isUtf8(bytes) }, done);
  }

  end(last?: Buffer): void {
    if (last !== undefined && this.socket.readyState === WebSocket.OPEN)
      this.socket.send(last, { binary: !isUtf8(last) });
    this.socket.close(1000);
  }

  destroy(): void {
    this.socket.terminate();
  }

  ping(): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.ping();
  }
}

/** The token the client offered for `sip` (compared without case), if it offered it. */
function offeredSip(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  for (const token of header.split(',')) {
    const trimmed = token.trim();
    if (trimmed.toLowerCase() === SIP_SUBPROTOCOL) return trimmed;
  }
  return undefined;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function isBlank(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte !== 0x0d && byte !== 0x0a && byte !== 0x20) return false;
  return true;
}

/** Refuses an upgrade with an HTTP status, then closes the socket. */
function refuse(socket: Socket, status: number, reason: string, detail: string): void {
  const body = `${detail}\r\n`;
  socket.end(
    `HTTP/1.1 ${String(status)} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${String(Buffer.byteLength(body))}\r\n\r\n${body}`,
  );
  socket.destroySoon();
}

export class WsTransport implements Transport {
  readonly protocol: 'ws' | 'wss';
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #pool: ConnectionPool;
  readonly #tls: TlsOptions | undefined;
  readonly #path: string | undefined;
  readonly #parse: ParseOptions;
  readonly #maxMessageSize: number;
  readonly #sentBy: Endpoint | undefined;
  /** Every accepted socket (TLS handshakes, HTTP requests, upgrades), so `close()` never waits. */
  readonly #sockets = new Set<Socket>();
  #local: Endpoint;

  private constructor(options: WsTransportOptions) {
    this.protocol = options.tls === undefined ? 'ws' : 'wss';
    this.#tls = options.tls;
    this.#path = options.path;
    this.#parse = { ...options.parse, transport: 'datagram' };
    this.#maxMessageSize = options.parse?.maxMessageSize ?? 65_535;
    this.#sentBy = options.sentBy;
    this.#local = { host: options.host ?? '0.0.0.0', port: options.port ?? 0 };
    const where = `${this.#local.host}:${String(this.#local.port)}`;
    this.#server =
      options.tls === undefined
        ? createHttpServer()
        : createHttpsServer({
            ...tlsServerOptions(options.tls, 'wss', where),
            handshakeTimeout: options.connectTimeoutMs ?? 10_000,
          });
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: this.#maxMessageSize,
      // Only reached once `#upgrade` checked the offer: answer with the client's own token.
      handleProtocols: (protocols) => {
        for (const protocol of protocols)
          if (protocol.toLowerCase() === SIP_SUBPROTOCOL) return protocol;
        return false;
      },
    });
    this.#pool = new ConnectionPool({
      ...options,
      protocol: this.protocol,
      keepAliveIntervalMs: options.keepAliveIntervalMs ?? 30_000,
      sentBy: () => this.sentBy,
      open: (destination, key) => this.#connect(destination, key),
    });
  }

  /**
   * Starts listening; throws a `TransportError` when WSS lacks `tls.key` or `tls.cert`, and
   * rejects with one when the address cannot be bound.
   */
  static async listen(options: WsTransportOptions): Promise<WsTransport> {
    const transport = new WsTransport(options);
    await transport.#listen(options);
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
    return this.#pool.size;
  }

  hasConnection(connectionId: string): boolean {
    return this.#pool.get(connectionId) !== undefined;
  }

  /** True while a transaction uses the connection (it is then never closed as idle). */
  connectionInUse(connectionId: string): boolean {
    return this.#pool.inUse(connectionId);
  }

  connectionTo(remote: Endpoint): string | undefined {
    return this.#pool.connectionTo(remote);
  }

  send(message: SipMessage, destination: Endpoint): Promise<void> {
    return this.#pool.send(serializeMessage(message), destination, undefined, message);
  }

  sendBytes(
    bytes: Buffer,
    destination: Endpoint,
    connectionId?: string,
    message?: SipMessage,
  ): Promise<void> {
    return this.#pool.send(bytes, destination, connectionId, message);
  }

  async close(): Promise<void> {
    if (this.#pool.closed) return;
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    this.#pool.close();
    this.#wss.close();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  async #listen(options: WsTransportOptions): Promise<void> {
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
    if (address !== null && typeof address === 'object')
      this.#local = { host: address.address, port: address.port };
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => {
        this.#sockets.delete(socket);
      });
    });
    server.on('request', (_request, response) => {
      response.writeHead(426, { Upgrade: 'websocket', 'Content-Type': 'text/plain' });
      response.end('SIP over WebSocket (RFC 7118): upgrade with subprotocol "sip"\r\n');
    });
    server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
      this.#upgrade(request, socket, head);
    });
    server.on('tlsClientError', (error: Error, socket: Socket) => {
      this.#pool.discard('handshake-failed', this.#sourceOf(socket), error.message);
    });
    server.on('error', (error) => {
      this.#pool.report(
        new TransportError(`${name} server error: ${error.message}`, this.protocol, undefined, {
          cause: error,
        }),
      );
    });
    this.#pool.start();
  }

  #sourceOf(socket: Socket): MessageSource {
    return {
      protocol: this.protocol,
      host: normalizeAddress(socket.remoteAddress ?? ''),
      port: socket.remotePort ?? 0,
      local: this.#local,
    };
  }

  #upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => {
      // A peer resetting during the handshake: nothing to report beyond the refusal.
    });
    const source = this.#sourceOf(socket);
    const path = (request.url ?? '/').split('?')[0];
    if (this.#path !== undefined && path !== this.#path) {
      this.#pool.discard('upgrade-refused', source, `path ${path ?? ''}`);
      refuse(socket, 404, 'Not Found', `no SIP WebSocket service at ${path ?? ''}`);
      return;
    }
    // RFC 7118 §4: the client MUST offer "sip", and the server answers with it.
    const offered = offeredSip(request.headers['sec-websocket-protocol']);
    if (offered === undefined) {
      this.#pool.discard('upgrade-refused', source, 'no "sip" in Sec-WebSocket-Protocol');
      refuse(
        socket,
        400,
        'Bad Request',
        'Sec-WebSocket-Protocol must offer "sip" (RFC 7118 section 4)',
      );
      return;
    }
    if (!this.#pool.canAccept()) {
      this.#pool.discard('upgrade-refused', source, 'connection limit reached');
      refuse(socket, 503, 'Service Unavailable', 'too many connections');
      return;
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      if (!this.#pool.canAccept()) {
        ws.terminate();
        return;
      }
      this.#register(ws, { host: source.host, port: source.port });
    });
  }

  #connect(destination: Endpoint, key: string): Promise<Connection> {
    const name = this.protocol.toUpperCase();
    const host = bareHost(destination.host);
    const url = `${this.protocol}://${isIP(host) === 6 ? `[${host}]` : host}:${String(destination.port)}${this.#path ?? '/'}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, [SIP_SUBPROTOCOL], {
        handshakeTimeout: this.#pool.connectTimeoutMs,
        maxPayload: this.#maxMessageSize,
        perMessageDeflate: false,
        ...(this.protocol === 'wss' ? tlsClientOptions(this.#tls, host) : {}),
      });
      let remote: Endpoint = { host, port: destination.port };
      const fail = (why: string, cause?: unknown): void => {
        reject(
          new TransportError(
            `${name} connect to ${destination.host}:${String(destination.port)} failed: ${why}`,
            this.protocol,
            destination,
            { cause },
          ),
        );
      };
      ws.once('upgrade', (response) => {
        const socket = response.socket;
        remote = {
          host: normalizeAddress(socket.remoteAddress ?? host),
          port: socket.remotePort ?? destination.port,
        };
      });
      ws.once('unexpected-response', (_request, response) => {
        fail(`HTTP ${String(response.statusCode)} ${response.statusMessage ?? ''}`.trim());
        ws.terminate();
      });
      ws.once('error', (error) => {
        fail(error.message, error);
      });
      ws.once('open', () => {
        ws.removeAllListeners('error');
        if (this.#pool.closed) {
          ws.terminate();
          reject(new TransportError(`${name} transport is closed`, this.protocol, destination));
          return;
        }
        resolve(this.#register(ws, remote, key));
      });
    });
  }

  #register(ws: WebSocket, remote: Endpoint, destinationKey?: string): Connection {
    const connection = this.#pool.add(new WebSocketLink(ws), remote, this.#local, destinationKey);
    ws.on('message', (data, isBinary) => {
      this.#receive(connection, toBuffer(data), isBinary);
    });
    ws.on('pong', () => {
      this.#pool.touch(connection);
    });
    ws.on('ping', () => {
      this.#pool.touch(connection); // ws answers with a pong itself
    });
    ws.on('error', (error: Error & { code?: string }) => {
      // A peer breaking the WebSocket rules (a message over maxPayload: 1009; a text frame that
      // is not UTF-8: 1007...): ws closes the connection; like a lost TCP framing, a discard.
      if (error.code?.startsWith('WS_ERR_') === true) {
        this.#pool.discard('connection-closed', connection.source, error.message);
        return;
      }
      this.#pool.report(
        new TransportError(
          `${this.protocol.toUpperCase()} connection ${connection.id} error: ${error.message}`,
          this.protocol,
          connection.source,
          { cause: error },
        ),
      );
    });
    ws.on('close', () => {
      this.#pool.forget(connection);
    });
    return connection;
  }

  #receive(connection: Connection, bytes: Buffer, isBinary: boolean): void {
    if (connection.closing) return;
    this.#pool.touch(connection);
    // Some clients send CRLF keep-alives here too: no SIP, no answer.
    if (!isBinary && isBlank(bytes)) return;
    const parsed = parseMessage(bytes, this.#parse);
    if (!parsed.ok) {
      this.#pool.receiveInvalid(connection, parsed.error);
      return;
    }
    const { message } = parsed;
    // RFC 7118 §5.1: one SIP message per WebSocket message. The datagram parser cuts the body
    // to Content-Length; bytes left beyond it mean a wrong length (or a second message).
    const { body } = message;
    if (body.buffer === bytes.buffer) {
      const end = body.byteOffset - bytes.byteOffset + body.length;
      if (end !== bytes.length) {
        const detail = `400 Content-Length ${String(body.length)} shorter than the body (${String(bytes.length - end)} bytes more)`;
        if (message.kind === 'request' && message.method !== 'ACK') {
          this.#pool.discard('answered-parse-error', connection.source, detail);
          this.#pool.writeQuietly(
            connection,
            serializeMessage(createResponse(message, 400, 'Content-Length Mismatch')),
          );
        } else {
          this.#pool.discard('unparsable', connection.source, detail);
        }
        return;
      }
    }
    this.#pool.receive(connection, message);
  }
}
