/** Requests, responses and recording TUs for the transaction tests. */
import { createResponse, SipRequest, type SipResponse } from '../../message/index.js';
import { FakeTimers } from '../../testing/fake-timers.js';
import { FakeTransport } from '../../testing/fake-transport.js';
import type {
  ClientTransactionUser,
  ServerTransactionUser,
  Transaction,
  TransactionEnvironment,
} from '../base.js';
import { DEFAULT_TIMER_CONFIG } from '../timers.js';
import type { Destination, TransactionFailure, TransportName } from '../transport.js';

export interface RequestOptions {
  readonly method?: string;
  readonly branch?: string | null;
  readonly sentBy?: string;
  readonly cseq?: number;
  readonly toTag?: string;
  readonly route?: readonly string[];
  readonly extraVia?: boolean;
}

export function request(options: RequestOptions = {}): SipRequest {
  const method = options.method ?? 'INVITE';
  const branch = options.branch === undefined ? 'z9hG4bK-client-1' : options.branch;
  const via = `SIP/2.0/UDP ${options.sentBy ?? 'pc33.atlanta.example.com:5060'}${
    branch === null ? '' : `;branch=${branch}`
  }`;
  const headers = [
    {
      name: 'Via',
      value: options.extraVia ? `${via}, SIP/2.0/UDP proxy.example;branch=z9hG4bKp` : via,
    },
    ...(options.route ?? []).map((value) => ({ name: 'Route', value })),
    { name: 'Max-Forwards', value: '70' },
    {
      name: 'To',
      value: `Bob <sip:bob@biloxi.example.com>${options.toTag ? `;tag=${options.toTag}` : ''}`,
    },
    { name: 'From', value: 'Alice <sip:alice@atlanta.example.com>;tag=1928301774' },
    { name: 'Call-ID', value: 'a84b4c76e66710@pc33.atlanta.example.com' },
    { name: 'CSeq', value: `${String(options.cseq ?? 314159)} ${method}` },
    { name: 'Contact', value: '<sip:alice@pc33.atlanta.example.com>' },
    { name: 'Subject', value: 'not copied into the ACK' },
  ];
  return new SipRequest({ method, uri: 'sip:bob@biloxi.example.com', headers });
}

export function response(to: SipRequest, status: number, toTag = 'a6c85cf'): SipResponse {
  return createResponse(to, status, undefined, { toTag });
}

export const UDP: Destination = { host: '192.0.2.4', port: 5060, transport: 'udp' };
export const TCP: Destination = { host: '192.0.2.4', port: 5060, transport: 'tcp' };

export function destination(transport: TransportName): Destination {
  return transport === 'udp' ? UDP : TCP;
}

export interface Harness {
  readonly timers: FakeTimers;
  readonly transport: FakeTransport;
  readonly env: TransactionEnvironment;
}

export function harness(): Harness {
  const timers = new FakeTimers();
  const transport = new FakeTransport(timers);
  return { timers, transport, env: { transport, timers, config: DEFAULT_TIMER_CONFIG } };
}

export class RecordingUser implements ClientTransactionUser, ServerTransactionUser {
  readonly responses: SipResponse[] = [];
  readonly failures: TransactionFailure[] = [];

  onResponse(response: SipResponse, _transaction: Transaction): void {
    this.responses.push(response);
  }

  onFailure(failure: TransactionFailure, _transaction: Transaction): void {
    this.failures.push(failure);
  }

  statuses(): number[] {
    return this.responses.map((r) => r.status);
  }
}
