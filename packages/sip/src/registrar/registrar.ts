/**
 * The registrar (RFC 3261 §10.3): answers REGISTER requests, authenticating them with Digest
 * and keeping the bindings in a `LocationStore`. It builds responses and never sends them: the
 * stack hands it a request from a server transaction and sends back what it resolves.
 */
import type { Clock } from '../auth/clock.js';
import type { DigestAlgorithm } from '../auth/digest-algorithm.js';
import type { CredentialLookup, DigestAuthenticator } from '../auth/digest-server.js';
import type { FailureLimiter } from '../auth/failure-limiter.js';
import { createResponse, newTag } from '../message/builders.js';
import { SipMessageError } from '../message/errors.js';
import type { HeaderField } from '../message/headers.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { NameAddr } from '../message/name-addr.js';
import { parseDeltaSeconds } from '../message/scalar-headers.js';
import { unquote } from '../message/syntax.js';
import { serializeUri, sipUri, tryParseUri, uriEquals, type SipUri } from '../message/uri.js';
import type { Binding, BindingSource, LocationStore } from './location-store.js';

export interface RegistrarOptions {
  readonly store: LocationStore;
  readonly clock: Clock;
  /** Issues the challenges and checks the credentials; its realm is the registrar's. */
  readonly authenticator: DigestAuthenticator;
  /** The secret of a user: `{ password }`, `{ ha1 }` for the algorithm asked, or undefined. */
  readonly credentials: CredentialLookup;
  /** Slows down and blocks sources that keep failing; none when absent. */
  readonly limiter?: FailureLimiter;
  /**
   * RFC 3261 §10.3 steps 1 and 5: whether this registrar keeps the bindings of `host` (the
   * Request-URI's and the To URI's). A REGISTER for another domain is answered 404: this
   * registrar is not a proxy and forwards nothing.
   */
  readonly servesDomain: (host: string) => boolean;
  /**
   * RFC 3261 §10.3 step 4: may the authenticated `username` change the bindings of `aor` (the
   * To URI)? Default: only its own, `aor.user === username`. A refusal is answered 403.
   */
  readonly authorize?: (username: string, aor: SipUri) => boolean | Promise<boolean>;
  /**
   * Digest algorithms to challenge with, a subset of the authenticator's (all of them by
   * default), or a choice per request. SIPp 3.6 and baresip 1.0 only register with `['MD5']`;
   * choose that from what every request shows (User-Agent, listening address), never from the
   * username, or unknown users would get a different challenge from known ones.
   */
  readonly algorithms?:
    readonly DigestAlgorithm[] | ((request: SipRequest) => readonly DigestAlgorithm[] | undefined);
  /** Seconds a Contact gets when neither it nor the request says (RFC 3261 §10.2.1.1). 3600. */
  readonly defaultExpires?: number;
  /** Shorter requests (other than 0) are answered 423 with this Min-Expires (§10.3 step 7). 60. */
  readonly minExpires?: number;
  /** Longer requests are shortened to this (§10.3 step 7: the registrar MAY shorten). 7200. */
  readonly maxExpires?: number;
  /** Bindings one AOR may hold; a REGISTER that would exceed it is answered 403. 10. */
  readonly maxBindingsPerAor?: number;
  /**
   * Check that the digest-uri the credentials cover is the Request-URI (RFC 7616 §3.4.6;
   * 400 otherwise). Turn off behind a proxy that rewrites the Request-URI. Default true.
   */
  readonly checkDigestUri?: boolean;
  /** The limiter's key for a source. Default: the IPv4 address, or the /64 of an IPv6 one. */
  readonly limiterKey?: (source: BindingSource) => string;
  /** Waits the limiter's delay. Default: a real (unref'd) timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told about failures that are not the peer's (a store that rejects); answered 500. */
  readonly onError?: (error: unknown) => void;
}

