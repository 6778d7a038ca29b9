/**
 * `createSipStack`: the one call that gives a working SIP user agent / B2BUA endpoint. It starts
 * the transports and transactions (`startSipStack`), puts the user agent core on top as their
 * TU, and exposes what an application calls: `invite`, `request`, `ringTargets`, `close`, with
 * typed delegates for what arrives (`onInvite`, `onRequest`, `onOptions`) and an optional
 * registrar for REGISTER.
 */
import { networkInterfaces } from 'node:os';
import type { Dialog } from './dialog/index.js';
import type { SipResponse } from './message/index.js';
import { startSipStack, type SipStack, type SipStackOptions } from './stack/index.js';
import {
  systemTransactionClock,
  systemTransactionTimers,
  type TransportName,
} from './transaction/index.js';
import {
  UserAgent,
  type ContactOptions,
  type DialogRequestCall,
  type PlaceCallOptions,
  type RegisterHandler,
  type RequestOptions,
  type RingResult,
  type RingTarget,
  type RingTargetsOptions,
  type UserAgentDelegate,
} from './ua/index.js';

export interface CreateSipStackOptions extends Omit<SipStackOptions, 'delegate'> {
  /** What arrives: calls (`onInvite`), OPTIONS (`onOptions`), other requests (`onRequest`). */
  readonly delegate: UserAgentDelegate;
  /** User-Agent of our requests and Server of our responses. */
  readonly userAgent?: string;
  /**
   * The Contact we put in requests and dialog responses. Default: each transport's sent-by, with
   * a wildcard listening address replaced by this machine's first external IPv4 address.
   */
  readonly contact?: ContactOptions;
  /** The From of calls and requests that give none (a name-addr or URI). */
  readonly identity?: string;
  /** Option-tags we support (accepted in Require, listed in Supported). */
  readonly supported?: readonly string[];
  /** Methods `onRequest` answers, for the Allow header (MESSAGE, SUBSCRIBE...). */
  readonly allow?: readonly string[];
  /** Answers REGISTER: pass a `Registrar` (its `handleRegister` is called for each one). */
  readonly registrar?: RegisterHandler;
  /** Random numbers in [0, 1) (Retry-After values). */
  readonly random?: () => number;
}

/** A running SIP endpoint. */
export interface SipUserAgent {
  /** The layers underneath (transports, transactions), for what the facade does not cover. */
  readonly stack: SipStack;
  readonly ua: UserAgent;
  /** The first transport's port. */
  readonly port: number;
  /** Places a call; see `UserAgent.invite`. */
  invite(options: PlaceCallOptions): Promise<Dialog>;
  /** Sends a non-INVITE request (outside or in a dialog); see `UserAgent.request`. */
  request(options: RequestOptions | DialogRequestCall): Promise<SipResponse>;
  /** Rings several targets, first 2xx wins; see `ringTargets`. */
  ringTargets(targets: readonly RingTarget[], options: RingTargetsOptions): Promise<RingResult>;
  /** Ends every dialog locally (no BYE), stops every timer and closes every socket. */
  close(): Promise<void>;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '::0', '[::]']);

/** This machine's first non-internal IPv4 address, for a stack bound to a wildcard address. */
function externalAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const address of list ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}

export async function createSipStack(options: CreateSipStackOptions): Promise<SipUserAgent> {
  const {
    delegate,
    userAgent,
    contact,
    identity,
    supported,
    allow,
    registrar,
    random,
    ...stackOptions
  } = options;
  const timers = options.timers ?? systemTransactionTimers;
  const ua = new UserAgent({
    delegate,
    timers,
    ...(userAgent === undefined ? {} : { userAgent }),
    ...(contact === undefined ? {} : { contact }),
    ...(identity === undefined ? {} : { identity }),
    ...(supported === undefined ? {} : { supported }),
    ...(allow === undefined ? {} : { allow }),
    ...(registrar === undefined ? {} : { registrar }),
    ...(random === undefined ? {} : { random }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  const clock =
    options.clock ?? (options.timers === undefined ? systemTransactionClock : undefined);
  const stack = await startSipStack({
    ...stackOptions,
    timers,
    ...(clock === undefined ? {} : { clock }),
    delegate: ua,
  });
  let external: string | undefined;
  ua.attach(stack.transactions, {
    sentBy(transport: TransportName) {
      const sentBy = stack.transports.transport(transport)?.sentBy;
      if (sentBy === undefined || !WILDCARDS.has(sentBy.host)) return sentBy;
      external ??= contact?.host ?? externalAddress();
      return { host: external, port: sentBy.port };
    },
  });
  return {
    stack,
    ua,
    port: stack.port,
    invite: (call) => ua.invite(call),
    request: (request) => ua.request(request),
    ringTargets: (targets, ring) => ua.ringTargets(targets, ring),
    async close() {
      ua.close();
      await stack.close();
    },
  };
}
