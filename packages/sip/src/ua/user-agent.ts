/**
 * The user agent core (RFC 3261 §8, §12-§15): the transaction layer's TU. It checks every new
 * request (§8.2: 416, 483, 482, 420, 415), routes requests with a To tag to their dialog (481 when
 * none, 500 when out of order, §12.2.2), hands new INVITEs, OPTIONS and other requests to the API
 * user's delegate as typed objects, answers CANCEL (§9.2), matches ACKs to the 2xx they
 * acknowledge, re-sends the ACK for retransmitted 2xx, and places calls and requests (§8.1, §13.2).
 *
 * It is the `DialogHost` of every dialog it makes (our Via, Contact, in-dialog sending) and the
 * `UaContext` of its parts (incoming/outgoing INVITE, in-dialog server).
 */
import { DigestSession, type DigestSessionOptions } from '../auth/index.js';
import {
  DialogLayer,
  type Dialog,
  type DialogHost,
  type DialogRequestOptions,
} from '../dialog/index.js';
import {
  SipMessageError,
  createResponse,
  headerKey,
  type CreateResponseOptions,
  newBranch,
  newCallId,
  newTag,
  type HeaderField,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
import {
  InviteServerTransaction,
  type Destination,
  type ServerTransaction,
  type TimerConfig,
  type TransactionLayer,
  type TransactionLayerDelegate,
  type TransactionTimers,
  type TransportName,
} from '../transaction/index.js';
import type { AnswerRetransmitter } from './answer-retransmitter.js';
import type { Abandonable, ResponseOptions, UaContext } from './context.js';
import { UaOptionError } from './errors.js';
import { InDialogServer, type Cancellable } from './in-dialog-server.js';
import { IncomingInvite } from './incoming-invite.js';
import { IncomingRequest } from './incoming-request.js';
import { MergedRequestDetector } from './merged-request-detector.js';
import { OutgoingInvite, type InviteOptions } from './outgoing-invite.js';
import { OutgoingRequest } from './outgoing-request.js';
import { buildRequest, type OutgoingRequestOptions } from './request-builder.js';
import { checkAddressing, checkExtensions, type Refusal } from './request-checks.js';
import {
  ringTargets,
  type RingResult,
  type RingTarget,
  type RingTargetsOptions,
} from './ring-targets.js';

/** What the API user answers (typed delegate). */
export interface UserAgentDelegate {
  /** A new call. Answer it with `progress`/`accept`/`reject`/`redirect`. */
  onInvite(invite: IncomingInvite): void | Promise<void>;
  /**
   * Any other request outside a dialog (REGISTER without `registrar`, SUBSCRIBE, MESSAGE,
   * NOTIFY, PUBLISH, REFER, unknown methods). Without this member they get 405 with Allow.
   * Answer every request: an unanswered non-INVITE transaction stays open.
   */
  onRequest?(request: IncomingRequest): void | Promise<void>;
  /** OPTIONS outside a dialog; without this member: 200 with Allow, Accept and Supported. */
  onOptions?(request: IncomingRequest): void | Promise<void>;
}

/** The registrar's entry point (`Registrar.handleRegister`), structurally. */
export interface RegisterHandler {
  handleRegister(
    request: SipRequest,
    source: {
      readonly transport: TransportName;
      readonly host: string;
      readonly port: number;
      readonly connectionId?: string;
    },
  ): Promise<SipResponse>;
}

/** The Contact we put in requests and dialog responses. */
export interface ContactOptions {
  /** Host or IP address (default: the transport's sent-by host). */
  readonly host?: string;
  /** Port (default: the transport's sent-by port). */
  readonly port?: number;
  /** User part (default `switchboard`). */
  readonly user?: string;
}

export interface UserAgentOptions {
  readonly delegate: UserAgentDelegate;
  readonly timers: TransactionTimers;
  /** User-Agent of our requests and Server of our responses (RFC 3261 §20.35, §20.41). */
  readonly userAgent?: string;
  readonly contact?: ContactOptions;
  /** The From of our requests when a call does not give one (a name-addr or URI). */
  readonly identity?: string;
  /** Option-tags we support (Require check, Supported header). None by default. */
  readonly supported?: readonly string[];
  /** Methods to list in Allow besides the core's (those `onRequest` handles: MESSAGE...). */
  readonly allow?: readonly string[];
  /** Answers REGISTER (one line to plug the registrar in: `registrar`). */
  readonly registrar?: RegisterHandler;
  /** Failures that are not a peer's fault: a throwing delegate, a send that failed. */
  readonly onError?: (error: unknown, message?: SipMessage) => void;
  /** Random numbers in [0, 1) (Retry-After); Math.random by default. */
  readonly random?: () => number;
}

/** Our sent-by address for each transport we have. */
export interface LocalAddresses {
  sentBy(transport: TransportName): { readonly host: string; readonly port: number } | undefined;
}

/** `request()` outside a dialog. */
export interface RequestOptions extends OutgoingRequestOptions {
  readonly method: string;
  readonly body?: string | Buffer;
  readonly contentType?: string;
  readonly credentials?: DigestSession | DigestSessionOptions;
}

/** `request()` in a dialog. */
export interface DialogRequestCall extends DialogRequestOptions {
  readonly method: string;
  readonly dialog: Dialog;
}

/** `invite()` options: credentials may be a session or just a username and password. */
export interface PlaceCallOptions extends Omit<InviteOptions, 'credentials'> {
  readonly credentials?: DigestSession | DigestSessionOptions;
}

/** Methods the core answers itself. */
const CORE_METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'UPDATE', 'INFO'];

