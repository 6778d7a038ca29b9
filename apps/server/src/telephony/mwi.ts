/**
 * Message waiting (RFC 3842 over RFC 6665): the lamp on a desk phone that says a voicemail is
 * waiting. Two ways, because phones differ:
 *
 * - **Unsolicited NOTIFY** (what most phones expect from a PBX): when a user's counts change,
 *   every phone registered for one of the user's devices gets an out-of-dialog NOTIFY with
 *   `Event: message-summary`, `Subscription-State: active` and the summary.
 * - **SUBSCRIBE** (RFC 6665 §4.2): a phone that subscribes to `message-summary` (digest
 *   authenticated: the counts are the device owner's) gets 200 with Expires, an immediate
 *   NOTIFY in the subscription's dialog, another one on every change and refresh, and a final
 *   `terminated` one when it unsubscribes (Expires: 0) or the subscription runs out. Other
 *   event packages are answered 489 Bad Event (RFC 6665 §4.2.1.2).
 *
 * Phones with a live subscription are not sent unsolicited NOTIFYs as well. Subscriptions live
 * in this process (an instance restarting loses them; phones then subscribe again on their
 * next refresh, answered 481).
 */
import {
  Dialog,
  newTag,
  type CredentialLookup,
  type DigestAlgorithm,
  type DigestAuthenticator,
  type FailureLimiter,
  type HeaderField,
  type IncomingRequest,
  type InDialogReply,
  type RequestOptions,
  type SipRequest,
  type SipResponse,
  type SipUserAgent,
} from '@switchboard/sip';
import type { Registration } from '../domain/model/index.js';
import type { Clock } from '../domain/ports/clock.js';
import type { Store } from '../domain/ports/store.js';
import { silentLogger, type Logger } from '../domain/ports/logger.js';
import type { MessageCounts } from '../domain/ports/message-waiting.js';
import { systemTimers, type Timers } from '../domain/ports/timers.js';

/** The event package (RFC 3842 §3). */
export const MESSAGE_SUMMARY_EVENT = 'message-summary';
/** Its body's media type (RFC 3842 §5.1). */
export const MESSAGE_SUMMARY_TYPE = 'application/simple-message-summary';

/**
 * The `message-summary` body (RFC 3842 §5.2): `Messages-Waiting: yes` while new messages wait,
 * the account, and `Voice-Message: new/old`.
 */
export function messageSummaryBody(account: string | undefined, counts: MessageCounts): string {
  const lines = [`Messages-Waiting: ${counts.newMessages > 0 ? 'yes' : 'no'}`];
  if (account !== undefined) lines.push(`Message-Account: ${account}`);
  lines.push(`Voice-Message: ${String(counts.newMessages)}/${String(counts.oldMessages)}`);
  return `${lines.join('\r\n')}\r\n`;
}

/** What a `message-summary` body says (for tests and diagnostics); undefined parts were absent. */
export interface MessageSummary {
  readonly waiting: boolean | undefined;
  readonly account: string | undefined;
  readonly voice: { readonly newMessages: number; readonly oldMessages: number } | undefined;
}

export function parseMessageSummary(body: string): MessageSummary {
  let waiting: boolean | undefined;
  let account: string | undefined;
  let voice: MessageSummary['voice'];
  for (const line of body.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'messages-waiting') waiting = value.toLowerCase() === 'yes';
    else if (name === 'message-account') account = value;
    else if (name === 'voice-message') {
      const match = /^(\d+)\/(\d+)/.exec(value);
      if (match) voice = { newMessages: Number(match[1]), oldMessages: Number(match[2]) };
    }
  }
  return { waiting, account, voice };
}

/** The SIP side MWI needs: `request` (unsolicited NOTIFY) and the core (subscription dialogs). */
export type MwiSip = Pick<SipUserAgent, 'request' | 'ua'>;

/** The device an authenticated SIP username belongs to. */
export interface MwiDevice {
  readonly userId: string;
  readonly deviceId: string;
}

/**
 * Decides who sent a SUBSCRIBE: resolves the authenticated SIP username, or undefined after
 * answering the request itself (a 401 challenge, a 403).
 */
export type SubscribeAuthenticator = (incoming: IncomingRequest) => Promise<string | undefined>;

