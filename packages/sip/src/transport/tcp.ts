/**
 * SIP over TCP (RFC 3261 §18, §18.3 framing): a listening server plus a pool of connections,
 * incoming and outgoing, keyed by remote address so a request to a peer reuses the connection
 * it already has with us (RFC 3261 §18.1.1: "use an existing connection" when there is one) and
 * a response goes back on the connection its request came in on (§18.2.2).
 *
 * Protection against idle scanners and slow or hostile peers: a limit on connections, on bytes
 * buffered per connection (the stream parser also stops at its maximum message size), on bytes
 * queued for a peer that does not read, and an idle timeout driven by an injected clock and
 * timers (never while a transaction uses the connection). A CRLFCRLF ping is answered with a
 * CRLF pong (RFC 5626 §4.4.1). The code is shared with TLS: see stream.ts and connection-pool.ts.
 */
import { connect, createServer } from 'node:net';
import { bareHost } from './inbound.js';
import { StreamTransport, type Dialled, type StreamTransportOptions } from './stream.js';
import type { Endpoint } from './types.js';

export type TcpTransportOptions = StreamTransportOptions;

export class TcpTransport extends StreamTransport<'tcp'> {
  private constructor(options: TcpTransportOptions) {
    super(createServer({ noDelay: true }), options, 'tcp');
  }

  /** Starts listening; rejects with a `TransportError` when the address cannot be bound. */
  static async listen(options: TcpTransportOptions): Promise<TcpTransport> {
    const transport = new TcpTransport(options);
    await transport.listen(options, 'connection');
    return transport;
  }

  protected dial(destination: Endpoint): Dialled {
    return {
      socket: connect({ host: bareHost(destination.host), port: destination.port, noDelay: true }),
      ready: 'connect',
    };
  }
}