/** Option-tags this registrar understands in Require (RFC 3261 §8.2.2.3). */
const SUPPORTED_OPTIONS: readonly string[] = ['path'];
/** Longest +sip.instance and User-Agent kept; longer ones are a client's mistake or an attack. */
const MAX_INSTANCE_LENGTH = 256;
const MAX_USER_AGENT_LENGTH = 256;
/** RFC 3261 §20.10: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ). */
const QVALUE = /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/;

/** One Contact of a REGISTER, checked. */
interface RequestedContact {
  readonly uri: SipUri;
  readonly text: string;
  /** Seconds, after the maximum clamp; 0 removes. */
  readonly expires: number;
  readonly q: number | undefined;
  readonly instanceId: string | undefined;
}

/** A reply decided before any binding changed. */
class Refusal {
  constructor(
    readonly status: number,
    readonly reason?: string,
    readonly headers: readonly HeaderField[] = [],
  ) {}
}

/**
 * Processes REGISTER requests by RFC 3261 §10.3, in its order: Request-URI domain (404),
 * Require (420), authentication (401; 403 for a blocked source), authorization (403), the
 * To AOR (404), Contact checks (400, 423), then the bindings with Call-ID/CSeq ordering (500
 * for an out-of-order request) and a 200 listing every current binding with its remaining
 * `expires` and a Date header.
 *
 * REGISTERs for one AOR are processed one at a time in this process, so a refresh and a
 * removal that overtake each other cannot interleave their read and write of the store.
 */
export class Registrar {
  private readonly store: LocationStore;
  private readonly clock: Clock;
  private readonly authenticator: DigestAuthenticator;
  private readonly credentials: CredentialLookup;
  private readonly limiter: FailureLimiter | undefined;
  private readonly servesDomain: (host: string) => boolean;
  private readonly authorizeAor: (username: string, aor: SipUri) => boolean | Promise<boolean>;
  private readonly algorithms: RegistrarOptions['algorithms'];
  private readonly defaultExpires: number;
  private readonly minExpires: number;
  private readonly maxExpires: number;
  private readonly maxBindings: number;
  private readonly checkDigestUri: boolean;
  private readonly limiterKey: (source: BindingSource) => string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onError: (error: unknown) => void;
  /** AOR → the tail of its queue of REGISTERs being processed. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(options: RegistrarOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.authenticator = options.authenticator;
    this.credentials = options.credentials;
    this.limiter = options.limiter;
    this.servesDomain = options.servesDomain;
    this.authorizeAor = options.authorize ?? ((username, aor) => aor.user === username);
    this.algorithms = options.algorithms;
    this.defaultExpires = seconds('defaultExpires', options.defaultExpires ?? 3600, 1);
    this.minExpires = seconds('minExpires', options.minExpires ?? 60, 1);
    this.maxExpires = seconds('maxExpires', options.maxExpires ?? 7200, 1);
    this.maxBindings = seconds('maxBindingsPerAor', options.maxBindingsPerAor ?? 10, 1);
    // RFC 3261 §10.3 step 7 allows a 423 only below one hour: a higher minimum cannot be kept.
    if (this.minExpires > 3600) throw new RangeError('minExpires must not exceed 3600 seconds');
    if (this.minExpires > this.maxExpires) {
      throw new RangeError('minExpires must not exceed maxExpires');
    }
    if (this.defaultExpires < this.minExpires || this.defaultExpires > this.maxExpires) {
      throw new RangeError('defaultExpires must lie between minExpires and maxExpires');
    }
    this.checkDigestUri = options.checkDigestUri ?? true;
    this.limiterKey = options.limiterKey ?? defaultLimiterKey;
    this.sleep = options.sleep ?? realSleep;
    this.onError = options.onError ?? (() => undefined);
    // A fixed list the authenticator does not offer is a configuration error: say so now.
    if (Array.isArray(this.algorithms))
      this.authenticator.challenge({ algorithms: this.algorithms });
  }

  /**
   * The response to a REGISTER from `source`. Never rejects: a malformed request is answered
   * 4xx, and a failure that is not the peer's (the store or the credential lookup rejecting)
   * is reported to `onError` and answered 500. With a limiter, it may resolve only after the
   * limiter's delay (up to its `maxDelayMs`), which keeps the server transaction waiting.
   */
  async handleRegister(request: SipRequest, source: BindingSource): Promise<SipResponse> {
    try {
      return await this.process(request, source);
    } catch (error) {
      if (error instanceof SipMessageError && error.status >= 400 && error.status < 500) {
        return reply(request, error.status, error.message);
      }
      this.onError(error);
      return reply(request, 500);
    }
  }