/** Methods that only make sense in a dialog: without a To tag they get 481 (§12.2.2). */
const DIALOG_ONLY = new Set(['BYE', 'UPDATE', 'INFO', 'PRACK']);

function session(
  credentials: DigestSession | DigestSessionOptions | undefined,
): DigestSession | undefined {
  if (credentials === undefined || credentials instanceof DigestSession) return credentials;
  return new DigestSession(credentials);
}

/** An IPv6 address in brackets, as a host in a URI or Via must be (RFC 3261 §25.1). */
function uriHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export class UserAgent implements TransactionLayerDelegate, UaContext, DialogHost {
  readonly timers: TransactionTimers;
  readonly dialogs = new DialogLayer();
  readonly allow: string;
  readonly supported: string;
  readonly credentials = new WeakMap<Dialog, DigestSession>();
  readonly pendingAcks = new Map<Dialog, AnswerRetransmitter>();
  readonly pending = new Set<Abandonable>();
  readonly userAgent: string | undefined;
  readonly #options: UserAgentOptions;
  readonly #supported: ReadonlySet<string>;
  readonly #merged = new MergedRequestDetector();
  readonly #cancellables = new WeakMap<InviteServerTransaction, Cancellable>();
  readonly #inDialog: InDialogServer;
  readonly #random: () => number;
  #transactions: TransactionLayer | undefined;
  #addresses: LocalAddresses | undefined;
  /** Our Contact by transport (and sips), made on first use from the addresses attached. */
  readonly #contacts = new Map<string, string>();
  #closed = false;

  constructor(options: UserAgentOptions) {
    this.#options = options;
    this.timers = options.timers;
    this.userAgent = options.userAgent;
    const supported = (options.supported ?? []).map((tag) => tag.toLowerCase());
    this.#supported = new Set(supported);
    this.supported = supported.join(', ');
    const allow = new Set([...CORE_METHODS, ...(options.allow ?? [])]);
    if (options.registrar !== undefined) allow.add('REGISTER');
    this.allow = [...allow].join(', ');
    this.#random = options.random ?? Math.random;
    this.#inDialog = new InDialogServer(this, this.#cancellables);
  }

  /**
   * Connects the core to its transaction layer (whose delegate it is) and our addresses. The
   * two need each other at construction: create the core, pass it as the layer's delegate, then
   * attach (see `createSipStack`). Messages before this are dropped.
   */
  attach(transactions: TransactionLayer, addresses: LocalAddresses): void {
    this.#transactions = transactions;
    this.#addresses = addresses;
    this.#contacts.clear();
  }

  get transactions(): TransactionLayer {
    if (this.#transactions === undefined) throw new Error('UserAgent used before attach()');
    return this.#transactions;
  }

  get config(): TimerConfig {
    return this.transactions.config;
  }

  get host(): this {
    return this;
  }

  random(): number {
    return this.#random();
  }

  // --- Placing calls and requests -------------------------------------------------------------

  /**
   * Places a call (RFC 3261 §13.2). Resolves with the confirmed dialog once a 2xx came and was
   * acknowledged; rejects with `InviteError` (refused, timed out, cancelled through
   * `options.signal`) or `UaOptionError` (options that make no request).
   */
  invite(options: PlaceCallOptions): Promise<Dialog> {
    try {
      const { credentials: given, ...rest } = options;
      const credentials = session(given);
      const outgoing = new OutgoingInvite(
        this,
        { ...rest, ...(credentials === undefined ? {} : { credentials }) },
        {
          defaultFrom: this.#identity(),
          identity: {
            callId: options.callId ?? newCallId(),
            fromTag: newTag(),
            cseq: options.cseq ?? 1,
          },
        },
      );
      return outgoing.start();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Sends a non-INVITE request, outside a dialog or in one (`dialog`), and resolves with its
   * final response: a 401/407 is answered once with `credentials` (§22.2), a timeout or transport
   * failure resolves with a local 408 or 503 (`isLocalResponse`). Rejects with `UaOptionError`
   * for INVITE, ACK, CANCEL or options that make no request.
   */
  async request(options: RequestOptions | DialogRequestCall): Promise<SipResponse> {
    const { method } = options;
    if (method === 'INVITE' || method === 'ACK' || method === 'CANCEL') {
      throw new UaOptionError('method', `${method} is sent with invite() or by the stack itself`);
    }
    if ('dialog' in options) return options.dialog.request(method, options);
    const identity = { callId: options.callId ?? newCallId(), fromTag: newTag() };
    let cseq = options.cseq ?? 1;
    const body = options.body;
    const outgoing = new OutgoingRequest(
      this,
      () =>
        buildRequest(options, {
          method,
          identity: { ...identity, cseq: cseq++ },
          defaultFrom: this.#identity(),
          host: this,
          ...(body === undefined ? {} : { body }),
          ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
        }),
      session(options.credentials),
    );
    return outgoing.send();
  }

  /** Rings several targets, simultaneously or in sequence; see `ringTargets`. */
  ringTargets(targets: readonly RingTarget[], options: RingTargetsOptions): Promise<RingResult> {
    return ringTargets((invite) => this.invite(invite), this.timers, targets, options);
  }

  /**
   * Stops every 2xx retransmission and terminates every dialog (`closed`, no BYE is sent); calls
   * still being placed reject (503) and requests still waiting resolve with a local 503. Call it
   * before closing the transports. Requests arriving afterwards get 503.
   */
  close(): void {
    this.#closed = true;
    for (const outgoing of [...this.pending]) outgoing.abandon();
    for (const retransmitter of this.pendingAcks.values()) retransmitter.stop();
    this.pendingAcks.clear();
    for (const dialog of this.dialogs.all()) dialog.terminate({ by: 'local', cause: 'closed' });
  }

  // --- DialogHost --------------------------------------------------------------------------------

  via(transport: TransportName): string {
    const { host, port } = this.#sentBy(transport);
    return `SIP/2.0/${transport.toUpperCase()} ${uriHost(host)}:${String(port)};branch=${newBranch()};rport`;
  }

  contact(transport: TransportName, secure: boolean): string {
    // Every dialog response and target-refresh request carries it: built once per transport.
    const key = secure ? `${transport}+s` : transport;
    let value = this.#contacts.get(key);
    if (value === undefined) {
      value = this.#contact(transport, secure);
      this.#contacts.set(key, value);
    }
    return value;
  }

  #contact(transport: TransportName, secure: boolean): string {
    const contact = this.#options.contact;
    const sentBy = this.#sentBy(transport);
    const host = uriHost(contact?.host ?? sentBy.host);
    const port = contact?.port ?? sentBy.port;
    const user = contact?.user ?? 'switchboard';
    // RFC 7118 §5.2: the URI parameter is `ws` for WS and WSS alike; WSS is a sips: URI.
    const param = transport === 'udp' ? '' : `;transport=${transport === 'wss' ? 'ws' : transport}`;
    const scheme = secure || transport === 'wss' ? 'sips' : 'sip';
    return `<${scheme}:${user}@${host}:${String(port)}${param}>`;
  }

  async sendInDialog(
    dialog: Dialog,
    method: string,
    options: DialogRequestOptions,
  ): Promise<SipResponse> {
    const outgoing = new OutgoingRequest(
      this,
      () => dialog.createRequest(method, options),
      this.credentials.get(dialog),
      method === 'INVITE'
        ? {
            on2xx: (response, request) => {
              this.#ackReinvite(dialog, response, request);
            },
          }
        : {},
    );
    const response = await outgoing.send();
    if (method === 'UPDATE' && response.status >= 200 && response.status < 300) {
      dialog.refreshTarget(response); // RFC 3311 §5.1
    }
    // §12.2.1.2: a 481 or 408 to a request in the dialog ends it.
    if ((response.status === 481 || response.status === 408) && method !== 'BYE') {
      dialog.terminate({ by: 'remote', cause: 'failed' });
    }
    return response;
  }

  dialogTerminated(dialog: Dialog): void {
    this.dialogs.remove(dialog);
    const pending = this.pendingAcks.get(dialog);
    if (pending !== undefined) {
      pending.stop();
      this.pendingAcks.delete(dialog);
    }
  }

  // --- UaContext ----------------------------------------------------------------------------------

  response(request: SipRequest, status: number, options: ResponseOptions = {}): SipResponse {
    const headers: HeaderField[] = [];
    if (this.userAgent !== undefined) headers.push({ name: 'Server', value: this.userAgent });
    if (options.headers !== undefined) headers.push(...options.headers);
    return this.#create(request, status, options, headers);
  }

  /** `createResponse` with `options` and the `headers` given (no spread of options per response). */
  #create(
    request: SipRequest,
    status: number,
    options: ResponseOptions,
    headers: readonly HeaderField[],
  ): SipResponse {
    const create: { -readonly [K in keyof CreateResponseOptions]: CreateResponseOptions[K] } = {
      headers,
    };
    if (options.toTag !== undefined) create.toTag = options.toTag;
    if (options.body !== undefined) create.body = options.body;
    if (options.contentType !== undefined) create.contentType = options.contentType;
    return createResponse(request, status, options.reason, create);
  }

  dialogResponse(
    request: SipRequest,
    status: number,
    options: ResponseOptions & { readonly toTag: string; readonly transport: TransportName },
  ): SipResponse {
    // §12.1.1: the Record-Route values copied in order, our Contact (after our Server).
    const headers: HeaderField[] =
      this.userAgent === undefined ? [] : [{ name: 'Server', value: this.userAgent }];
    for (let i = 0; i < request.headers.length; i += 1) {
      const field = request.headers[i];
      if (field !== undefined && request.headerKeys[i] === 'record-route') headers.push(field);
    }
    headers.push({
      name: 'Contact',
      value: this.contact(options.transport, request.uri.scheme === 'sips'),
    });
    if (status >= 200 && status < 300) {
      // §13.3.1.4: a 2xx to an INVITE says what else we can do.
      headers.push({ name: 'Allow', value: this.allow });
      if (this.supported !== '') headers.push({ name: 'Supported', value: this.supported });
    }
    if (options.headers !== undefined) headers.push(...options.headers);
    return this.#create(request, status, options, headers);
  }

  inviteAnswered(transaction: InviteServerTransaction): void {
    this.#cancellables.delete(transaction);
  }

  reportError(error: unknown, message?: SipMessage): void {
    this.#options.onError?.(error, message);
  }

  // --- TransactionLayerDelegate -------------------------------------------------------------------

  onRequest(request: SipRequest, transaction: ServerTransaction, source: Destination): void {
    try {
      this.#receive(request, transaction, source);
    } catch (error) {
      // A header the checks had to read was malformed (400), or our own bug (500).
      const status =
        error instanceof SipMessageError && error.status >= 400 && error.status < 700
          ? error.status
          : 500;
      if (status === 500) this.reportError(error, request);
      const reason = error instanceof SipMessageError ? error.message : undefined;
      transaction.respond(
        this.response(request, status, {
          toTag: newTag(),
          ...(reason === undefined ? {} : { reason }),
        }),
      );
    }
  }

  onCancel(
    cancel: SipRequest,
    transaction: ServerTransaction,
    invite: InviteServerTransaction | undefined,
  ): void {
    if (invite === undefined) {
      transaction.respond(this.response(cancel, 481)); // §9.2
      return;
    }
    const target = this.#cancellables.get(invite);
    // §9.2: the CANCEL's response carries the To tag of the INVITE's responses.
    const toTag =
      target instanceof IncomingInvite ? target.localTag : (invite.finalToTag ?? newTag());
    transaction.respond(this.response(cancel, 200, { toTag }));
    if (target !== undefined) target.cancel();
    // Still unanswered (the request is let go of with the final response): 487.
    else if (invite.request !== undefined)
      invite.respond(this.response(invite.request, 487, { toTag }));
  }

  onAck(ack: SipRequest): void {
    let dialog: Dialog | undefined;
    try {
      dialog = this.dialogs.forRequest(ack);
    } catch {
      return; // an unreadable ACK is dropped (never answered, §17.1.1.3)
    }
    if (dialog !== undefined) this.pendingAcks.get(dialog)?.ack(ack);
  }

  onStrayResponse(response: SipResponse): void {
    // §13.2.2.4: a 2xx retransmitted after its transaction ended gets the same ACK again.
    if (response.status < 200 || response.status >= 300) return;
    try {
      const cseq = response.cseq();
      if (cseq.method !== 'INVITE') return;
      const ack = this.dialogs.forResponse(response)?.ackFor(cseq.seq);
      if (ack !== undefined) this.transactions.sendStateless(ack.request, ack.destination);
    } catch (error) {
      if (!(error instanceof SipMessageError)) this.reportError(error, response);
    }
  }

  onServerFailure(transaction: ServerTransaction): void {
    if (transaction instanceof InviteServerTransaction) {
      const target = this.#cancellables.get(transaction);
      if (target instanceof IncomingInvite) target.transactionFailed();
    }
  }

  onServerTerminated(transaction: ServerTransaction): void {
    this.#merged.forget(transaction);
  }

  // --- Receiving ----------------------------------------------------------------------------------

  #receive(request: SipRequest, transaction: ServerTransaction, source: Destination): void {
    if (this.#closed) {
      transaction.respond(this.response(request, 503, { toTag: newTag() }));
      return;
    }
    const refusal =
      checkAddressing(request) ??
      (this.#merged.isMerged(request, transaction) ? { status: 482 } : undefined) ??
      checkExtensions(request, this.#supported);
    if (refusal !== undefined) {
      this.#refuse(request, transaction, refusal);
      return;
    }
    if (request.to().tag !== undefined) {
      this.#receiveInDialog(request, transaction, source);
      return;
    }
    const method = request.method;
    const delegate = this.#options.delegate;
    if (method === 'INVITE' && transaction instanceof InviteServerTransaction) {
      this.#receiveInvite(request, transaction, source);
    } else if (method === 'OPTIONS') {
      if (delegate.onOptions === undefined)
        transaction.respond(this.#inDialog.optionsResponse(request, newTag()));
      else
        this.#deliver(
          (incoming) => delegate.onOptions?.(incoming),
          new IncomingRequest(request, transaction, source, this),
        );
    } else if (DIALOG_ONLY.has(method)) {
      this.#refuse(request, transaction, { status: 481 });
    } else if (method === 'REGISTER' && this.#options.registrar !== undefined) {
      this.#register(this.#options.registrar, request, transaction, source);
    } else {
      if (delegate.onRequest === undefined) {
        this.#refuse(request, transaction, {
          status: 405,
          headers: [{ name: 'Allow', value: this.allow }],
        });
      } else {
        this.#deliver(
          (incoming) => delegate.onRequest?.(incoming),
          new IncomingRequest(request, transaction, source, this),
        );
      }
    }
  }

  /** §12.2.2: the dialog by tags (481 without one), the CSeq order (500), then the method. */
  #receiveInDialog(request: SipRequest, transaction: ServerTransaction, source: Destination): void {
    const dialog = this.dialogs.forRequest(request);
    if (dialog === undefined) {
      this.#refuse(request, transaction, { status: 481 });
      return;
    }
    const outOfOrder = dialog.receiveRequest(request);
    if (outOfOrder !== undefined) {
      this.#refuse(request, transaction, { status: outOfOrder, reason: 'CSeq Out of Order' });
      return;
    }
    this.#inDialog.handle(dialog, request, transaction, source);
  }

  #receiveInvite(
    request: SipRequest,
    transaction: InviteServerTransaction,
    source: Destination,
  ): void {
    // Read now what the dialog will need (§12.1.1), so a malformed Record-Route is a 400 here
    // rather than an exception in the API user's accept().
    request.recordRoute();
    const invite = new IncomingInvite(request, transaction, source, this);
    this.#cancellables.set(transaction, invite);
    let result: void | Promise<void>;
    try {
      result = this.#options.delegate.onInvite(invite);
    } catch (error) {
      this.reportError(error, request);
      invite.failSafe();
      return;
    }
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        this.reportError(error, request);
        invite.failSafe();
      });
    }
  }

  #register(
    registrar: RegisterHandler,
    request: SipRequest,
    transaction: ServerTransaction,
    source: Destination,
  ): void {
    registrar
      .handleRegister(request, {
        transport: source.transport,
        host: source.host,
        port: source.port,
        ...(source.connectionId === undefined ? {} : { connectionId: source.connectionId }),
      })
      .then(
        (response) => {
          transaction.respond(response);
        },
        (error: unknown) => {
          this.reportError(error, request);
          transaction.respond(this.response(request, 500, { toTag: newTag() }));
        },
      );
  }

  /** Hands `incoming` to a delegate; a throw or rejection is reported and answered 500. */
  #deliver(
    handler: (request: IncomingRequest) => void | Promise<void>,
    incoming: IncomingRequest,
  ): void {
    const fail = (error: unknown): void => {
      this.reportError(error, incoming.request);
      if (!incoming.responded) incoming.respond(500);
    };
    try {
      const result = handler(incoming);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  #refuse(request: SipRequest, transaction: ServerTransaction, refusal: Refusal): void {
    transaction.respond(
      this.response(request, refusal.status, {
        toTag: newTag(),
        ...(refusal.reason === undefined ? {} : { reason: refusal.reason }),
        ...(refusal.headers === undefined ? {} : { headers: refusal.headers }),
      }),
    );
  }

  // --- Helpers --------------------------------------------------------------------------------------

  /** The ACK of a 2xx to a re-INVITE (§13.2.2.4), after the target refresh it brings (§12.2.1.2). */
  #ackReinvite(dialog: Dialog, response: SipResponse, request: SipRequest): void {
    const seq = request.cseq().seq;
    try {
      let ack = dialog.ackFor(seq);
      if (ack === undefined) {
        dialog.refreshTarget(response);
        ack = dialog.createRequest('ACK', {
          cseq: seq,
          headers: request.headers.filter((field) => {
            const key = headerKey(field.name);
            return key === 'authorization' || key === 'proxy-authorization';
          }),
        });
        dialog.rememberAck(seq, ack);
      }
      this.transactions.sendStateless(ack.request, ack.destination);
    } catch (error) {
      this.reportError(error, response);
    }
  }

  #sentBy(transport: TransportName): { readonly host: string; readonly port: number } {
    const addresses = this.#addresses;
    return (
      addresses?.sentBy(transport) ??
      addresses?.sentBy('udp') ?? { host: this.#options.contact?.host ?? '127.0.0.1', port: 5060 }
    );
  }

  /** The From of our requests when the caller gives none. */
  #identity(): string {
    if (this.#options.identity !== undefined) return this.#options.identity;
    const contact = this.#options.contact;
    const host = uriHost(contact?.host ?? this.#sentBy('udp').host);
    return `<sip:${contact?.user ?? 'switchboard'}@${host}>`;
  }
}
