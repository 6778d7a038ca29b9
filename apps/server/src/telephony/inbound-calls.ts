/**
 * Step 1 of the call path and the glue of the rest: an INVITE arrives (`onInvite`), we decide
 * whether to take it (a trusted trunk, or one of our phones proving who it is with Digest;
 * anyone else is refused), which number it is for, whether its SDP is acceptable, and whether
 * we have room; then the domain starts the call (`startInboundCall`: caller, status, handling
 * method, call record) and the chosen flow runs on a SipCallControl until the call is over.
 *
 *   INVITE ─> source (trunk? device digest? 407/403) ─> called number (404) ─> SDP (488)
 *          ─> capacity (503) ─> startInboundCall (404 unknown number) ─> FlowRun ─> finish
 */
import { FlowRun, type FlowServices } from '@switchboard/flow';
import type { IncomingInvite } from '@switchboard/sip';
import type { Trunk } from '../domain/model/index.js';
import type { Clock } from '../domain/ports/clock.js';
import type { Logger } from '../domain/ports/logger.js';
import type { Store } from '../domain/ports/store.js';
import type { EventBus } from '../domain/services/event-bus.js';
import type { CallJournal } from '../domain/services/call-journal.js';
import { startInboundCall, type InboundCall } from '../domain/services/inbound-call.js';
import type { SettingsCache } from '../domain/services/settings-cache.js';
import type { LiveCallRegistry } from '../domain/services/live-call-registry.js';
import { tryE164 } from '../domain/services/phone-numbers.js';
import { callOutcome } from './call-outcome.js';
import type { InviteAuthenticator } from './invite-auth.js';
import { calledNumberOf, callingPartyOf, privacyOf, type CallingParty } from './invite-parties.js';
import { refuseOffer } from './media-leg.js';
import { SipCallControl, type CallInfo, type SipCallControlDeps } from './sip-call-control.js';
import type { TrunkDirectory } from './trunks.js';

export interface InboundCallsDeps {
  readonly store: Store;
  /** Where call records are written. */
  readonly journal: CallJournal;
  /** The settings lookups each call starts from. */
  readonly settings: SettingsCache;
  readonly events: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The one registry the API lists and overrides calls through. */
  readonly liveCalls: LiveCallRegistry;
  readonly trunks: TrunkDirectory;
  readonly auth: InviteAuthenticator;
  /** What each call's SipCallControl works with. */
  readonly control: Omit<SipCallControlDeps, 'logger'>;
  readonly flowServices: FlowServices;
  /** Calls in progress at once; more get 503. */
  readonly maxCalls: number;
  /** Ids of call records (random UUIDs by default). */
  readonly newId?: () => string;
}

/** A call being handled, for shutdown. */
interface ActiveCall {
  readonly control: SipCallControl;
  readonly done: Promise<void>;
}

/** Seconds a caller refused for capacity is told to wait (RFC 3261 §20.33). */
const RETRY_AFTER_SECONDS = 5;

export class InboundCalls {
  private readonly active = new Set<ActiveCall>();
  /** INVITEs being looked at, not yet calls: they count against the limit too. */
  private starting = 0;
  private closing = false;

  constructor(private readonly deps: InboundCallsDeps) {}

  /** Calls in progress (and INVITEs being checked). */
  get size(): number {
    return this.active.size + this.starting;
  }

  /** The stack's `onInvite`. Never rejects: a failure answers 500 or ends the call cleanly. */
  readonly onInvite = async (invite: IncomingInvite): Promise<void> => {
    if (this.closing) {
      invite.reject(503, 'Service Shutting Down');
      return;
    }
    if (this.size >= this.deps.maxCalls) {
      invite.reject(503, 'Too Many Calls', [
        { name: 'Retry-After', value: String(RETRY_AFTER_SECONDS) },
      ]);
      return;
    }
    this.starting += 1;
    let call: InboundCall | undefined;
    try {
      call = await this.admit(invite);
    } catch (error) {
      this.deps.logger.error({ err: error, callId: invite.request.callId }, 'an INVITE failed');
      if (invite.state === 'ringing') invite.reject(500);
      return;
    } finally {
      this.starting -= 1;
    }
    if (call !== undefined) await this.run(invite, call);
  };

