/**
 * A transport layer and a transaction layer wired together through a `TransportAdapter`: what a
 * user agent or proxy core sits on. One UDP and (optionally) one TCP transport on one address,
 * sharing a port when the port is chosen by the system.
 */
import {
  TransactionLayer,
  systemTransactionTimers,
  type TimerConfig,
  type TransactionLayerDelegate,
  type TransactionTimers,
} from '../transaction/index.js';
import {
  TcpTransport,
  TransportError,
  TransportLayer,
  UdpTransport,
  type Transport,
} from '../transport/index.js';
import { TransportAdapter, type TransportAdapterOptions } from './transport-adapter.js';

export interface SipStackOptions extends TransportAdapterOptions {
  /** Address to listen on (default `0.0.0.0`; use the public address as sent-by in production). */
  readonly host?: string;
  /** Port for UDP and TCP; 0 (default) picks one free for both. */
  readonly port?: number;
  /** Listen on TCP too (default true). */
  readonly tcp?: boolean;
  readonly delegate: TransactionLayerDelegate;
  readonly timers?: TransactionTimers;
  readonly timerConfig?: Partial<TimerConfig>;
}

export interface SipStack {
  readonly transports: TransportLayer;
  readonly transactions: TransactionLayer;
  /** The UDP port (TCP listens on the same one). */
  readonly port: number;
  /** Disposes every transaction and closes every socket. */
  close(): Promise<void>;
}

/** How many times a system-chosen UDP port is tried for TCP before giving up. */
const PORT_ATTEMPTS = 10;

export async function startSipStack(options: SipStackOptions): Promise<SipStack> {
  const adapter = new TransportAdapter(options);
  const host = options.host ?? '0.0.0.0';
  const transportList = await listen(host, options.port ?? 0, options.tcp ?? true, adapter);
  const transports = new TransportLayer(transportList);
  const transactions = new TransactionLayer({
    transport: adapter,
    timers: options.timers ?? systemTransactionTimers,
    delegate: options.delegate,
    ...(options.timerConfig === undefined ? {} : { timerConfig: options.timerConfig }),
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

async function listen(
  host: string,
  port: number,
  tcp: boolean,
  adapter: TransportAdapter,
): Promise<Transport[]> {
  for (let attempt = 1; ; attempt += 1) {
    const udp = await UdpTransport.listen({ host, port, delegate: adapter });
    if (!tcp) return [udp];
    try {
      return [udp, await TcpTransport.listen({ host, port: udp.local.port, delegate: adapter })];
    } catch (error) {
      await udp.close();
      // The port UDP got may be taken for TCP: with a system-chosen port, try another.
      if (port !== 0 || attempt >= PORT_ATTEMPTS || !(error instanceof TransportError)) throw error;
    }
  }
}
