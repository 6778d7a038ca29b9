/**
 * A minimal user agent server on the real stack, for tests against SIPp and softphones. It keeps
 * just enough per-call state (Call-ID + tags) to answer like a phone that picks up at once; the
 * real dialog layer (RFC 3261 §12) replaces it. Not exported from the package.
 *
 * - OPTIONS: 200.
 * - INVITE: 100 (the transaction's own, §17.2.1), 180, then 200 with a To tag, a Contact and an
 *   SDP offer answer (PCMU on 127.0.0.1). A Request-URI user `slow` delays the 200 by
 *   `slowAnswerMs`, so a test can CANCEL it. The 2xx is retransmitted until its ACK arrives
 *   (§13.3.1.4: T1 doubling up to T2, giving up after 64·T1).
 * - ACK for the 2xx (from the transaction layer's `onAck`): stops the retransmissions.
 * - BYE: 200 when Call-ID, From tag and To tag name a call, else 481 (§12.2.2).
 * - CANCEL: 200, and 487 to the INVITE if it is still unanswered (§9.2); 481 without one.
 * - Anything else: 405 with Allow (§8.2.1).
 */
import { createResponse, newTag, type SipRequest, type SipResponse } from '../../message/index.js';
import {
  systemTransactionTimers,
  type Destination,
  type InviteServerTransaction,
  type NonInviteServerTransaction,
  type ServerTransaction,
  type TimerConfig,
  type TimerHandle,
  type TransactionLayerDelegate,
  type TransactionTimers,
} from '../../transaction/index.js';
import { startSipStack, type SipStack } from '../stack.js';

export interface TestUasOptions {
  /** Default 127.0.0.1, port 0 (UDP and TCP on the same port). */
  readonly host?: string;
  readonly port?: number;
  /** How long the 200 for a call to user `slow` waits (default 30 s: in practice, until CANCEL). */
  readonly slowAnswerMs?: number;
  readonly timers?: TransactionTimers;
  readonly timerConfig?: Partial<TimerConfig>;
}

/** What the UAS has seen, for tests to assert on. */
export interface TestUasCounts {
  options: number;
  invites: number;
  answered: number;
  acked: number;
  /** 2xx retransmissions sent while waiting for an ACK. */
  retransmitted2xx: number;
  byes: number;
  /** BYEs answered 481 (no such call). */
  unknownByes: number;
  cancelled: number;
  /** Server transactions that failed (Timer H, transport errors). */
  failures: number;
}

interface Call {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly invite: InviteServerTransaction;
  /** The INVITE (its transaction lets go of it once answered). */
  readonly request: SipRequest;
  readonly destination: Destination;
  ok: SipResponse | undefined;
  acked: boolean;
  answerTimer: TimerHandle;
  retransmitTimer: TimerHandle;
  retransmitInterval: number;
  retransmitElapsed: number;
}

const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS';

function sdp(host: string): string {
  return [
    'v=0',
    `o=- 1 1 IN IP4 ${host}`,
    's=-',
    `c=IN IP4 ${host}`,
    't=0 0',
    'm=audio 40000 RTP/AVP 0',
    'a=rtpmap:0 PCMU/8000',
    '',
  ].join('\r\n');
}

export class TestUas {
  readonly counts: TestUasCounts = {
    options: 0,
    invites: 0,
    answered: 0,
    acked: 0,
    retransmitted2xx: 0,
    byes: 0,
    unknownByes: 0,
    cancelled: 0,
    failures: 0,
  };
  readonly #calls = new Map<string, Call>();
  /** Calls by their INVITE transaction, for failures and CANCELs. */
  readonly #byInvite = new WeakMap<ServerTransaction, Call>();
  readonly #timers: TransactionTimers;
  readonly #slowAnswerMs: number;
  readonly #host: string;
  #stack: SipStack | undefined;

  private constructor(options: TestUasOptions) {
    this.#timers = options.timers ?? systemTransactionTimers;
    this.#slowAnswerMs = options.slowAnswerMs ?? 30_000;
    this.#host = options.host ?? '127.0.0.1';
  }