  /**
   * Everything before the flow: who sends it, for which number, with what SDP. Answers the
   * INVITE and resolves undefined when the call is refused; resolves the started call else.
   */
  private async admit(invite: IncomingInvite): Promise<InboundCall | undefined> {
    const { request } = invite;
    const trunk = await this.deps.trunks.trustedFor(invite.source.host);
    let party: CallingParty;
    /** A phone dials numbers as its user writes them: read in the user's country. */
    let dialCountry: string | undefined;
    if (trunk !== undefined) {
      party = callingPartyOf(request, true);
    } else {
      const auth = await this.deps.auth.authenticate(request, invite.source.host);
      if (auth.kind === 'challenge') {
        invite.reject(407, 'Proxy Authentication Required', auth.headers);
        return undefined;
      }
      if (auth.kind === 'forbidden') {
        // Debug, not info: scanners send these by the thousand.
        this.deps.logger.debug(
          { source: invite.source.host, reason: auth.reason },
          'INVITE refused: not a trusted trunk and no valid device credentials',
        );
        invite.reject(403);
        return undefined;
      }
      const caller = await this.deviceParty(auth.device.userId, request);
      party = caller.party;
      dialCountry = caller.country;
    }
    const dialled = calledNumberOf(request, calledNumberSource(trunk));
    const calledNumber =
      dialled === undefined || dialCountry === undefined
        ? dialled
        : (tryE164(dialled, dialCountry) ?? dialled);
    if (calledNumber === undefined) {
      invite.reject(404, 'No Number Called');
      return undefined;
    }
    const offer = invite.offer;
    const refusal =
      offer === undefined ? undefined : refuseOffer(offer, this.deps.control.mediaAddress);
    if (refusal !== undefined) {
      invite.reject(refusal);
      return undefined;
    }
    const started = await startInboundCall(
      {
        store: this.deps.store,
        journal: this.deps.journal,
        settings: this.deps.settings,
        events: this.deps.events,
        clock: this.deps.clock,
        logger: this.deps.logger,
        ...(this.deps.newId === undefined ? {} : { newId: this.deps.newId }),
      },
      {
        calledNumber,
        callingNumber: party.callingNumber,
        displayName: party.displayName,
        privacy: party.privacy,
      },
    );
    if (!started.ok) {
      invite.reject(404);
      return undefined;
    }
    return started.call;
  }

  /**
   * A call from one of our phones shows its user's first number (the one their calls come
   * from), under the user's name; a user without a number shows the phone's From.
   */
  private async deviceParty(
    userId: string,
    request: IncomingInvite['request'],
  ): Promise<{ party: CallingParty; country: string | undefined }> {
    const [numbers, user] = await Promise.all([
      this.deps.store.numbers.listByUser(userId),
      this.deps.store.users.get(userId),
    ]);
    const first = numbers[0];
    const party: CallingParty =
      first === undefined
        ? callingPartyOf(request, false)
        : {
            callingNumber: first.e164,
            displayName: user?.name ?? null,
            privacy: privacyOf(request),
          };
    return { party, country: user?.country };
  }

  /** Runs the call's flow to its end and writes its outcome. */
  private async run(invite: IncomingInvite, call: InboundCall): Promise<void> {
    const { identification } = call;
    const info: CallInfo = {
      callId: call.callId,
      userId: call.user.id,
      did: call.record.calledNumber,
      caller: {
        number: identification.number,
        name: identification.contact?.name ?? identification.networkName,
        withheld: identification.kind === 'anonymous',
      },
      contactId: identification.contact?.id ?? null,
      handlingCode: identification.handlingCode,
    };
    const logger = this.deps.logger.child({ callId: call.callId, userId: call.user.id });
    const control = new SipCallControl(invite, info, call, { ...this.deps.control, logger });
    let finished: () => void = () => undefined;
    const entry: ActiveCall = {
      control,
      done: new Promise<void>((resolve) => {
        finished = resolve;
      }),
    };
    this.active.add(entry);
    // The server began shutting down while this call was being looked up.
    if (this.closing) void control.terminate();
    try {
      const run = new FlowRun({
        ...call.runOptions(),
        call: control,
        services: this.deps.flowServices,
        hangUp: control.hangUpSignal,
      });
      call.track(this.deps.liveCalls, {
        override: (decision) => {
          const taken = run.override(decision);
          if (taken) control.noteOverride();
          return taken;
        },
      });
      const result = await run.run();
      await control.close();
      const { outcome, detail } = callOutcome(control.summary(), result, call.user.id);
      await call.finish(outcome, detail);
      logger.info({ outcome, flowOutcome: result.outcome }, 'call ended');
    } catch (error) {
      logger.error({ err: error }, 'a call failed');
      await control.close().catch(() => undefined);
      await call.finish('failed', { error: describe(error) }).catch(() => undefined);
    } finally {
      this.active.delete(entry);
      finished();
    }
  }

  /**
   * Stops taking calls (503), ends the ones in progress from our side (BYE, 480, legs
   * cancelled) and waits for their flows and records to finish, at most `graceMs`.
   */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    const calls = [...this.active];
    await Promise.all(calls.map((call) => call.control.terminate().catch(() => undefined)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(calls.map((call) => call.done)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }
}

/** Where a trunk puts the DID; phones dial it in the Request-URI. */
function calledNumberSource(trunk: Trunk | undefined): 'request-uri' | 'to' {
  return trunk?.calledNumberFrom ?? 'request-uri';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