export interface MessageWaitingOptions {
  readonly sip: MwiSip;
  /** The unexpired registrations of the user's devices (`store.registrations.listForUser`). */
  readonly registrations: (userId: string) => Promise<readonly Registration[]>;
  /** The user's current counts (`voicemail.counts`). */
  readonly counts: (userId: string) => Promise<MessageCounts>;
  /** The device of a SIP username (`store.devices.findBySipUsername`), undefined if none. */
  readonly deviceOf: (sipUsername: string) => Promise<MwiDevice | undefined>;
  /** Authenticates SUBSCRIBE requests (`digestSubscribeAuthenticator`). */
  readonly authenticate: SubscribeAuthenticator;
  readonly clock: Clock;
  readonly timers?: Timers;
  readonly logger?: Logger;
  /** Subscription length when the SUBSCRIBE names none (RFC 3842 §4: 3600 s). */
  readonly defaultExpires?: number;
  /** Shorter (non-zero) requests get 423 Interval Too Brief with this Min-Expires. 60 s. */
  readonly minExpires?: number;
  /** Longer requests are shortened to this. 7200 s. */
  readonly maxExpires?: number;
  /** Identity of unsolicited NOTIFYs' From (user part), `voicemail` by default. */
  readonly fromUser?: string;
}

interface Subscription {
  readonly dialog: Dialog;
  readonly userId: string;
  readonly deviceId: string;
  readonly account: string;
  expiresAt: number;
  timer: unknown;
}

/** True for an Accept list that takes the summary body (absent Accept: RFC 3842 §4 default). */
function acceptsSummary(request: SipRequest): boolean {
  const values = request.headerValues('Accept');
  if (values.length === 0) return true;
  const types = values
    .flatMap((value) => value.split(','))
    .map((type) => type.split(';')[0]?.trim().toLowerCase() ?? '');
  return types.some(
    (type) => type === MESSAGE_SUMMARY_TYPE || type === '*/*' || type === 'application/*',
  );
}

/** The event package of an Event header (RFC 6665 §8.2.1: `message-summary;id=1`). */
function eventPackage(request: SipRequest): string | undefined {
  return request.header('Event')?.split(';')[0]?.trim().toLowerCase();
}

export class MessageWaiting {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly timers: Timers;
  private readonly logger: Logger;
  private readonly defaultExpires: number;
  private readonly minExpires: number;
  private readonly maxExpires: number;
  private closed = false;
  private readonly closeHooks: (() => void)[] = [];

  constructor(private readonly options: MessageWaitingOptions) {
    this.timers = options.timers ?? systemTimers;
    this.logger = (options.logger ?? silentLogger).child({ component: 'mwi' });
    this.defaultExpires = options.defaultExpires ?? 3600;
    this.minExpires = options.minExpires ?? 60;
    this.maxExpires = options.maxExpires ?? 7200;
  }

  /** Subscriptions alive now (for metrics and tests). */
  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /**
   * A user's counts changed: NOTIFY every subscription of theirs, and every registered phone of
   * theirs without one. Never rejects; failures are logged.
   */
  async countsChanged(userId: string, counts: MessageCounts): Promise<void> {
    if (this.closed) return;
    const subscribed = new Set<string>();
    const sends: Promise<unknown>[] = [];
    for (const subscription of this.subscriptions.values()) {
      if (subscription.userId !== userId) continue;
      subscribed.add(subscription.deviceId);
      sends.push(this.notifyInDialog(subscription, counts));
    }
    let registrations: readonly Registration[] = [];
    try {
      registrations = await this.options.registrations(userId);
    } catch (error) {
      this.logger.error({ err: error, userId }, 'MWI: cannot read the registrations');
    }
    for (const registration of registrations) {
      if (registration.deviceId !== null && subscribed.has(registration.deviceId)) continue;
      sends.push(this.notifyUnsolicited(registration, counts));
    }
    await Promise.all(sends);
  }

  /** Sends a user's current counts to their phones (after a phone registers, say). */
  async refresh(userId: string): Promise<void> {
    let counts: MessageCounts;
    try {
      counts = await this.options.counts(userId);
    } catch (error) {
      this.logger.error({ err: error, userId }, 'MWI: cannot count the messages');
      return;
    }
    await this.countsChanged(userId, counts);
  }