  /** The current bindings of an AOR (canonical, see `canonicalAor`), most preferred first. */
  async lookup(aor: string): Promise<Binding[]> {
    const bindings = await this.store.list(aor, this.clock.now());
    return bindings.sort((a, b) => (b.q ?? 1) - (a.q ?? 1) || b.updatedAt - a.updatedAt);
  }

  /** Deletes expired bindings from the store (call it every minute or so). */
  purgeExpired(): Promise<number> {
    return this.store.purgeExpired(this.clock.now());
  }

  private async process(request: SipRequest, source: BindingSource): Promise<SipResponse> {
    if (request.method !== 'REGISTER') {
      return reply(request, 405, undefined, [{ name: 'Allow', value: 'REGISTER' }]);
    }
    // Step 1: is the Request-URI's domain ours?
    const target = request.uri;
    if (target.kind !== 'sip') return reply(request, 416);
    if (!this.servesDomain(target.host.toLowerCase()))
      return reply(request, 404, 'Domain Not Served');

    // Step 2: extensions the client insists on (RFC 3261 §8.2.2.3).
    const unsupported = request
      .headerList('Require')
      .filter((tag) => !SUPPORTED_OPTIONS.includes(tag.toLowerCase()));
    if (unsupported.length > 0) {
      return reply(request, 420, undefined, [
        { name: 'Unsupported', value: unsupported.join(', ') },
      ]);
    }

    // Step 3: authentication.
    const auth = await this.authenticate(request, source);
    if (auth instanceof Refusal) return refuse(request, auth);
    const username = auth;

    // Steps 4 and 5: the AOR is the To URI; it must be ours and the user's to change.
    const to = request.to().uri;
    if (to.kind !== 'sip' || to.user === undefined || !this.servesDomain(to.host.toLowerCase())) {
      return reply(request, 404);
    }
    if (!(await this.authorizeAor(username, to))) return reply(request, 403);
    const aor = canonicalAor(to);

    // Step 6: the Contacts.
    const contact = request.contact();
    const headerExpires = request.expires();
    if (contact === '*') {
      // RFC 3261 §10.3 step 6: "*" only with Expires: 0 (a second Contact with it fails to parse).
      if (headerExpires !== 0) return reply(request, 400, 'Wildcard Contact needs Expires: 0');
    }
    const requested =
      contact === '*' ? '*' : this.readContacts(contact, headerExpires ?? this.defaultExpires);
    if (requested instanceof Refusal) return refuse(request, requested);

    return this.exclusive(aor, async () => {
      const now = this.clock.now();
      const existing = await this.store.list(aor, now);
      const outcome =
        requested === '*'
          ? removeAll(existing, request)
          : this.apply(existing, requested, request, source, aor, now);
      if (outcome instanceof Refusal) return refuse(request, outcome);
      if (outcome.put.length > 0 || outcome.remove.length > 0) {
        await this.store.update(aor, outcome);
      }
      return this.success(request, outcome.current, now);
    });
  }

