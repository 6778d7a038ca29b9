/**
 * A SIP dialog (RFC 3261 §12): one state machine, early → confirmed → terminated, holding what
 * the RFC lists as dialog state (§12): Call-ID, local and remote tags, local and remote URIs,
 * remote target, route set, local and remote sequence numbers and the secure flag. It builds the
 * requests sent in it (§12.2.1.1), checks the order of those received (§12.2.2) and keeps the
 * offer/answer bookkeeping of its session (the last SDP each side sent, glare state).
 *
 *   early ──confirm()──> confirmed ──terminate()──> terminated
 *     └────────────────terminate()────────────────────┘
 *
 * It sends nothing itself: requests go through its `DialogHost` (the user agent core).
 */
import {
  EMPTY_PARAMS,
  SipRequest,
  formatNameAddr,
  type HeaderField,
  type NameAddr,
  type SipMessage,
  type SipResponse,
  type Uri,
} from '../message/index.js';
import type { Destination, TransportName } from '../transaction/index.js';
import { flatString } from '../message/syntax.js';
import { applyRouteSet, destinationFor } from './route-set.js';
import { SessionModification } from './session-modification.js';
import type {
  DialogDelegate,
  DialogEnd,
  DialogHost,
  DialogId,
  DialogRequestOptions,
  DialogState,
} from './types.js';

/** Thrown when a dialog is asked for something its state forbids. */
export class DialogStateError extends Error {
  override readonly name = 'DialogStateError';
}

/** Max-Forwards of the requests we originate (RFC 3261 §8.1.1.6). */
export const DEFAULT_MAX_FORWARDS = 70;

/** The lookup key of a dialog: Call-ID, local tag and remote tag (RFC 3261 §12). */
export function dialogKey(callId: string, localTag: string, remoteTag: string | undefined): string {
  return `${callId}\n${localTag}\n${remoteTag ?? ''}`;
}

export interface DialogInit {
  readonly role: 'uac' | 'uas';
  readonly state: 'early' | 'confirmed';
  readonly id: DialogId;
  /** The local party: From of our requests (without tag). */
  readonly localUri: NameAddr;
  /** The remote party: To of our requests (without tag). */
  readonly remoteUri: NameAddr;
  readonly remoteTarget: Uri;
  readonly routeSet: readonly NameAddr[];
  readonly localSeq: number | undefined;
  readonly remoteSeq: number | undefined;
  readonly secure: boolean;
  /**
   * The transport the dialog was set up over. Requests in the dialog use it when the next hop's
   * URI names none: a phone behind NAT that called over TCP is reached back over TCP (and its
   * open connection), where RFC 3263 alone would pick UDP.
   */
  readonly transport: TransportName;
  /**
   * The connection the dialog-creating request arrived on (UAS over TCP, TLS, WS): requests in
   * the dialog name it, so that a peer that cannot be connected to (a browser over WebSocket, a
   * phone behind NAT) is reached over the connection it opened (RFC 7118 §5, RFC 5626 spirit).
   */
  readonly connectionId?: string;
  readonly host: DialogHost;
}

/** One request built in a dialog, and where it goes. */
export interface DialogRequest {
  readonly request: SipRequest;
  readonly destination: Destination;
}

export interface CreateRequestOptions extends DialogRequestOptions {
  /** CSeq number to use instead of the next local one (the ACK of an INVITE, §13.2.2.4). */
  readonly cseq?: number;
}

function withoutParams(nameAddr: NameAddr): NameAddr {
  return { displayName: nameAddr.displayName, uri: nameAddr.uri, params: EMPTY_PARAMS };
}

/** The first Contact URI of a message, undefined when it has none (or only `*`). */
function contactUri(message: SipMessage): Uri | undefined {
  const contact = message.contact();
  return contact === '*' ? undefined : contact[0]?.uri;
}

