/** A transport for tests: records what is sent, and throws when told to. */
import type { Clock } from '../auth/clock.js';
import type { SipMessage } from '../message/index.js';
import type { Destination, TransactionTransport, TransportName } from '../transaction/transport.js';

export interface SentMessage {
  readonly message: SipMessage;
  readonly destination: Destination;
  /** The clock's time when it was sent (0 without a clock). */
  readonly at: number;
}

export class FakeTransport implements TransactionTransport {
  readonly sent: SentMessage[] = [];
  /** When set, `send` throws this instead of recording. */
  failWith: Error | undefined;

  constructor(private readonly clock?: Clock) {}

  send(message: SipMessage, destination: Destination): void {
    if (this.failWith !== undefined) throw this.failWith;
    this.sent.push({ message, destination, at: this.clock?.now() ?? 0 });
  }

  /** UDP is the only unreliable transport (RFC 3261 §17.1.1.2). */
  reliable(transport: TransportName): boolean {
    return transport !== 'udp';
  }

  /** The times at which messages were sent, in seconds (handy for retransmission schedules). */
  sentAtSeconds(): number[] {
    return this.sent.map((entry) => entry.at / 1000);
  }

  clear(): void {
    this.sent.length = 0;
  }
}