  /**
   * Answers a SUBSCRIBE outside a dialog (plug into the stack's `onRequest` for SUBSCRIBE).
   * Never rejects: every outcome is a SIP response.
   */
  async handleSubscribe(incoming: IncomingRequest): Promise<void> {
    const request = incoming.request;
    try {
      if (this.closed) {
        incoming.respond(503);
        return;
      }
      if (eventPackage(request) !== MESSAGE_SUMMARY_EVENT) {
        incoming.respond(489, {
          headers: [{ name: 'Allow-Events', value: MESSAGE_SUMMARY_EVENT }],
        });
        return;
      }
      if (!acceptsSummary(request)) {
        incoming.respond(406, { headers: [{ name: 'Accept', value: MESSAGE_SUMMARY_TYPE }] });
        return;
      }
      const expires = this.requestedExpires(request);
      if (typeof expires !== 'number') {
        incoming.respond(expires.status, { headers: expires.headers });
        return;
      }
      const username = await this.options.authenticate(incoming);
      if (username === undefined) return; // answered (challenged or refused)
      const device = await this.options.deviceOf(username);
      if (device === undefined) {
        incoming.respond(404, { reason: 'No Mailbox' });
        return;
      }
      const account = `sip:${username}@${request.uri.kind === 'sip' ? request.uri.host : 'localhost'}`;
      this.subscribe(incoming, device, account, expires);
    } catch (error) {
      this.logger.error({ err: error }, 'MWI: SUBSCRIBE failed');
      if (!incoming.responded) incoming.respond(500);
    }
  }

  /** Runs `hook` when `close()` is called (undoing the wiring). */
  onClose(hook: () => void): void {
    this.closeHooks.push(hook);
  }

  /** Ends every subscription (a final NOTIFY, not waited for) and stops the timers. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const hook of this.closeHooks.splice(0)) hook();
    for (const subscription of [...this.subscriptions.values()]) {
      this.end(subscription, 'terminated;reason=noresource');
    }
  }

  // --- subscriptions --------------------------------------------------------------------------

  /** Expires to grant, or the refusal (400 malformed, 423 too brief). */
  private requestedExpires(
    request: SipRequest,
  ): number | { status: number; headers: HeaderField[] } {
    let asked: number | undefined;
    try {
      asked = request.expires();
    } catch {
      return { status: 400, headers: [] };
    }
    const wanted = asked ?? this.defaultExpires;
    if (wanted !== 0 && wanted < this.minExpires) {
      return {
        status: 423,
        headers: [{ name: 'Min-Expires', value: String(this.minExpires) }],
      };
    }
    return Math.min(wanted, this.maxExpires);
  }

  private subscribe(
    incoming: IncomingRequest,
    device: MwiDevice,
    account: string,
    expires: number,
  ): void {
    const { ua } = this.options.sip;
    const request = incoming.request;
    const localTag = newTag();
    const dialog = Dialog.forUas(request, {
      localTag,
      transport: incoming.source.transport,
      ...(incoming.source.connectionId === undefined
        ? {}
        : { connectionId: incoming.source.connectionId }),
      host: ua,
    });
    dialog.confirm();
    // RFC 6665 §4.2.1.1: the 200 carries Expires (what we granted) and our Contact.
    const ok = ua.dialogResponse(request, 200, {
      toTag: localTag,
      transport: incoming.source.transport,
      headers: [{ name: 'Expires', value: String(expires) }],
    });
    if (!incoming.send(ok)) return;
    if (expires === 0) {
      // A fetch (RFC 6665 §4.4.3): one NOTIFY with the state, and no subscription.
      void this.sendState(dialog, device.userId, account, 'terminated;reason=timeout').finally(
        () => {
          dialog.terminate({ by: 'local', cause: 'closed' });
        },
      );
      return;
    }
    ua.dialogs.add(dialog);
    const subscription: Subscription = {
      dialog,
      userId: device.userId,
      deviceId: device.deviceId,
      account,
      expiresAt: this.options.clock.now() + expires * 1000,
      timer: undefined,
    };
    this.subscriptions.set(dialog.key, subscription);
    dialog.delegate = {
      onRequest: (inDialog) => this.inDialog(subscription, inDialog),
      onTerminated: () => {
        this.forget(subscription);
      },
    };
    this.arm(subscription);
    this.logger.debug(
      { userId: device.userId, deviceId: device.deviceId, expires },
      'MWI subscribed',
    );
    void this.sendState(dialog, device.userId, account, this.activeState(subscription));
  }