  /**
   * RFC 3261 §22 with the limiter: the authenticated username, or the refusal to answer with.
   * An unknown user and a wrong password take the same path and get the same answer.
   */
  private async authenticate(
    request: SipRequest,
    source: BindingSource,
  ): Promise<string | Refusal> {
    const key = this.limiterKey(source);
    const limiter = this.limiter;
    // A blocked source learns nothing more, whatever it sends.
    if (limiter?.check(key) === 'block') return new Refusal(403);
    const authorization = request.headerValues('Authorization');
    if (authorization.length === 0) return this.challenge(request, false);

    const decision = limiter?.begin(key) ?? 'allow';
    if (decision === 'block') return new Refusal(403);
    let result;
    try {
      if (decision !== 'allow') await this.sleep(decision.delayMs);
      result = await this.authenticator.verify({
        method: 'REGISTER',
        authorization,
        lookup: this.credentials,
      });
    } catch (error) {
      // The store failed, not the client: the attempt counts neither way.
      limiter?.release(key);
      throw error;
    }
    switch (result.status) {
      case 'ok': {
        limiter?.recordSuccess(key, result.username);
        if (this.checkDigestUri) {
          const covered = tryParseUri(result.uri);
          if (covered === undefined || !uriEquals(covered, request.uri)) {
            return new Refusal(400, 'Digest URI Does Not Match Request-URI');
          }
        }
        return result.username;
      }
      case 'stale':
        // RFC 7616 §3.3: the password was right, only the nonce old.
        limiter?.release(key);
        return this.challenge(request, true);
      case 'fail':
        switch (result.reason) {
          case 'credentials':
          case 'replay':
            limiter?.recordFailure(key, result.username ?? '');
            return this.challenge(request, false);
          case 'malformed':
            limiter?.release(key);
            return new Refusal(400, 'Malformed Authorization');
          default:
            // Another realm, an old secret's nonce, an algorithm not offered: no password
            // was tried, so nothing is counted; a fresh challenge lets the client start over.
            limiter?.release(key);
            return this.challenge(request, false);
        }
    }
  }

  private challenge(request: SipRequest, stale: boolean): Refusal {
    const algorithms =
      typeof this.algorithms === 'function' ? this.algorithms(request) : this.algorithms;
    const values = this.authenticator.challenge(
      algorithms === undefined ? { stale } : { stale, algorithms },
    );
    return new Refusal(
      401,
      undefined,
      values.map((value) => ({ name: 'WWW-Authenticate', value })),
    );
  }

  /** Checks every Contact before anything changes (RFC 3261 §10.3 steps 6 and 7). */
  private readContacts(
    contacts: readonly NameAddr[],
    fallbackExpires: number,
  ): RequestedContact[] | Refusal {
    if (contacts.length > this.maxBindings) return new Refusal(403, 'Too Many Contacts');
    const out: RequestedContact[] = [];
    let tooBrief = false;
    for (const contact of contacts) {
      const uri = contact.uri;
      if (uri.kind !== 'sip') return new Refusal(400, 'Contact Must Be A SIP URI');
      const param = contact.params.get('expires');
      if (param === null) return new Refusal(400, 'Contact expires Without Value');
      const requested =
        param === undefined ? fallbackExpires : parseDeltaSeconds(param, 'Contact expires');
      // Step 7: 423 only for 0 < requested < one hour and below our minimum (never for 0).
      if (requested > 0 && requested < this.minExpires) tooBrief = true;
      const q = contact.params.get('q');
      if (q === null || (q !== undefined && !QVALUE.test(q))) {
        return new Refusal(400, 'Invalid Contact q');
      }
      const instance = contact.params.get('+sip.instance');
      if (instance === null) return new Refusal(400, 'Invalid Contact +sip.instance');
      const instanceId =
        instance === undefined
          ? undefined
          : instance.startsWith('"')
            ? unquote(instance)
            : instance;
      if (
        instanceId !== undefined &&
        (instanceId.length === 0 || instanceId.length > MAX_INSTANCE_LENGTH)
      ) {
        return new Refusal(400, 'Invalid Contact +sip.instance');
      }
      out.push({
        uri,
        text: serializeUri(uri),
        expires: Math.min(requested, this.maxExpires),
        q: q === undefined ? undefined : Number(q),
        instanceId,
      });
    }
    if (tooBrief) {
      return new Refusal(423, undefined, [{ name: 'Min-Expires', value: String(this.minExpires) }]);
    }
    return out;
  }

