/**
 * A user agent core on a transaction layer with a fake transport and fake timers, and a peer
 * (192.0.2.9:5070) whose messages the tests write by hand. Everything runs in virtual time.
 */
import {
  parseMessage,
  serializeMessage,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../../message/index.js';
import { FakeTimers, FakeTransport } from '../../testing/index.js';
import { TransactionLayer, type Destination } from '../../transaction/index.js';
import type { IncomingInvite } from '../incoming-invite.js';
import type { IncomingRequest } from '../incoming-request.js';
import { UserAgent, type UserAgentDelegate, type UserAgentOptions } from '../user-agent.js';

export const LOCAL = { host: '192.0.2.1', port: 5060 };
export const PEER: Destination = { host: '192.0.2.9', port: 5070, transport: 'udp' };

export interface HarnessOptions extends Partial<Omit<UserAgentOptions, 'timers' | 'delegate'>> {
  readonly delegate?: Partial<UserAgentDelegate>;
  /** No onRequest delegate at all (the core then answers 405 itself). */
  readonly withoutOnRequest?: boolean;
}

/** Parses the text of a message written in a test (lines joined with CRLF, Content-Length added). */
export function message(lines: readonly string[], body = ''): SipMessage {
  const text = `${lines.join('\r\n')}\r\nContent-Length: ${String(Buffer.byteLength(body))}\r\n\r\n${body}`;
  const parsed = parseMessage(Buffer.from(text));
  if (!parsed.ok) throw new Error(`Test message does not parse: ${parsed.error.reason}`);
  return parsed.message;
}

export function request(lines: readonly string[], body = ''): SipRequest {
  const parsed = message(lines, body);
  if (parsed.kind !== 'request') throw new Error('Expected a request');
  return parsed;
}

export const SDP_OFFER =
  'v=0\r\no=peer 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';
export const SDP_ANSWER =
  'v=0\r\no=us 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 50000 RTP/AVP 0\r\n';

export interface InviteParams {
  readonly callId?: string;
  readonly fromTag?: string;
  readonly toTag?: string;
  readonly branch?: string;
  readonly cseq?: number;
  readonly method?: string;
  readonly uri?: string;
  readonly contact?: string;
  readonly extra?: readonly string[];
  readonly body?: string;
  readonly contentType?: string;
  readonly maxForwards?: number;
}

/** A request from the peer, INVITE by default, with its SDP offer. */
export function peerRequest(params: InviteParams = {}): SipRequest {
  const method = params.method ?? 'INVITE';
  const body = params.body ?? (method === 'INVITE' ? SDP_OFFER : '');
  const lines = [
    `${method} ${params.uri ?? 'sip:bob@192.0.2.1'} SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.9:5070;branch=${params.branch ?? 'z9hG4bKpeer1'}`,
    `Max-Forwards: ${String(params.maxForwards ?? 70)}`,
    `From: "Alice" <sip:alice@192.0.2.9>;tag=${params.fromTag ?? 'alice-tag'}`,
    `To: <sip:bob@192.0.2.1>${params.toTag === undefined ? '' : `;tag=${params.toTag}`}`,
    `Call-ID: ${params.callId ?? 'call-1@192.0.2.9'}`,
    `CSeq: ${String(params.cseq ?? 1)} ${method}`,
    `Contact: ${params.contact ?? '<sip:alice@192.0.2.9:5070>'}`,
    ...(params.extra ?? []),
  ];
  if (body.length > 0) lines.push(`Content-Type: ${params.contentType ?? 'application/sdp'}`);
  return request(lines, body);
}

/** A response from the peer to `to` (a request we sent), with a To tag unless told otherwise. */
export function peerResponse(
  to: SipRequest,
  status: number,
  options: {
    readonly toTag?: string | null;
    readonly contact?: string;
    readonly extra?: readonly string[];
    readonly body?: string;
    readonly reason?: string;
  } = {},
): SipResponse {
  const lines = [`SIP/2.0 ${String(status)} ${options.reason ?? 'Whatever'}`];
  for (const field of to.headers) {
    const key = field.name.toLowerCase();
    if (key === 'via' || key === 'from' || key === 'call-id' || key === 'cseq') {
      lines.push(`${field.name}: ${field.value}`);
    } else if (key === 'to') {
      const tag = options.toTag === undefined ? 'peer-tag' : options.toTag;
      const hasTag = /;\s*tag=/i.test(field.value);
      lines.push(`To: ${field.value}${tag === null || hasTag ? '' : `;tag=${tag}`}`);
    }
  }
  if (options.contact !== undefined) lines.push(`Contact: ${options.contact}`);
  else if (status >= 101 && status < 300) lines.push('Contact: <sip:callee@192.0.2.9:5070>');
  lines.push(...(options.extra ?? []));
  const body = options.body ?? '';
  if (body.length > 0) lines.push('Content-Type: application/sdp');
  const parsed = message(lines, body);
  if (parsed.kind !== 'response') throw new Error('Expected a response');
  return parsed;
}

export class Harness {
  readonly timers = new FakeTimers(1_000_000);
  readonly transport = new FakeTransport(this.timers);
  readonly invites: IncomingInvite[] = [];
  readonly requests: IncomingRequest[] = [];
  readonly options: IncomingRequest[] = [];
  readonly errors: unknown[] = [];
  readonly ua: UserAgent;
  readonly layer: TransactionLayer;

  constructor(options: HarnessOptions = {}) {
    const { delegate, withoutOnRequest, ...rest } = options;
    this.ua = new UserAgent({
      userAgent: 'Switchboard-test',
      ...rest,
      timers: this.timers,
      onError: (error) => this.errors.push(error),
      delegate: {
        onInvite: (invite) => {
          this.invites.push(invite);
          return delegate?.onInvite?.(invite);
        },
        ...(withoutOnRequest === true
          ? {}
          : delegate?.onRequest === undefined
            ? {
                onRequest: (incoming: IncomingRequest) => {
                  this.requests.push(incoming);
                },
              }
            : { onRequest: delegate.onRequest }),
        ...(delegate?.onOptions === undefined ? {} : { onOptions: delegate.onOptions }),
      },
    });
    this.layer = new TransactionLayer({
      transport: this.transport,
      timers: this.timers,
      delegate: this.ua,
    });
    this.ua.attach(this.layer, { sentBy: () => LOCAL });
  }

  /** A message from the peer (round-tripped through the serializer, as the wire would). */
  receive(incoming: SipMessage, source: Destination = PEER): void {
    const parsed = parseMessage(serializeMessage(incoming));
    if (!parsed.ok) throw new Error(parsed.error.reason);
    this.layer.receive(parsed.message, source);
  }

  /** Everything sent so far, oldest first. */
  get sent(): SipMessage[] {
    return this.transport.sent.map((entry) => entry.message);
  }

  /** Responses sent, as their status codes. */
  statuses(): number[] {
    return this.sent.flatMap((m) => (m.kind === 'response' ? [m.status] : []));
  }

  /** The last response sent with this status. */
  response(status: number): SipResponse {
    const found = this.sent.filter(
      (m): m is SipResponse => m.kind === 'response' && m.status === status,
    );
    const last = found[found.length - 1];
    if (last === undefined)
      throw new Error(`No ${String(status)} was sent; sent: ${this.describe()}`);
    return last;
  }

  /** Requests sent with this method, oldest first. */
  requestsSent(method: string): SipRequest[] {
    return this.sent.filter((m): m is SipRequest => m.kind === 'request' && m.method === method);
  }

  lastRequest(method: string): SipRequest {
    const list = this.requestsSent(method);
    const last = list[list.length - 1];
    if (last === undefined) throw new Error(`No ${method} was sent; sent: ${this.describe()}`);
    return last;
  }

  /** A summary of what was sent, for failure messages. */
  describe(): string {
    return this.sent.map((m) => (m.kind === 'request' ? m.method : String(m.status))).join(', ');
  }

  /** Lets promise callbacks run (virtual time does not move). */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i += 1) await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