  /** A refresh or an unsubscribe in the subscription's dialog (RFC 6665 §4.2.1.2). */
  private inDialog(subscription: Subscription, request: SipRequest): InDialogReply {
    if (request.method !== 'SUBSCRIBE') {
      return { status: 405, headers: [{ name: 'Allow', value: 'SUBSCRIBE' }] };
    }
    if (eventPackage(request) !== MESSAGE_SUMMARY_EVENT) {
      return { status: 489, headers: [{ name: 'Allow-Events', value: MESSAGE_SUMMARY_EVENT }] };
    }
    const expires = this.requestedExpires(request);
    if (typeof expires !== 'number') return expires;
    subscription.dialog.refreshTarget(request); // SUBSCRIBE is a target refresh (RFC 6665 §4.1.2.1)
    // The NOTIFY goes out after this reply (a macrotask later), as RFC 6665 §4.2.1.2 orders.
    if (expires === 0) {
      this.timers.setTimeout(() => {
        this.end(subscription, 'terminated;reason=timeout');
      }, 0);
    } else {
      subscription.expiresAt = this.options.clock.now() + expires * 1000;
      this.arm(subscription);
      this.timers.setTimeout(() => {
        void this.sendState(
          subscription.dialog,
          subscription.userId,
          subscription.account,
          this.activeState(subscription),
        );
      }, 0);
    }
    return { status: 200, headers: [{ name: 'Expires', value: String(expires) }] };
  }

  private activeState(subscription: Subscription): string {
    const left = Math.max(0, Math.ceil((subscription.expiresAt - this.options.clock.now()) / 1000));
    return `active;expires=${String(left)}`;
  }

  private arm(subscription: Subscription): void {
    if (subscription.timer !== undefined) this.timers.clearTimeout(subscription.timer);
    const delay = Math.max(0, subscription.expiresAt - this.options.clock.now());
    subscription.timer = this.timers.setTimeout(() => {
      subscription.timer = undefined;
      this.end(subscription, 'terminated;reason=timeout');
    }, delay);
  }

  /** The last NOTIFY (`state` terminated), then the dialog and the subscription go. */
  private end(subscription: Subscription, state: string): void {
    this.forget(subscription);
    void this.sendState(
      subscription.dialog,
      subscription.userId,
      subscription.account,
      state,
    ).finally(() => {
      subscription.dialog.terminate({ by: 'local', cause: 'closed' });
    });
  }

  private forget(subscription: Subscription): void {
    if (subscription.timer !== undefined) this.timers.clearTimeout(subscription.timer);
    subscription.timer = undefined;
    if (this.subscriptions.get(subscription.dialog.key) === subscription) {
      this.subscriptions.delete(subscription.dialog.key);
    }
  }

  private async sendState(
    dialog: Dialog,
    userId: string,
    account: string,
    state: string,
  ): Promise<void> {
    let counts: MessageCounts;
    try {
      counts = await this.options.counts(userId);
    } catch (error) {
      this.logger.error({ err: error, userId }, 'MWI: cannot count the messages');
      return;
    }
    await this.notifyDialog(dialog, account, counts, state);
  }

  private notifyInDialog(subscription: Subscription, counts: MessageCounts): Promise<void> {
    return this.notifyDialog(
      subscription.dialog,
      subscription.account,
      counts,
      this.activeState(subscription),
    );
  }

  private async notifyDialog(
    dialog: Dialog,
    account: string,
    counts: MessageCounts,
    state: string,
  ): Promise<void> {
    if (dialog.state === 'terminated') return;
    const { ua } = this.options.sip;
    try {
      const response = await dialog.request('NOTIFY', {
        headers: [
          { name: 'Event', value: MESSAGE_SUMMARY_EVENT },
          { name: 'Subscription-State', value: state },
          // RFC 6665 §4.1.3: a NOTIFY carries our Contact (it may refresh the remote target).
          { name: 'Contact', value: ua.contact(dialog.transport, dialog.secure) },
        ],
        body: messageSummaryBody(account, counts),
        contentType: MESSAGE_SUMMARY_TYPE,
      });
      this.logResponse(response, { account, state });
    } catch (error) {
      this.logger.warn({ err: error, account }, 'MWI: NOTIFY in the subscription failed');
    }
  }

