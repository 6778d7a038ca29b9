/**
 * A transport layer and a transaction layer wired together through a `TransportAdapter`: what a
 * user agent or proxy core sits on. Either UDP and (optionally) TCP on one address, sharing a
 * port (`host`, `port`, `tcp`), or any list of listening addresses (`listen`): UDP, TCP, TLS,
 * WS and WSS, several of each if need be.
 */
import type { Clock } from '../auth/clock.js';
import {
  TransactionLayer,
  systemTransactionClock,
  systemTransactionTimers,
  type TimerConfig,
  type TransactionLayerDelegate,
  type TransactionTimers,
} from '../transaction/index.js';
import {
  TcpTransport,
  TlsTransport,
  TransportError,
  TransportLayer,
  UdpTransport,
  WsTransport,
  type ConnectionLimits,
  type Endpoint,
  type TlsOptions,
  type Transport,
  type TransportDelegate,
  type TransportProtocol,
  type UdpBufferOptions,
} from '../transport/index.js';
import { TransportAdapter, type TransportAdapterOptions } from './transport-adapter.js';

/** One listening address (`recvBufferSize`/`sendBufferSize`: UDP only, default `udpBuffers`). */
export interface ListenAddress extends UdpBufferOptions {
  readonly transport: TransportProtocol;
  /** Address to listen on (default `0.0.0.0`). */
  readonly host?: string;
  /** Port; 0 (default) lets the system choose (`stack.transports.transports[i].local.port`). */
  readonly port?: number;
  /**
   * The sent-by of our Via on this transport and what responses must carry (default: the
   * bound address). Set the public address when listening on a wildcard or behind NAT.
   */
  readonly sentBy?: Endpoint;
  /** TLS and WSS: certificate, key and trust (default: the stack's `tls`). */
  readonly tls?: TlsOptions;
  /** WS and WSS: the only resource path accepted, and the one asked for when connecting. */
  readonly path?: string;
}

export interface SipStackOptions extends TransportAdapterOptions {
  /** Address to listen on (default `0.0.0.0`; use the public address as sent-by in production). Ignored with `listen`. */
  readonly host?: string;
  /** Port for UDP and TCP; 0 (default) picks one free for both. Ignored with `listen`. */
  readonly port?: number;
  /** Listen on TCP too (default true). Ignored with `listen`. */
  readonly tcp?: boolean;
  /**
   * Listening addresses, in order of preference for sending (the first of each transport is
   * used unless the destination's address family picks another). Replaces `host`/`port`/`tcp`.
   */
  readonly listen?: readonly ListenAddress[];
  /** TLS settings for the `tls` and `wss` addresses that have none of their own. */
  readonly tls?: TlsOptions;
  /** Connection limits and timings for TCP, TLS, WS and WSS (idle close, limits, timeouts). */
  readonly connections?: ConnectionLimits & {
    /** WebSocket pings (default 30,000 ms; 0: none). */
    readonly keepAliveIntervalMs?: number;
  };
  /** Path MTU towards peers, when known, for the size rule of RFC 3261 §18.1.1. */
  readonly pathMtu?: number;
  /**
   * UDP socket buffers (4 MiB each by default, capped by the kernel: see `UdpTransport`). The
   * UDP transport of `host`/`port`, and the UDP addresses of `listen` that set none.
   */
  readonly udpBuffers?: UdpBufferOptions;
  /**
   * Warnings about the set-up, such as UDP buffers smaller than asked (the kernel's limit, with
   * the sysctl that raises it). Default: `process.emitWarning` (printed on standard error).
   */
  readonly onWarning?: (message: string) => void;
  readonly delegate: TransactionLayerDelegate;
  readonly timers?: TransactionTimers;
  readonly timerConfig?: Partial<TimerConfig>;
  /**
   * The time `timers` run on, for the transaction layer's `LingerQueue` (see
   * `TransactionLayerOptions.clock`). Default: `systemTransactionClock` when `timers` is not
   * given; with `timers` of your own and no clock, each transaction sets its own timers.
   */
  readonly clock?: Clock;
}

export interface SipStack {
  readonly transports: TransportLayer;
  readonly transactions: TransactionLayer;
  /** The port of the first transport (with `host`/`port`: the UDP port, TCP listens on the same one). */
  readonly port: number;
  /** Disposes every transaction and closes every socket. */
  close(): Promise<void>;
}

/** How many times a system-chosen UDP port is tried for TCP before giving up. */
const PORT_ATTEMPTS = 10;

