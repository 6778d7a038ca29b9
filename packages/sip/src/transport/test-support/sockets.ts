/**
 * Test helpers for the transport tests: a delegate that records what it is told, raw UDP and
 * TCP peers on 127.0.0.1, and request/response texts.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import type { SipMessage } from '../../message/index.js';
import type {
  DiscardReason,
  MessageSource,
  Timers,
  TransportDelegate,
  TransportError,
} from '../types.js';

export interface Received {
  readonly message: SipMessage;
  readonly source: MessageSource;
}

/** Waits until `check` is true, polling every few milliseconds (at most `timeoutMs`). */
export async function until(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export class Recorder implements TransportDelegate {
  readonly messages: Received[] = [];
  readonly errors: TransportError[] = [];
  readonly discards: { reason: DiscardReason; source: MessageSource; detail: string }[] = [];

  onMessage(message: SipMessage, source: MessageSource): void {
    this.messages.push({ message, source });
  }

  onError(error: TransportError): void {
    this.errors.push(error);
  }

  onDiscard(reason: DiscardReason, source: MessageSource, detail: string): void {
    this.discards.push({ reason, source, detail });
  }

  async message(index = 0): Promise<Received> {
    await until(() => this.messages.length > index);
    const received = this.messages[index];
    if (received === undefined) throw new Error('no message');
    return received;
  }
}

/** A raw UDP peer on 127.0.0.1. */
export class UdpPeer {
  readonly datagrams: Buffer[] = [];
  private constructor(readonly socket: UdpSocket) {
    socket.on('message', (datagram) => {
      this.datagrams.push(datagram);
    });
  }

  static async open(): Promise<UdpPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => {
      socket.bind(0, '127.0.0.1', resolve);
    });
    return new UdpPeer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(bytes: Buffer | string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(
        typeof bytes === 'string' ? Buffer.from(bytes) : bytes,
        port,
        '127.0.0.1',
        (error) => {
          if (error) reject(error);
          else resolve();
        },
      );
    });
  }

  async datagram(index = 0): Promise<string> {
    await until(() => this.datagrams.length > index);
    return (this.datagrams[index] ?? Buffer.alloc(0)).toString('utf8');
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.close(() => {
        resolve();
      });
    });
  }
}

/** A raw TCP peer connected to 127.0.0.1:`port`, collecting what it receives. */
export class TcpPeer {
  received = '';
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.toString('latin1');
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => {
      // Resets from the server under test are part of what is tested.
    });
  }

  static async connect(port: number): Promise<TcpPeer> {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new TcpPeer(socket);
  }

  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  write(bytes: Buffer | string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(bytes, (error) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }

  async waitFor(text: string): Promise<void> {
    await until(() => this.received.includes(text));
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface RequestText {
  readonly method?: string;
  readonly transport?: string;
  /** The Via sent-by. */
  readonly sentBy?: string;
  readonly rport?: boolean;
  readonly branch?: string;
  readonly body?: string;
}

/** A request as a phone would send it. */
export function requestText(options: RequestText = {}): string {
  const method = options.method ?? 'OPTIONS';
  const body = options.body ?? '';
  return [
    `${method} sip:bob@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/${options.transport ?? 'UDP'} ${options.sentBy ?? '127.0.0.1:5999'};branch=${options.branch ?? 'z9hG4bKtest1'}${options.rport === true ? ';rport' : ''}`,
    'Max-Forwards: 70',
    'To: <sip:bob@127.0.0.1>',
    'From: <sip:alice@127.0.0.1>;tag=abc',
    'Call-ID: transport-test@127.0.0.1',
    `CSeq: 1 ${method}`,
    ...(body.length > 0 ? ['Content-Type: text/plain'] : []),
    `Content-Length: ${String(Buffer.byteLength(body))}`,
    '',
    body,
  ].join('\r\n');
}

/** A response whose top Via has the sent-by `sentBy`. */
export function responseText(sentBy: string, transport = 'UDP'): string {
  return [
    'SIP/2.0 200 OK',
    `Via: SIP/2.0/${transport} ${sentBy};branch=z9hG4bKours`,
    'To: <sip:bob@127.0.0.1>;tag=xyz',
    'From: <sip:alice@127.0.0.1>;tag=abc',
    'Call-ID: transport-test@127.0.0.1',
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** A request with no Call-ID: parses as far as its Via, so it can be answered with 400. */
export function malformedRequestText(transport = 'UDP'): string {
  return requestText({ transport }).replace('Call-ID: transport-test@127.0.0.1\r\n', '');
}

/** A clock and timers driven by hand: `advance(ms)` moves time and fires what fell due. */
export class ManualTime implements Timers {
  #now = 1_000_000;
  #next = 1;
  readonly #pending = new Map<number, { at: number; callback: () => void }>();

  readonly clock = { now: (): number => this.#now };

  set(callback: () => void, ms: number): unknown {
    const id = this.#next;
    this.#next += 1;
    this.#pending.set(id, { at: this.#now + ms, callback });
    return id;
  }

  clear(handle: unknown): void {
    if (typeof handle === 'number') this.#pending.delete(handle);
  }

  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#pending) {
        if (entry[1].at <= target && (due === undefined || entry[1].at < due[1].at)) due = entry;
      }
      if (due === undefined) break;
      this.#pending.delete(due[0]);
      this.#now = due[1].at;
      due[1].callback();
    }
    this.#now = target;
  }
}
