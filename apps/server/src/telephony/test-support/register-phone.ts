/**
 * A registering phone for tests of the server's SIP parts: real REGISTER requests (through
 * sip's parser, as a transport would deliver them) answered by a `Registrar` in process, with
 * sip's Digest client answering the challenges.
 */
import { randomUUID } from 'node:crypto';
import {
  DigestSession,
  parseMessage,
  serializeUri,
  type BindingSource,
  type Registrar,
  type SipRequest,
  type SipResponse,
} from '@switchboard/sip';

export interface RegisterOptions {
  /** Contact header values, one field each; none makes a query. */
  readonly contacts?: readonly string[];
  /** The Expires header, when given. */
  readonly expires?: number;
  /** More header lines (`Name: value`). */
  readonly headers?: readonly string[];
  /** The CSeq to send instead of the next one (to replay an old request). */
  readonly cseq?: number;
}

export class RegisterPhone {
  readonly session: DigestSession;
  cseq = 0;
  readonly callId = `${randomUUID()}@phone.test`;
  private readonly fromTag = randomUUID().slice(0, 8);

  constructor(
    readonly username: string,
    password: string,
    readonly domain: string,
    readonly source: BindingSource,
    readonly userAgent = 'Switchboard test phone/1.0',
  ) {
    this.session = new DigestSession({ username, password });
  }

  /** The contact this phone registers when no other is given. */
  get contact(): string {
    return `sip:${this.username}@${this.hostPort}`;
  }

  /** The source address as a SIP host:port (IPv6 in brackets). */
  private get hostPort(): string {
    const { host, port } = this.source;
    return `${host.includes(':') ? `[${host}]` : host}:${String(port)}`;
  }

  /** One REGISTER, signed when a challenge is known. */
  sendOnce(registrar: Registrar, options: RegisterOptions = {}): Promise<SipResponse> {
    const cseq = options.cseq ?? (this.cseq += 1);
    return registrar.handleRegister(this.sign(this.request(cseq, options)), this.source);
  }

  /** Like a phone: on a 401 it can answer, learns the challenge and sends again. */
  async send(registrar: Registrar, options: RegisterOptions = {}): Promise<SipResponse> {
    const first = await this.sendOnce(registrar, options);
    if (first.status !== 401) return first;
    if (!this.session.handleChallenge('WWW-Authenticate', first.headerValues('WWW-Authenticate'))) {
      return first;
    }
    return this.sendOnce(registrar, options);
  }

  private request(cseq: number, options: RegisterOptions): SipRequest {
    const aor = `sip:${this.username}@${this.domain}`;
    const lines = [
      `REGISTER sip:${this.domain} SIP/2.0`,
      `Via: SIP/2.0/${this.source.transport.toUpperCase()} ${this.hostPort};branch=z9hG4bK-${randomUUID()};rport`,
      'Max-Forwards: 70',
      `From: <${aor}>;tag=${this.fromTag}`,
      `To: <${aor}>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${String(cseq)} REGISTER`,
      ...(options.contacts ?? [`<${this.contact}>`]).map((value) => `Contact: ${value}`),
      ...(options.expires === undefined ? [] : [`Expires: ${String(options.expires)}`]),
      `User-Agent: ${this.userAgent}`,
      ...(options.headers ?? []),
      'Content-Length: 0',
    ];
    const parsed = parseMessage(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`));
    if (!parsed.ok) throw new Error(`test REGISTER does not parse: ${parsed.error.reason}`);
    if (parsed.message.kind !== 'request') throw new Error('test REGISTER parsed as a response');
    return parsed.message;
  }

  private sign(request: SipRequest): SipRequest {
    let signed = request;
    for (const { name, value } of this.session.authorize('REGISTER', serializeUri(request.uri))) {
      signed = signed.withAddedHeader(name, value);
    }
    return signed;
  }
}

/** The Contacts of a 200 to REGISTER as `uri → expires seconds`. */
export function contactExpires(response: SipResponse): Map<string, number> {
  const contacts = response.contact();
  if (contacts === '*') throw new Error('a response never has Contact: *');
  return new Map(
    contacts.map((contact) => [serializeUri(contact.uri), Number(contact.params.get('expires'))]),
  );
}