  static async start(options: TestUasOptions = {}): Promise<TestUas> {
    const uas = new TestUas(options);
    uas.#stack = await startSipStack({
      host: uas.#host,
      port: options.port ?? 0,
      delegate: uas.#delegate(),
      timers: uas.#timers,
      ...(options.timerConfig === undefined ? {} : { timerConfig: options.timerConfig }),
    });
    return uas;
  }

  get port(): number {
    return this.#stack?.port ?? 0;
  }

  /** Calls not yet ended (answered and not hung up, or still ringing). */
  get activeCalls(): number {
    return this.#calls.size;
  }

  async close(): Promise<void> {
    for (const call of this.#calls.values()) this.#forget(call);
    await this.#stack?.close();
  }

  #delegate(): TransactionLayerDelegate {
    return {
      onRequest: (request, transaction, source) => {
        this.#onRequest(request, transaction, source);
      },
      onCancel: (cancel, transaction, invite) => {
        this.#onCancel(cancel, transaction, invite);
      },
      onAck: (ack) => {
        this.#onAck(ack);
      },
      onStrayResponse: () => undefined, // a UAS sends no requests
      onServerFailure: (transaction) => {
        this.counts.failures += 1;
        const call = this.#byInvite.get(transaction);
        if (call !== undefined) this.#forget(call);
      },
    };
  }

  #onRequest(request: SipRequest, transaction: ServerTransaction, source: Destination): void {
    switch (request.method) {
      case 'OPTIONS':
        this.counts.options += 1;
        transaction.respond(
          createResponse(request, 200, undefined, {
            toTag: newTag(),
            headers: [{ name: 'Allow', value: ALLOW }],
          }),
        );
        return;
      case 'INVITE':
        this.#onInvite(request, transaction as InviteServerTransaction, source);
        return;
      case 'BYE':
        this.#onBye(request, transaction);
        return;
      default:
        transaction.respond(
          createResponse(request, 405, undefined, {
            toTag: newTag(),
            headers: [{ name: 'Allow', value: ALLOW }],
          }),
        );
    }
  }

  #onInvite(request: SipRequest, invite: InviteServerTransaction, source: Destination): void {
    this.counts.invites += 1;
    const remoteTag = request.from().tag;
    if (request.to().tag !== undefined || remoteTag === undefined) {
      // A re-INVITE or a caller without a tag: beyond this test UAS (§12.2.2 would want a dialog).
      invite.respond(createResponse(request, 481));
      return;
    }
    const call: Call = {
      callId: request.callId,
      localTag: newTag(),
      remoteTag,
      invite,
      request,
      destination: source,
      ok: undefined,
      acked: false,
      answerTimer: undefined,
      retransmitTimer: undefined,
      retransmitInterval: 0,
      retransmitElapsed: 0,
    };
    this.#calls.set(call.callId, call);
    this.#byInvite.set(invite, call);
    invite.respond(createResponse(request, 180, undefined, { toTag: call.localTag }));
    const user = request.uri.kind === 'sip' ? request.uri.user : undefined;
    if (user === 'slow') {
      call.answerTimer = this.#timers.setTimeout(() => {
        call.answerTimer = undefined;
        this.#answer(call);
      }, this.#slowAnswerMs);
    } else {
      this.#answer(call);
    }
  }

  #answer(call: Call): void {
    const request = call.request;
    const transport =
      call.destination.transport === 'udp' ? '' : `;transport=${call.destination.transport}`;
    const ok = createResponse(request, 200, undefined, {
      toTag: call.localTag,
      headers: [
        { name: 'Contact', value: `<sip:uas@${this.#host}:${String(this.port)}${transport}>` },
        { name: 'Allow', value: ALLOW },
      ],
      body: sdp(this.#host),
      contentType: 'application/sdp',
    });
    if (!call.invite.respond(ok)) return; // already cancelled or failed
    this.counts.answered += 1;
    call.ok = ok;
    // §13.3.1.4: the UAS core retransmits its 2xx until the ACK comes (T1 doubling up to T2,
    // for 64·T1). The RFC asks for it on any transport (a proxy may forward over UDP); this test
    // UAS talks to its caller directly, so over TCP it does not bother.
    if (call.invite.reliable) return;
    const { t1 } = this.#stack?.transactions.config ?? { t1: 500 };
    call.retransmitInterval = t1;
    call.retransmitTimer = this.#timers.setTimeout(() => {
      this.#retransmit(call);
    }, t1);
  }

  #retransmit(call: Call): void {
    call.retransmitTimer = undefined;
    const config = this.#stack?.transactions.config;
    if (call.acked || call.ok === undefined || config === undefined) return;
    call.retransmitElapsed += call.retransmitInterval;
    if (call.retransmitElapsed >= 64 * config.t1 || !call.invite.respond(call.ok)) {
      // No ACK: §13.3.1.4 would send a BYE; the test UAS just forgets the call.
      this.#forget(call);
      return;
    }
    this.counts.retransmitted2xx += 1;
    call.retransmitInterval = Math.min(call.retransmitInterval * 2, config.t2);
    call.retransmitTimer = this.#timers.setTimeout(() => {
      this.#retransmit(call);
    }, call.retransmitInterval);
  }

  #onAck(ack: SipRequest): void {
    const call = this.#calls.get(ack.callId);
    if (call === undefined || call.localTag !== ack.to().tag || call.ok === undefined) return;
    if (!call.acked) this.counts.acked += 1;
    call.acked = true;
    this.#stop(call.retransmitTimer);
    call.retransmitTimer = undefined;
  }

  #onBye(bye: SipRequest, transaction: ServerTransaction): void {
    const call = this.#calls.get(bye.callId);
    // §12.2.2: the BYE's To tag is our local tag, its From tag the caller's.
    if (call === undefined || call.localTag !== bye.to().tag || call.remoteTag !== bye.from().tag) {
      this.counts.unknownByes += 1;
      transaction.respond(createResponse(bye, 481));
      return;
    }
    this.counts.byes += 1;
    this.#forget(call);
    transaction.respond(createResponse(bye, 200));
  }

  #onCancel(
    cancel: SipRequest,
    transaction: NonInviteServerTransaction,
    invite: InviteServerTransaction | undefined,
  ): void {
    if (invite === undefined) {
      transaction.respond(createResponse(cancel, 481));
      return;
    }
    const call = this.#byInvite.get(invite);
    const toTag = call?.localTag ?? invite.finalToTag ?? newTag();
    transaction.respond(createResponse(cancel, 200, undefined, { toTag }));
    // §9.2: only a request still without a final response is cancelled (the transaction holds
    // its request until then).
    const request = invite.request;
    if (
      request !== undefined &&
      invite.respond(createResponse(request, 487, undefined, { toTag }))
    ) {
      this.counts.cancelled += 1;
      if (call !== undefined) this.#forget(call);
    }
  }

  #forget(call: Call): void {
    this.#stop(call.answerTimer);
    call.answerTimer = undefined;
    this.#stop(call.retransmitTimer);
    call.retransmitTimer = undefined;
    if (this.#calls.get(call.callId) === call) this.#calls.delete(call.callId);
  }

  #stop(handle: TimerHandle): void {
    if (handle !== undefined) this.#timers.clearTimeout(handle);
  }
}