function withTag(nameAddr: NameAddr, tag: string | undefined): string {
  const params = tag === undefined ? EMPTY_PARAMS : new Map([['tag', tag]]);
  return formatNameAddr({ displayName: nameAddr.displayName, uri: nameAddr.uri, params });
}

/** Methods that refresh the remote target (RFC 3261 §12.2, RFC 3311 §5.1). */
export function isTargetRefresh(method: string): boolean {
  return method === 'INVITE' || method === 'UPDATE';
}

export class Dialog {
  readonly role: 'uac' | 'uas';
  readonly id: DialogId;
  readonly key: string;
  readonly localUri: NameAddr;
  readonly remoteUri: NameAddr;
  readonly secure: boolean;
  readonly transport: TransportName;
  readonly connectionId: string | undefined;
  /** Made on first use: most dialogs (a call, then its BYE) are never modified. */
  #modification: SessionModification | undefined;
  /** Made on first use of `ended`: many dialogs end without anyone waiting for it. */
  #ended: Promise<DialogEnd> | undefined;
  /** Where the API user hears about the dialog; set it as soon as you have the dialog. */
  delegate: DialogDelegate | undefined;

  #state: DialogState;
  #remoteTarget: Uri;
  #routeSet: readonly NameAddr[];
  #localSeq: number | undefined;
  #remoteSeq: number | undefined;
  #localSdp: string | undefined;
  #remoteSdp: string | undefined;
  #end: DialogEnd | undefined;
  #resolveEnded: ((end: DialogEnd) => void) | undefined;
  #ack: { readonly cseq: number; readonly ack: DialogRequest } | undefined;
  /** From and To of our requests, formatted on the first request (a UAS may send none). */
  #from: string | undefined;
  #to: string | undefined;
  readonly #host: DialogHost;

  constructor(init: DialogInit) {
    this.role = init.role;
    this.#state = init.state;
    // Flat copies: pieces of the request would keep its whole header text alive for the call.
    const { callId, localTag, remoteTag } = init.id;
    this.id = {
      callId: flatString(callId),
      localTag: flatString(localTag),
      remoteTag: remoteTag === undefined ? undefined : flatString(remoteTag),
    };
    this.key = flatString(dialogKey(callId, localTag, remoteTag));
    this.localUri = withoutParams(init.localUri);
    this.remoteUri = withoutParams(init.remoteUri);
    this.#remoteTarget = init.remoteTarget;
    this.#routeSet = init.routeSet;
    this.#localSeq = init.localSeq;
    this.#remoteSeq = init.remoteSeq;
    this.secure = init.secure;
    this.transport = init.transport;
    this.connectionId = init.connectionId;
    this.#host = init.host;
  }

  /**
   * The UAS side (RFC 3261 §12.1.1), from the request that creates the dialog and the tag we
   * put in our responses: the route set is the request's Record-Route in order, the remote
   * target its Contact, the remote sequence number its CSeq; the local sequence number starts
   * empty. Throws the message layer's `SipMessageError` (400) for a malformed Record-Route or
   * Contact.
   */
  static forUas(
    request: SipRequest,
    options: {
      readonly localTag: string;
      readonly transport: TransportName;
      readonly connectionId?: string;
      readonly host: DialogHost;
    },
  ): Dialog {
    const from = request.from();
    return new Dialog({
      role: 'uas',
      state: 'early',
      id: { callId: request.callId, localTag: options.localTag, remoteTag: from.tag },
      localUri: request.to(),
      remoteUri: from,
      remoteTarget: contactUri(request) ?? from.uri,
      routeSet: request.recordRoute(),
      localSeq: undefined,
      remoteSeq: request.cseq().seq,
      // §12.1.1: secure when the request came over TLS to a sips: Request-URI.
      secure: request.uri.scheme === 'sips' && options.transport === 'tls',
      transport: options.transport,
      ...(options.connectionId === undefined ? {} : { connectionId: options.connectionId }),
      host: options.host,
    });
  }

