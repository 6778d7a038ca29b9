/**
 * SIP over TLS (RFC 3261 §26.2, §18): TCP's framing, connection pool and limits (stream.ts,
 * connection-pool.ts) over node:tls. Certificate and key from the options (PEM); outgoing
 * connections, for `sips:` and `transport=tls` targets, verify the server's certificate chain
 * and name by default (RFC 5922), against Node's roots or the CAs given. Via transport `TLS`,
 * default port 5061.
 */
import { connect, createServer } from 'node:tls';
import { bareHost, normalizeAddress } from './inbound.js';
import { StreamTransport, type Dialled, type StreamTransportOptions } from './stream.js';
import { tlsClientOptions, tlsServerOptions, type TlsOptions } from './tls-options.js';
import type { Endpoint } from './types.js';

export interface TlsTransportOptions extends StreamTransportOptions {
  /** Our certificate and key (required), the CAs we trust, verification of servers. */
  readonly tls: TlsOptions;
}

export class TlsTransport extends StreamTransport<'tls'> {
  readonly #tls: TlsOptions;

  private constructor(options: TlsTransportOptions) {
    const where = `${options.host ?? '0.0.0.0'}:${String(options.port ?? 0)}`;
    const server = createServer({
      ...tlsServerOptions(options.tls, 'tls', where),
      // A handshake that never ends holds a socket outside the pool's limits.
      handshakeTimeout: options.connectTimeoutMs ?? 10_000,
    });
    super(server, options, 'tls');
    this.#tls = options.tls;
    // Sockets in their handshake count too (the pool counts only established connections).
    server.maxConnections = options.maxConnections ?? 10_000;
    server.on('tlsClientError', (error, socket) => {
      this.pool.discard(
        'handshake-failed',
        {
          protocol: 'tls',
          host: normalizeAddress(socket.remoteAddress ?? ''),
          port: socket.remotePort ?? 0,
          local: this.local,
        },
        error.message,
      );
    });
  }

  /**
   * Starts listening; throws a `TransportError` when `tls.key` or `tls.cert` is missing and
   * rejects with one when the address cannot be bound.
   */
  static async listen(options: TlsTransportOptions): Promise<TlsTransport> {
    const transport = new TlsTransport(options);
    await transport.listen(options, 'secureConnection');
    return transport;
  }

  protected dial(destination: Endpoint): Dialled {
    return {
      socket: connect({
        host: bareHost(destination.host),
        port: destination.port,
        ...tlsClientOptions(this.#tls, destination.host),
      }),
      ready: 'secureConnect',
    };
  }
}
