/** A registering phone for the registrar tests: real Digest client, its own Call-ID and CSeq. */
import { DigestSession } from '../../auth/digest-client.js';
import type { SipRequest, SipResponse } from '../../message/message.js';
import { serializeUri } from '../../message/uri.js';
import type { BindingSource } from '../location-store.js';
import type { Registrar } from '../registrar.js';
import { register, SOURCE, type RegisterInit } from './harness.js';

export class Phone {
  readonly session: DigestSession;
  cseq = 0;
  /** Every response received, in order. */
  readonly responses: SipResponse[] = [];

  constructor(
    private readonly registrar: Registrar,
    readonly user: string,
    password: string,
    readonly callId = `phone-${user}-${String(Math.random()).slice(2)}@192.0.2.10`,
    readonly source: BindingSource = SOURCE,
  ) {
    this.session = new DigestSession({ username: user, password });
  }

  /** The request with Authorization from the challenges seen so far (none before the first). */
  sign(request: SipRequest): SipRequest {
    let signed = request;
    for (const { name, value } of this.session.authorize('REGISTER', serializeUri(request.uri))) {
      signed = signed.withAddedHeader(name, value);
    }
    return signed;
  }

  /** Sends one REGISTER (signed when a challenge is known) and returns the response. */
  async sendOnce(init: RegisterInit = {}): Promise<SipResponse> {
    this.cseq += 1;
    const request = this.sign(
      register({ user: this.user, callId: this.callId, cseq: this.cseq, ...init }),
    );
    const response = await this.registrar.handleRegister(request, this.source);
    this.responses.push(response);
    return response;
  }

  /** Like a phone: sends, and on a 401 it can answer, learns the challenge and sends again. */
  async send(init: RegisterInit = {}): Promise<SipResponse> {
    const first = await this.sendOnce(init);
    if (first.status !== 401) return first;
    if (!this.session.handleChallenge('WWW-Authenticate', first.headerValues('WWW-Authenticate'))) {
      return first;
    }
    return this.sendOnce(init);
  }
}

/** Contact values of a response as `uri → expires`. */
export function contactExpires(response: SipResponse): Map<string, number> {
  const out = new Map<string, number>();
  const contacts = response.contact();
  if (contacts === '*') throw new Error('a response never has Contact: *');
  for (const contact of contacts) {
    out.set(serializeUri(contact.uri), Number(contact.params.get('expires')));
  }
  return out;
}