export async function startSipStack(options: SipStackOptions): Promise<SipStack> {
  const adapter = new TransportAdapter(options);
  const transportList =
    options.listen === undefined
      ? await listenUdpTcp(
          options.host ?? '0.0.0.0',
          options.port ?? 0,
          options.tcp ?? true,
          { ...options.connections, delegate: adapter },
          udpOptions(options, {}),
        )
      : await listenAll(options.listen, options, adapter);
  const transports = new TransportLayer(
    transportList,
    options.pathMtu === undefined ? {} : { pathMtu: options.pathMtu },
  );
  const clock =
    options.clock ?? (options.timers === undefined ? systemTransactionClock : undefined);
  const transactions = new TransactionLayer({
    transport: adapter,
    timers: options.timers ?? systemTransactionTimers,
    delegate: options.delegate,
    ...(options.timerConfig === undefined ? {} : { timerConfig: options.timerConfig }),
    ...(clock === undefined ? {} : { clock }),
  });
  adapter.bind(transports, transactions);
  const port = transportList[0]?.local.port ?? 0;
  return {
    transports,
    transactions,
    port,
    async close() {
      transactions.dispose();
      await transports.close();
    },
  };
}

type Shared = NonNullable<SipStackOptions['connections']> & {
  readonly delegate: TransportDelegate;
};

/** What a UDP transport takes from the stack's options and its own address. */
interface UdpOptions extends UdpBufferOptions {
  readonly onWarning?: (message: string) => void;
}

/** The UDP buffer sizes of an address, else of the stack, and the warning hook. */
function udpOptions(options: SipStackOptions, address: UdpBufferOptions): UdpOptions {
  const recv = address.recvBufferSize ?? options.udpBuffers?.recvBufferSize;
  const send = address.sendBufferSize ?? options.udpBuffers?.sendBufferSize;
  return {
    ...(recv === undefined ? {} : { recvBufferSize: recv }),
    ...(send === undefined ? {} : { sendBufferSize: send }),
    ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
  };
}

/** UDP and TCP on one port (the port UDP got, when the system chooses). */
async function listenUdpTcp(
  host: string,
  port: number,
  tcp: boolean,
  shared: Shared,
  buffers: UdpOptions,
): Promise<Transport[]> {
  for (let attempt = 1; ; attempt += 1) {
    const udp = await UdpTransport.listen({ ...buffers, host, port, delegate: shared.delegate });
    if (!tcp) return [udp];
    try {
      return [udp, await TcpTransport.listen({ ...shared, host, port: udp.local.port })];
    } catch (error) {
      await udp.close();
      // The port UDP got may be taken for TCP: with a system-chosen port, try another.
      if (port !== 0 || attempt >= PORT_ATTEMPTS || !(error instanceof TransportError)) throw error;
    }
  }
}

/** Every address of the list, in order; if one fails, those already open are closed. */
async function listenAll(
  addresses: readonly ListenAddress[],
  options: SipStackOptions,
  adapter: TransportAdapter,
): Promise<Transport[]> {
  if (addresses.length === 0)
    throw new TransportError('listen: at least one address is needed', 'udp');
  const shared: Shared = { ...options.connections, delegate: adapter };
  const opened: Transport[] = [];
  try {
    for (const address of addresses) opened.push(await listenOne(address, shared, options));
  } catch (error) {
    await Promise.all(opened.map((transport) => transport.close()));
    throw error;
  }
  return opened;
}

function listenOne(
  address: ListenAddress,
  shared: Shared,
  options: SipStackOptions,
): Promise<Transport> {
  const common = {
    host: address.host ?? '0.0.0.0',
    port: address.port ?? 0,
    ...(address.sentBy === undefined ? {} : { sentBy: address.sentBy }),
  };
  const tls = address.tls ?? options.tls;
  const path = address.path === undefined ? {} : { path: address.path };
  switch (address.transport) {
    case 'udp':
      return UdpTransport.listen({
        ...udpOptions(options, address),
        ...common,
        delegate: shared.delegate,
      });
    case 'tcp':
      return TcpTransport.listen({ ...shared, ...common });
    case 'tls':
      return TlsTransport.listen({ ...shared, ...common, tls: tls ?? {} });
    case 'ws':
      return WsTransport.listen({ ...shared, ...common, ...path });
    case 'wss':
      return WsTransport.listen({ ...shared, ...common, ...path, tls: tls ?? {} });
    default:
      // Reached only from untyped configuration.
      return Promise.reject(
        new TransportError(
          `listen: unknown transport "${String(address.transport as unknown)}" (udp, tcp, tls, ws or wss)`,
          'udp',
        ),
      );
  }
}