  /**
   * The UAC side (RFC 3261 §12.1.2), from the request sent and a response with a To tag (a
   * 1xx makes an early dialog, a 2xx a confirmed one): the route set is the response's
   * Record-Route reversed, the remote target its Contact, the local sequence number the
   * request's CSeq; the remote one starts empty. Throws `SipMessageError` (400) for a malformed
   * Record-Route or Contact.
   */
  static forUac(
    request: SipRequest,
    response: SipResponse,
    options: { readonly transport: TransportName; host: DialogHost },
  ): Dialog {
    const from = request.from();
    const localTag = from.tag;
    if (localTag === undefined) throw new DialogStateError('The request has no From tag');
    return new Dialog({
      role: 'uac',
      state: response.status >= 200 ? 'confirmed' : 'early',
      id: { callId: request.callId, localTag, remoteTag: response.to().tag },
      localUri: from,
      remoteUri: request.to(),
      remoteTarget: contactUri(response) ?? request.uri,
      routeSet: [...response.recordRoute()].reverse(),
      localSeq: request.cseq().seq,
      remoteSeq: undefined,
      secure: request.uri.scheme === 'sips',
      transport: options.transport,
      host: options.host,
    });
  }

  /** The re-INVITE / UPDATE under way, if any (glare, RFC 3261 §14). */
  get modification(): SessionModification {
    return (this.#modification ??= new SessionModification());
  }

  /** Resolves once, when the dialog is terminated. Never rejects. */
  get ended(): Promise<DialogEnd> {
    if (this.#ended === undefined) {
      const end = this.#end;
      this.#ended =
        end === undefined
          ? new Promise((resolve) => {
              this.#resolveEnded = resolve;
            })
          : Promise.resolve(end);
    }
    return this.#ended;
  }

  get state(): DialogState {
    return this.#state;
  }

  get remoteTarget(): Uri {
    return this.#remoteTarget;
  }

  get routeSet(): readonly NameAddr[] {
    return this.#routeSet;
  }

  get localSeq(): number | undefined {
    return this.#localSeq;
  }

  get remoteSeq(): number | undefined {
    return this.#remoteSeq;
  }

  /** The last SDP this side sent (offer or answer). */
  get localSdp(): string | undefined {
    return this.#localSdp;
  }

  /** The last SDP the peer sent (offer or answer). */
  get remoteSdp(): string | undefined {
    return this.#remoteSdp;
  }

  /** How it ended, once terminated. */
  get end(): DialogEnd | undefined {
    return this.#end;
  }

  /** Records SDP sent or received (undefined leaves a side unchanged). */
  recordSdp(sdp: {
    readonly local?: string | undefined;
    readonly remote?: string | undefined;
  }): void {
    if (sdp.local !== undefined) this.#localSdp = sdp.local;
    if (sdp.remote !== undefined) this.#remoteSdp = sdp.remote;
  }

  /**
   * Early → confirmed. For the UAC, with the 2xx: the route set and remote target are taken
   * again from it (RFC 3261 §13.2.2.4, §12.1.2), since the early dialog's came from a 1xx.
   */
  confirm(response?: SipResponse): void {
    if (this.#state !== 'early') return;
    this.#state = 'confirmed';
    if (response !== undefined && this.role === 'uac') {
      this.#routeSet = [...response.recordRoute()].reverse();
      this.#remoteTarget = contactUri(response) ?? this.#remoteTarget;
    }
  }

  /**
   * Target refresh (RFC 3261 §12.2.1.2 for a 2xx we received, §12.2.2 for a request we
   * accepted; RFC 3311 §5 for UPDATE): the remote target becomes the message's Contact URI.
   * A message without one (or with a malformed one) leaves the target unchanged.
   */
  refreshTarget(message: SipMessage): void {
    try {
      this.#remoteTarget = contactUri(message) ?? this.#remoteTarget;
    } catch {
      // A malformed Contact in a refresh: keep the target that works.
    }
  }

  /**
   * RFC 3261 §12.2.2: a request whose CSeq number is lower than the remote sequence number is
   * out of order and gets 500; otherwise the remote sequence number becomes its CSeq number.
   * Returns the status to reject with, or undefined. (ACK and CANCEL are not checked: they
   * carry the number of the request they belong to.)
   */
  receiveRequest(request: SipRequest): 500 | undefined {
    if (request.method === 'ACK' || request.method === 'CANCEL') return undefined;
    const seq = request.cseq().seq;
    if (this.#remoteSeq !== undefined && seq < this.#remoteSeq) return 500;
    this.#remoteSeq = seq;
    return undefined;
  }

  /**
   * A request in this dialog (RFC 3261 §12.2.1.1): To, From, Call-ID from the dialog, CSeq the
   * next local number (an initial 1 when empty; `options.cseq` for an ACK), Request-URI and
   * Route from the route set and remote target (loose or strict routing), a Contact in target
   * refresh requests, and where it goes (§8.1.2). Throws `DialogStateError` when the next hop
   * has no address (a tel: target without a route set).
   */
  createRequest(method: string, options: CreateRequestOptions = {}): DialogRequest {
    let seq: number;
    if (options.cseq !== undefined) {
      seq = options.cseq;
    } else {
      seq = (this.#localSeq ?? 0) + 1;
      this.#localSeq = seq;
    }
    const routed = applyRouteSet(this.#remoteTarget, this.#routeSet);
    const next = destinationFor(routed.nextHop, this.transport);
    if (next === undefined) {
      throw new DialogStateError(`No address to send ${method} to in this dialog`);
    }
    const destination: Destination =
      this.connectionId !== undefined &&
      next.transport === this.transport &&
      next.transport !== 'udp'
        ? { ...next, connectionId: this.connectionId }
        : next;
    const headers: HeaderField[] = [
      { name: 'Via', value: this.#host.via(destination.transport) },
      { name: 'Max-Forwards', value: String(DEFAULT_MAX_FORWARDS) },
    ];
    for (const route of routed.routes) headers.push({ name: 'Route', value: route });
    headers.push(
      { name: 'From', value: (this.#from ??= withTag(this.localUri, this.id.localTag)) },
      { name: 'To', value: (this.#to ??= withTag(this.remoteUri, this.id.remoteTag)) },
      { name: 'Call-ID', value: this.id.callId },
      { name: 'CSeq', value: `${String(seq)} ${method}` },
    );
    if (isTargetRefresh(method)) {
      headers.push({
        name: 'Contact',
        value: this.#host.contact(destination.transport, this.secure),
      });
    }
    const userAgent = this.#host.userAgent;
    if (userAgent !== undefined) headers.push({ name: 'User-Agent', value: userAgent });
    if (options.headers !== undefined) headers.push(...options.headers);
    if (options.body !== undefined && options.contentType !== undefined) {
      headers.push({ name: 'Content-Type', value: options.contentType });
    }
    const request = new SipRequest({
      method,
      uri: routed.requestUri,
      headers,
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    return { request, destination };
  }

  /** Keeps the ACK sent for the 2xx of the INVITE with CSeq `cseq`, to re-send it (§13.2.2.4). */
  rememberAck(cseq: number, ack: DialogRequest): void {
    this.#ack = { cseq, ack };
  }

  /** The ACK sent for the 2xx of the INVITE with CSeq `cseq`, if it is the last one sent. */
  ackFor(cseq: number): DialogRequest | undefined {
    return this.#ack?.cseq === cseq ? this.#ack.ack : undefined;
  }

  /**
   * → terminated (once): resolves `ended`, tells the delegate and the host. Later calls do
   * nothing.
   */
  terminate(end: DialogEnd): void {
    if (this.#state === 'terminated') return;
    this.#state = 'terminated';
    this.#end = end;
    this.#resolveEnded?.(end);
    this.#host.dialogTerminated(this);
    this.delegate?.onTerminated?.(end);
  }

  // --- What the API user calls ----------------------------------------------------------------

  /**
   * Hangs up (RFC 3261 §15.1.1): the dialog is terminated at once and a BYE sent; resolves when
   * the BYE has its final response (or timed out). `reason` becomes a Reason header (RFC 3326),
   * such as `SIP;cause=200;text="Call completed elsewhere"`. Nothing happens on a terminated
   * dialog. Rejects with `DialogStateError` on an early UAS dialog: the callee ends an
   * unanswered call with a final response, never a BYE (§15).
   */
  async bye(
    options: { readonly reason?: string; readonly headers?: readonly HeaderField[] } = {},
  ): Promise<void> {
    if (this.#state === 'terminated') return;
    if (this.role === 'uas' && this.#state === 'early') {
      throw new DialogStateError('An unanswered call is ended with a final response, not a BYE');
    }
    const headers: HeaderField[] = [...(options.headers ?? [])];
    if (options.reason !== undefined) headers.push({ name: 'Reason', value: options.reason });
    this.terminate({
      by: 'local',
      cause: 'bye',
      ...(options.reason === undefined ? {} : { reason: options.reason }),
    });
    await this.#host.sendInDialog(this, 'BYE', { headers });
  }

  /**
   * Sends a re-INVITE (RFC 3261 §14.1) with `sdp` as the new offer (none: the peer offers in
   * its 2xx and the answer goes in the ACK, which this stack leaves empty). Resolves with the
   * final response; a 2xx is acknowledged and refreshes the remote target. A 491 (glare) is
   * returned as it is: retry later (§14.1 gives the delays). Rejects with `DialogStateError`
   * when the dialog is not confirmed or a modification is already under way.
   */
  async reinvite(
    options: { readonly sdp?: string; readonly headers?: readonly HeaderField[] } = {},
  ): Promise<SipResponse> {
    return this.#modify('INVITE', options);
  }

  /** Sends an UPDATE (RFC 3311) with `sdp` as the new offer; like {@link reinvite}. */
  async update(
    options: { readonly sdp?: string; readonly headers?: readonly HeaderField[] } = {},
  ): Promise<SipResponse> {
    return this.#modify('UPDATE', options);
  }

  /** Sends an INFO (RFC 6086) and resolves with its final response. */
  async info(options: DialogRequestOptions = {}): Promise<SipResponse> {
    return this.request('INFO', options);
  }

  /**
   * Sends a non-INVITE request in the dialog and resolves with its final response (a local 408
   * when none came). A 481 or 408 terminates the dialog (RFC 3261 §12.2.1.2).
   */
  async request(method: string, options: DialogRequestOptions = {}): Promise<SipResponse> {
    if (this.#state === 'terminated') throw new DialogStateError('The dialog is terminated');
    if (method === 'INVITE' || method === 'ACK' || method === 'CANCEL' || method === 'BYE') {
      throw new DialogStateError(`Use the dialog's own method for ${method}`);
    }
    return this.#host.sendInDialog(this, method, options);
  }

  async #modify(
    method: 'INVITE' | 'UPDATE',
    options: { readonly sdp?: string; readonly headers?: readonly HeaderField[] },
  ): Promise<SipResponse> {
    if (this.#state !== 'confirmed') throw new DialogStateError('The dialog is not confirmed');
    if (!this.modification.beginLocal()) {
      throw new DialogStateError('A re-INVITE or UPDATE is already under way in this dialog');
    }
    try {
      const response = await this.#host.sendInDialog(this, method, {
        ...(options.headers === undefined ? {} : { headers: options.headers }),
        ...(options.sdp === undefined ? {} : { body: options.sdp, contentType: 'application/sdp' }),
      });
      if (response.status >= 200 && response.status < 300) {
        this.recordSdp({
          local: options.sdp,
          remote: response.body.length > 0 ? response.body.toString('utf8') : undefined,
        });
      }
      return response;
    } finally {
      this.modification.end();
    }
  }
}