  private async notifyUnsolicited(
    registration: Registration,
    counts: MessageCounts,
  ): Promise<void> {
    const aor = registration.aor;
    const host = /^sips?:(?:[^@]*@)?([^;?>]+)/i.exec(aor)?.[1] ?? 'localhost';
    const { source } = registration;
    const options: RequestOptions = {
      method: 'NOTIFY',
      uri: registration.contact,
      to: `<${aor}>`,
      from: `<sip:${this.options.fromUser ?? 'voicemail'}@${host}>`,
      headers: [
        { name: 'Event', value: MESSAGE_SUMMARY_EVENT },
        { name: 'Subscription-State', value: 'active' },
      ],
      body: messageSummaryBody(aor, counts),
      contentType: MESSAGE_SUMMARY_TYPE,
      // A phone behind NAT is reached where its REGISTER came from (RFC 3581 rport), or
      // through the proxies of its Path (RFC 3327).
      ...(registration.path.length > 0
        ? { route: registration.path }
        : {
            destination: {
              host: source.host,
              port: source.port,
              transport: source.transport,
              ...(source.connectionId === null ? {} : { connectionId: source.connectionId }),
            },
          }),
    };
    try {
      const response = await this.options.sip.request(options);
      this.logResponse(response, { aor, contact: registration.contact });
    } catch (error) {
      this.logger.warn({ err: error, aor }, 'MWI: unsolicited NOTIFY could not be sent');
    }
  }

  private logResponse(response: SipResponse, fields: Record<string, unknown>): void {
    if (response.status >= 200 && response.status < 300) {
      this.logger.debug({ ...fields, status: response.status }, 'MWI NOTIFY accepted');
    } else {
      this.logger.info({ ...fields, status: response.status }, 'MWI NOTIFY refused by the phone');
    }
  }
}

export interface DigestSubscribeOptions {
  /** The registrar's authenticator (same realm and secret). */
  readonly authenticator: DigestAuthenticator;
  /** The devices' secrets, as the registrar gets them. */
  readonly credentials: CredentialLookup;
  readonly limiter?: FailureLimiter;
  /** Challenge algorithms (SIPp and baresip only answer MD5). All of the authenticator's by default. */
  readonly algorithms?:
    readonly DigestAlgorithm[] | ((request: SipRequest) => readonly DigestAlgorithm[] | undefined);
  /** The limiter's key for a source address (the registrar's); the address itself by default. */
  readonly limiterKey?: (host: string) => string;
}

/**
 * Digest authentication of SUBSCRIBE (RFC 3261 §22.4, a UAS challenge: 401 with
 * WWW-Authenticate), with the same failure limiter as REGISTER. Resolves the username, or
 * undefined once it has answered (401, 403, 400).
 */
export function digestSubscribeAuthenticator(
  options: DigestSubscribeOptions,
): SubscribeAuthenticator {
  const challenge = (incoming: IncomingRequest, stale: boolean): void => {
    const algorithms =
      typeof options.algorithms === 'function'
        ? options.algorithms(incoming.request)
        : options.algorithms;
    const values = options.authenticator.challenge(
      algorithms === undefined ? { stale } : { stale, algorithms },
    );
    incoming.respond(401, {
      headers: values.map((value) => ({ name: 'WWW-Authenticate', value })),
    });
  };
  const refuse = (incoming: IncomingRequest, status: number, reason?: string): void => {
    incoming.respond(status, reason === undefined ? {} : { reason });
  };
  return async (incoming) => {
    const { limiter } = options;
    const key = options.limiterKey?.(incoming.source.host) ?? incoming.source.host;
    // A blocked source learns nothing more, whatever it sends.
    if (limiter?.check(key) === 'block') {
      refuse(incoming, 403);
      return undefined;
    }
    const authorization = incoming.request.headerValues('Authorization');
    if (authorization.length === 0) {
      challenge(incoming, false);
      return undefined;
    }
    const decision = limiter?.begin(key) ?? 'allow';
    if (decision === 'block') {
      refuse(incoming, 403);
      return undefined;
    }
    if (decision !== 'allow') {
      await new Promise((resolve) => setTimeout(resolve, decision.delayMs).unref());
    }
    let result;
    try {
      result = await options.authenticator.verify({
        method: 'SUBSCRIBE',
        authorization,
        lookup: options.credentials,
      });
    } catch (error) {
      // The store failed, not the client: the attempt counts neither way.
      limiter?.release(key);
      throw error;
    }
    if (result.status === 'ok') {
      limiter?.recordSuccess(key, result.username);
      return result.username;
    }
    if (result.status === 'stale') {
      // RFC 7616 §3.3: the password was right, only the nonce old.
      limiter?.release(key);
      challenge(incoming, true);
      return undefined;
    }
    if (result.reason === 'credentials' || result.reason === 'replay') {
      limiter?.recordFailure(key, result.username ?? '');
    } else {
      limiter?.release(key);
    }
    if (result.reason === 'malformed') refuse(incoming, 400, 'Malformed Authorization');
    else challenge(incoming, false);
    return undefined;
  };
}