  /** RFC 3261 §10.3 step 7 for each Contact, all or nothing. */
  private apply(
    existing: readonly Binding[],
    contacts: readonly RequestedContact[],
    request: SipRequest,
    source: BindingSource,
    aor: string,
    now: number,
  ): Outcome | Refusal {
    const callId = request.callId;
    const cseq = request.cseq().seq;
    const path = request.headerList('Path');
    const userAgent = request.header('User-Agent')?.slice(0, MAX_USER_AGENT_LENGTH);
    const current = new Map<string, Binding>(existing.map((b) => [b.key, b]));
    const stored = new Map<string, Binding>(current);
    const put = new Map<string, Binding>();
    const remove = new Set<string>();
    for (const contact of contacts) {
      const match = findBinding(current.values(), contact);
      const before = match === undefined ? undefined : stored.get(match.key);
      // Same Call-ID: only a higher CSeq may change the binding; anything else is a
      // retransmission or an older request overtaken, and the whole update fails.
      if (before !== undefined && before.callId === callId && cseq <= before.cseq) {
        return new Refusal(500, 'Out Of Order REGISTER');
      }
      const key =
        match?.key ??
        (contact.instanceId === undefined
          ? `contact:${contact.text}`
          : `instance:${contact.instanceId}`);
      if (contact.expires === 0) {
        if (match !== undefined) {
          current.delete(key);
          put.delete(key);
          if (stored.has(key)) remove.add(key);
        }
        continue;
      }
      const binding: Binding = {
        aor,
        key,
        contact: contact.text,
        expiresAt: now + contact.expires * 1000,
        callId,
        cseq,
        ...(contact.q === undefined ? {} : { q: contact.q }),
        ...(contact.instanceId === undefined ? {} : { instanceId: contact.instanceId }),
        ...(path.length === 0 ? {} : { path }),
        source,
        ...(userAgent === undefined ? {} : { userAgent }),
        updatedAt: now,
      };
      current.set(key, binding);
      put.set(key, binding);
      remove.delete(key);
    }
    if (current.size > this.maxBindings && current.size > existing.length) {
      return new Refusal(403, 'Too Many Registrations');
    }
    return { put: [...put.values()], remove: [...remove], current: [...current.values()] };
  }

  /** RFC 3261 §10.3 step 8: 200 with every current binding and a Date. */
  private success(request: SipRequest, bindings: readonly Binding[], now: number): SipResponse {
    const headers: HeaderField[] = [];
    for (const binding of bindings) {
      const expires = Math.max(0, Math.ceil((binding.expiresAt - now) / 1000));
      let value = `<${binding.contact}>;expires=${String(expires)}`;
      if (binding.q !== undefined) value += `;q=${String(binding.q)}`;
      if (binding.instanceId !== undefined) {
        value += `;+sip.instance="${binding.instanceId.replace(/["\\]/g, '\\$&')}"`;
      }
      headers.push({ name: 'Contact', value });
    }
    // RFC 3327 §5.3: the Path stored is echoed to a client that supports it.
    const supported = request.headerList('Supported').map((tag) => tag.toLowerCase());
    if (supported.includes('path')) {
      for (const value of request.headerList('Path')) headers.push({ name: 'Path', value });
    }
    headers.push({ name: 'Date', value: new Date(now).toUTCString() });
    return reply(request, 200, undefined, headers);
  }