/** What `wireMessageWaiting` needs of the running telephony (`startTelephony`'s result). */
export interface MwiTelephony {
  readonly sip: MwiSip;
  /** The registrar's digest (same realm and nonce secret) and failure limiter. */
  readonly authenticator: DigestAuthenticator;
  readonly limiter?: FailureLimiter;
  /** Who answers requests other than INVITE, REGISTER and OPTIONS. */
  setRequestHandler(
    handler: ((request: IncomingRequest) => void | Promise<void>) | undefined,
  ): void;
}

/** What it needs of the voicemail service: the counts, and word when they change. */
export interface MwiMailbox {
  counts(userId: string): Promise<MessageCounts>;
  onCountsChanged(listener: (userId: string, counts: MessageCounts) => void): () => void;
}

export interface WireMessageWaitingDeps {
  readonly telephony: MwiTelephony;
  readonly store: Pick<Store, 'registrations' | 'devices'>;
  readonly voicemail: MwiMailbox;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Challenge algorithms per request (telephony's `digestAlgorithmsFor`); all by default. */
  readonly algorithms?: DigestSubscribeOptions['algorithms'];
  /** The limiter's key (telephony's `limiterKeyFor`). */
  readonly limiterKey?: (host: string) => string;
  readonly timers?: Timers;
}

/**
 * Message waiting plugged into a running server: SUBSCRIBE goes to it (other methods get 405
 * with Allow), the voicemail service's count changes light the lamps, the registrar's digest
 * and limiter check subscribers, SIP devices are looked up in the store. `close()` on the
 * result undoes all of it (call it before closing the telephony).
 */
export function wireMessageWaiting(deps: WireMessageWaitingDeps): MessageWaiting {
  const { telephony, store, clock } = deps;
  const mwi = new MessageWaiting({
    sip: telephony.sip,
    registrations: (userId) => store.registrations.listForUser(userId, clock.now()),
    counts: (userId) => deps.voicemail.counts(userId),
    deviceOf: async (username) => {
      const device = await store.devices.findBySipUsername(username);
      return device === undefined ? undefined : { userId: device.userId, deviceId: device.id };
    },
    authenticate: digestSubscribeAuthenticator({
      authenticator: telephony.authenticator,
      credentials: async (username) => {
        const device = await store.devices.findBySipUsername(username);
        return device?.kind === 'sip' ? { password: device.sipPassword } : undefined;
      },
      ...(telephony.limiter === undefined ? {} : { limiter: telephony.limiter }),
      ...(deps.algorithms === undefined ? {} : { algorithms: deps.algorithms }),
      ...(deps.limiterKey === undefined ? {} : { limiterKey: deps.limiterKey }),
    }),
    clock,
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
    ...(deps.timers === undefined ? {} : { timers: deps.timers }),
  });
  telephony.setRequestHandler((request) => {
    if (request.method === 'SUBSCRIBE') return mwi.handleSubscribe(request);
    // RFC 3261 §8.2.1: a method we do not handle, with what we do.
    request.respond(405, { headers: [{ name: 'Allow', value: telephony.sip.ua.allow }] });
    return undefined;
  });
  const unsubscribe = deps.voicemail.onCountsChanged((userId, counts) => {
    void mwi.countsChanged(userId, counts);
  });
  mwi.onClose(() => {
    unsubscribe();
    telephony.setRequestHandler(undefined);
  });
  return mwi;
}