  /** Runs `task` after every earlier task for the same AOR has settled. */
  private async exclusive<T>(aor: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(aor) ?? Promise.resolve();
    const run = previous.then(task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(aor, tail);
    try {
      return await run;
    } finally {
      if (this.queues.get(aor) === tail) this.queues.delete(aor);
    }
  }
}

interface Outcome {
  readonly put: readonly Binding[];
  readonly remove: readonly string[];
  /** The bindings after the change. */
  readonly current: readonly Binding[];
}

/** RFC 3261 §10.3 step 6, `Contact: *`: every binding goes, unless one is newer. */
function removeAll(existing: readonly Binding[], request: SipRequest): Outcome | Refusal {
  const callId = request.callId;
  const cseq = request.cseq().seq;
  for (const binding of existing) {
    if (binding.callId === callId && cseq <= binding.cseq) {
      return new Refusal(500, 'Out Of Order REGISTER');
    }
  }
  return { put: [], remove: existing.map((b) => b.key), current: [] };
}

/**
 * The binding a Contact refers to: the one with its +sip.instance (RFC 5627 §7.1.2.1), else
 * the one whose URI is equal by RFC 3261 §19.1.4.
 */
function findBinding(bindings: Iterable<Binding>, contact: RequestedContact): Binding | undefined {
  let byUri: Binding | undefined;
  for (const binding of bindings) {
    if (contact.instanceId !== undefined && binding.instanceId === contact.instanceId) {
      return binding;
    }
    if (
      byUri === undefined &&
      (contact.instanceId === undefined || binding.instanceId === undefined)
    ) {
      const uri = tryParseUri(binding.contact);
      if (uri !== undefined && uriEquals(uri, contact.uri)) byUri = binding;
    }
  }
  return byUri;
}

/**
 * The canonical address-of-record of a To URI (RFC 3261 §10.3 step 5): URI parameters and
 * headers removed, escapes normalised, host in lower case, scheme `sip` (a `sips` registration
 * binds the same AOR).
 */
export function canonicalAor(uri: SipUri): string {
  return serializeUri(
    sipUri({
      user: uri.user,
      host: uri.host.toLowerCase(),
      ...(uri.port === undefined ? {} : { port: uri.port }),
    }),
  );
}

function refuse(request: SipRequest, refusal: Refusal): SipResponse {
  return reply(request, refusal.status, refusal.reason, refusal.headers);
}

/** A response with a To tag (RFC 3261 §8.2.6.2), or without when the To cannot be read. */
function reply(
  request: SipRequest,
  status: number,
  reason?: string,
  headers: readonly HeaderField[] = [],
): SipResponse {
  const phrase = reason === undefined ? undefined : printable(reason);
  try {
    return createResponse(request, status, phrase, { toTag: newTag(), headers });
  } catch (error) {
    if (!(error instanceof SipMessageError)) throw error;
    return createResponse(request, status, phrase, { headers });
  }
}

/** A reason phrase from a message: printable ASCII, at most 100 characters. */
function printable(text: string): string | undefined {
  const cleaned = text
    .replace(/[^\x20-\x7e]/g, '')
    .slice(0, 100)
    .trim();
  return cleaned.length > 0 ? cleaned : undefined;
}

/**
 * IPv4 sources are counted by address; IPv6 ones by their /64, which one host or attacker
 * usually holds whole (a per-address count would give each attacker 2^64 fresh tries).
 */
export function defaultLimiterKey(source: BindingSource): string {
  const host = source.host;
  if (!host.includes(':')) return host;
  return ipv6Prefix64(host) ?? host;
}

function ipv6Prefix64(address: string): string | undefined {
  const zone = address.indexOf('%');
  const bare = zone < 0 ? address : address.slice(0, zone);
  const halves = bare.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' || halves[0] === undefined ? [] : halves[0].split(':');
  const tail = halves[1] === undefined || halves[1] === '' ? [] : halves[1].split(':');
  // An embedded IPv4 tail takes two groups but never reaches the first four.
  const tailGroups = tail.reduce((n, part) => n + (part.includes('.') ? 2 : 1), 0);
  const missing = 8 - head.length - tailGroups;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [
    ...head,
    ...(halves.length === 2 ? Array<string>(missing).fill('0') : []),
    ...tail,
  ];
  const prefix: string[] = [];
  for (const group of groups.slice(0, 4)) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    prefix.push(Number.parseInt(group, 16).toString(16));
  }
  return `${prefix.join(':')}::/64`;
}

function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });
}

function seconds(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `${name} must be an integer of at least ${String(min)}, got ${String(value)}`,
    );
  }
  return value;
}
