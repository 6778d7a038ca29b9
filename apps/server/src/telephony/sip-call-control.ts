/**
 * The flow runtime's CallControl for one real call: SIP (packages/sip) for signalling and the
 * media engine (packages/media) for audio. The caller's leg is an IncomingInvite we ring,
 * answer or refuse; every leg we ring is an INVITE of our own with its own RTP session, and the
 * one that answers is bridged to the caller (media anchored) and linked for BYE. Every operation
 * stops what it started when its signal aborts (hang-up, override, time limit) before it
 * settles, and frees its ports and timers.
 *
 * How the caller leaving is reported: `hangUp` (the FlowRun's hang-up signal) is aborted when
 * the caller goes, except while a recording or a bridged conversation is finishing: those first
 * resolve (`recorded` / `answered`) and the hang-up is reported after, as CallControl asks.
 */
import { randomUUID } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bridge,
  PortPoolExhaustedError,
  PromptLoadError,
  SpeechError,
  startRecording,
  type MediaEngine,
  type Player,
  type PlayItem,
  type RecordingEnd,
  type RtpSession,
} from '@switchboard/media';
import {
  DigestSession,
  linkDialogs,
  RingError,
  type Dialog,
  type IncomingInvite,
  type RingTarget as SipRingTarget,
  type SipUserAgent,
} from '@switchboard/sip';
import {
  CallerHungUp,
  DEFAULT_GREETING_TEXT,
  type CallControl,
  type ChatResult,
  type CollectRequest,
  type CollectResult,
  type NotifyRequest,
  type NotifyResult,
  type PlayRequest,
  type PlayResult,
  type Prompt,
  type RecordRequest,
  type RecordResult,
  type RingRequest,
  type RingResult,
  type RingTarget,
} from '@switchboard/flow';
import type { Logger } from '../domain/ports/logger.js';
import type { ReservedRecording, VoicemailBox } from '../domain/ports/voicemail-box.js';
import { CallerLeg } from './caller-leg.js';
import { DigitBuffer, systemDigitTimers, type DigitTimers } from './digit-buffer.js';
import { legIdentity, type CallerIdentity, type DiversionReason } from './leg-identity.js';
import { MediaLeg } from './media-leg.js';
import { BEEP, flowPlayItems, greetingPlayItems } from './prompts.js';
import type { LegPlan, RingPlanner } from './ring-plan.js';
import { cancelledLegs, unansweredOutcome } from './ring-outcome.js';
import { anySignal, sleep, throwIfAborted } from './signals.js';

/** The voicemail service, with the shortest message it keeps when it says. */
export type VoicemailService = VoicemailBox & { readonly minDurationMs?: number };

/** What the call reports as it goes: InboundCall's methods (the record and the live events). */
export interface CallReporter {
  ringing(targets: readonly RingTarget[], mode: 'simultaneous' | 'sequential'): void;
  answered(by: RingTarget | null): void;
  forwarded(to: RingTarget, reason: string | null): void;
  voicemail(phase: 'started' | 'recorded', voicemailId?: string, durationMs?: number): void;
}

/** The call as the telephony side knows it. */
export interface CallInfo {
  readonly callId: string;
  readonly userId: string;
  /** The user's number that was called (E.164): the diverting party of forwarded legs. */
  readonly did: string;
  readonly caller: CallerIdentity;
  readonly contactId: string | null;
  readonly handlingCode: string | null;
}

export interface SipCallControlDeps {
  readonly sip: Pick<SipUserAgent, 'ringTargets'>;
  readonly engine: MediaEngine;
  readonly player: Player;
  readonly planner: RingPlanner;
  /** The address in our SDP. */
  readonly mediaAddress: string;
  /** Our host in the URIs of outgoing legs (From, P-Asserted-Identity, Diversion). */
  readonly localHost: string;
  /** Recordings are written under it (paths from the voicemail service are relative to it). */
  readonly dataDir: string;
  readonly voicemail?: VoicemailService;
  /** Shortest recording kept when the voicemail service does not say; 1 s by default. */
  readonly minRecordingMs?: number;
  readonly timers?: DigitTimers;
  readonly logger: Logger;
  readonly newId?: () => string;
}

/** What happened to the call, for its outcome in the call record. */
export interface CallSummary {
  /** A rung target that answered, `system` when we answered (menu, voicemail), else null. */
  readonly answeredBy: RingTarget | 'system' | null;
  /** A target rung that took the call, and for how long the parties talked. */
  readonly connected: boolean;
  readonly rejectedWith: number | null;
  readonly voicemailId: string | null;
  /** How the caller left, when they did (before we ended the call). */
  readonly callerGone: CallerLeg['cause'];
  /** Legs still ringing that were cancelled because the call went elsewhere or ended. */
  readonly cancelledLegs: readonly string[];
  /** Whether the user changed the call's course from the notification window. */
  readonly overridden: boolean;
  /** Who ended the bridged conversation, when there was one. */
  readonly conversationEndedBy: 'caller' | 'callee' | 'switchboard' | null;
}

const DEFAULT_MIN_RECORDING_MS = 1000;

/** A group of legs rung at once, and what came of it. */
type GroupOutcome =
  | {
      readonly kind: 'answered';
      readonly leg: LegPlan;
      readonly dialog: Dialog;
      readonly media: MediaLeg;
    }
  | { readonly kind: 'busy' | 'no-answer' | 'failed'; readonly detail: string };

export class SipCallControl implements CallControl {
  readonly caller: CallerLeg;
  private readonly runHangUp = new AbortController();
  /** Aborted when the call is over for us: the caller left, or the server is shutting down. */
  private readonly over = new AbortController();
  private readonly digits: DigitBuffer;
  private readonly timers: DigitTimers;
  private readonly openMedia = new Set<MediaLeg>();
  private holds = 0;
  private hangUpPending = false;
  private lastRing: 'busy' | 'no-answer' | undefined;
  private answeredBy: RingTarget | 'system' | null = null;
  private connected = false;
  private rejectedWith: number | null = null;
  private voicemailId: string | null = null;
  private overridden = false;
  private conversationEndedBy: CallSummary['conversationEndedBy'] = null;
  private readonly cancelled: string[] = [];

  constructor(
    invite: IncomingInvite,
    private readonly info: CallInfo,
    private readonly reporter: CallReporter,
    private readonly deps: SipCallControlDeps,
  ) {
    this.timers = deps.timers ?? systemDigitTimers;
    this.digits = new DigitBuffer(this.timers);
    this.caller = new CallerLeg(invite, {
      engine: deps.engine,
      mediaAddress: deps.mediaAddress,
      onError: (error, what) => {
        deps.logger.warn({ err: error, callId: info.callId }, `${what} failed`);
      },
    });
    this.caller.gone.addEventListener(
      'abort',
      () => {
        this.over.abort(this.caller.gone.reason);
        this.reportHangUp();
      },
      { once: true },
    );
  }

  /** The FlowRun's `hangUp` signal. */
  get hangUpSignal(): AbortSignal {
    return this.runHangUp.signal;
  }

  get answered(): boolean {
    return this.caller.answered;
  }

  /** The user's override was taken by the flow: later forwards are deflections (RFC 5806). */
  noteOverride(): void {
    this.overridden = true;
  }

  summary(): CallSummary {
    return {
      answeredBy: this.answeredBy,
      connected: this.connected,
      rejectedWith: this.rejectedWith,
      voicemailId: this.voicemailId,
      callerGone: this.caller.cause,
      cancelledLegs: [...this.cancelled],
      overridden: this.overridden,
      conversationEndedBy: this.conversationEndedBy,
    };
  }

  // --- Answering ---------------------------------------------------------------------------

  progress(signal: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    this.caller.progress();
    return Promise.resolve();
  }

  async answer(signal: AbortSignal): Promise<void> {
    await this.callerSession(signal);
  }

  /** The caller's media, answering the call first when needed. */
  private async callerSession(signal: AbortSignal): Promise<RtpSession> {
    throwIfAborted(signal);
    const first = !this.caller.answered;
    const session = await this.caller.answer();
    if (first || this.answeredBy === null) {
      this.digits.attach(session);
      if (this.answeredBy === null) {
        this.answeredBy = 'system';
        this.reporter.answered(null);
      }
    }
    return session;
  }

  // --- Audio ---------------------------------------------------------------------------------

  async play(request: PlayRequest, signal: AbortSignal): Promise<PlayResult> {
    this.caller.failIfGone();
    const session = await this.callerSession(signal);
    const items = await this.playItems(request.prompts);
    this.digits.clear();
    const stop = anySignal([signal, this.over.signal]);
    try {
      const result = await this.deps.player.play(session, items, {
        bargeIn: request.bargeIn,
        signal: stop.signal,
      });
      this.caller.failIfGone();
      throwIfAborted(signal);
      if ('interruptedBy' in result) {
        this.digits.clear();
        return { digit: result.interruptedBy };
      }
      return {};
    } catch (error) {
      this.caller.failIfGone();
      throwIfAborted(signal);
      if (error instanceof PromptLoadError || error instanceof SpeechError) {
        // A missing prompt or no text-to-speech must not cut the caller off: they hear
        // silence instead, and the log says what to fix.
        this.deps.logger.warn(
          { err: error, callId: this.info.callId },
          'a prompt could not be played; going on without it',
        );
        return {};
      }
      throw error;
    } finally {
      stop.dispose();
    }
  }

  /**
   * The player's items. The Voicemail element's greeting, left as the flow's default, is the
   * user's own greeting from the voicemail service (personal for the contact or code, busy or
   * unavailable after the ring that went before).
   */
  private async playItems(prompts: readonly Prompt[]): Promise<PlayItem[]> {
    const voicemail = this.deps.voicemail;
    if (voicemail !== undefined && isDefaultGreeting(prompts)) {
      try {
        const greeting = await voicemail.greetingFor({
          userId: this.info.userId,
          contactId: this.info.contactId,
          handlingCode: this.info.handlingCode,
          reason: this.lastRing === 'busy' ? 'busy' : 'unavailable',
        });
        if (greeting.length > 0) return greetingPlayItems(greeting);
      } catch (error) {
        this.deps.logger.warn(
          { err: error, callId: this.info.callId },
          'the voicemail greeting could not be read; playing the default',
        );
      }
    }
    return flowPlayItems(prompts, this.info.userId);
  }

  async collectDigits(request: CollectRequest, signal: AbortSignal): Promise<CollectResult> {
    this.caller.failIfGone();
    await this.callerSession(signal);
    const stop = anySignal([signal, this.over.signal]);
    try {
      let digits = '';
      for (const digit of request.initial ?? '') {
        if (digit === request.terminator) return { digits, ended: 'terminator' };
        digits += digit;
      }
      for (;;) {
        if (digits.length >= request.maxDigits) return { digits, ended: 'max-digits' };
        const seconds =
          digits.length === 0 ? request.firstDigitTimeoutSeconds : request.interDigitTimeoutSeconds;
        const digit = await this.digits.next(seconds * 1000, stop.signal);
        if (digit === undefined) return { digits, ended: 'timeout' };
        if (digit === request.terminator) return { digits, ended: 'terminator' };
        digits += digit;
      }
    } catch (error) {
      this.caller.failIfGone();
      throw error;
    } finally {
      stop.dispose();
    }
  }

  async record(request: RecordRequest, signal: AbortSignal): Promise<RecordResult> {
    this.caller.failIfGone();
    const session = await this.callerSession(signal);
    const box = request.voicemail === null ? undefined : this.voicemailBox();
    const reserved: ReservedRecording =
      box === undefined ? this.reserveRecording() : await box.reserve(this.info.userId);
    const release = this.hold();
    try {
      const recording = startRecording(session, {
        root: this.deps.dataDir,
        path: reserved.relativePath,
        maxMs: request.maxSeconds * 1000,
        ...(request.silenceSeconds > 0 ? { silenceMs: request.silenceSeconds * 1000 } : {}),
        ...(request.finishKey === undefined ? {} : { stopOnDigits: request.finishKey }),
        signal,
        hangupSignal: this.over.signal,
      });
      await Promise.race([recording.ready, recording.result]);
      if (box !== undefined) this.reporter.voicemail('started', reserved.voicemailId);
      if (request.beep && this.caller.live) {
        this.deps.player.start(session, [{ pcm: BEEP }], { signal: this.over.signal });
      }
      let result;
      try {
        result = await recording.result;
      } catch (error) {
        // The disk failed under the recording: nothing half-written is left behind.
        await this.discard(box, reserved);
        throw error;
      }
      const minimum = box?.minDurationMs ?? this.deps.minRecordingMs ?? DEFAULT_MIN_RECORDING_MS;
      if (result.durationMs < minimum || !result.heardAudio) {
        await this.discard(box, reserved);
        throwIfAborted(signal);
        return { outcome: 'too-short' };
      }
      if (box !== undefined) {
        await box.deposit({
          voicemailId: reserved.voicemailId,
          userId: this.info.userId,
          callId: this.info.callId,
          callerNumber: this.info.caller.withheld ? null : this.info.caller.number,
          callerName: this.info.caller.name,
          contactId: this.info.contactId,
          handlingCode: this.info.handlingCode,
          durationMs: result.durationMs,
        });
        this.voicemailId = reserved.voicemailId;
        this.reporter.voicemail('recorded', reserved.voicemailId, result.durationMs);
      }
      // Stopped by the runtime (its time limit): the message is kept, the element is not.
      if (result.endedBy === 'stopped') throwIfAborted(signal);
      return {
        outcome: 'recorded',
        recordingId: reserved.voicemailId,
        durationMs: result.durationMs,
        ended: recordEnd(result.endedBy),
      };
    } finally {
      release();
    }
  }

  private voicemailBox(): VoicemailService {
    const box = this.deps.voicemail;
    if (box === undefined) throw new Error('voicemail is not available on this server');
    return box;
  }

  /** A plain recording (not a voicemail): `recordings/<userId>/<id>.wav` in the data dir. */
  private reserveRecording(): ReservedRecording {
    const id = (this.deps.newId ?? randomUUID)();
    return { voicemailId: id, relativePath: `recordings/${this.info.userId}/${id}.wav` };
  }

  private async discard(
    box: VoicemailService | undefined,
    reserved: ReservedRecording,
  ): Promise<void> {
    try {
      if (box !== undefined) await box.discard(reserved);
      else await unlink(join(this.deps.dataDir, reserved.relativePath));
    } catch (error) {
      this.deps.logger.warn(
        { err: error, callId: this.info.callId },
        'a short recording was not removed',
      );
    }
  }

  // --- Ringing -------------------------------------------------------------------------------

  async ring(request: RingRequest, signal: AbortSignal): Promise<RingResult> {
    this.caller.failIfGone();
    throwIfAborted(signal);
    const steps = await this.deps.planner.plan(request.targets);
    const problems = steps.flatMap((step) => step.problems);
    const reachable = steps.filter((step) => step.legs.length > 0);
    if (problems.length > 0) {
      this.deps.logger.info(
        { callId: this.info.callId, problems },
        'some ring targets cannot ring',
      );
    }
    if (reachable.length === 0) {
      return { outcome: 'failed', detail: problems.join('; ') || 'nothing to ring' };
    }
    this.reporter.ringing(
      reachable.map((step) => step.target),
      request.mode,
    );
    for (const step of reachable) {
      if (this.leavesUser(step.target))
        this.reporter.forwarded(step.target, request.reason ?? null);
    }
    const groups =
      request.mode === 'simultaneous'
        ? [reachable.flatMap((step) => step.legs)]
        : reachable.map((step) => step.legs);
    const outcomes: GroupOutcome[] = [];
    for (const legs of groups) {
      const outcome = await this.ringGroup(legs, request.timeoutSeconds * 1000, signal);
      if (outcome.kind === 'answered') return this.connect(outcome, signal);
      if (outcome.kind !== 'failed') this.lastRing = outcome.kind;
      outcomes.push(outcome);
    }
    return combine(outcomes, problems);
  }

  /** A target outside the user's own devices: the call is forwarded. */
  private leavesUser(target: RingTarget): boolean {
    return target.kind === 'number' || target.userId !== this.info.userId;
  }

  private diversionReason(): DiversionReason {
    if (this.overridden) return 'deflection';
    if (this.lastRing === 'busy') return 'user-busy';
    if (this.lastRing === 'no-answer') return 'no-answer';
    return 'unconditional';
  }

  /** Rings `legs` at once until one answers, all fail, `timeoutMs` passes, or a stop. */
  private async ringGroup(
    legs: readonly LegPlan[],
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<GroupOutcome> {
    const medias: MediaLeg[] = [];
    const offers: string[] = [];
    try {
      for (let i = 0; i < legs.length; i += 1) {
        const made = await MediaLeg.offering(this.deps.engine, this.deps.mediaAddress);
        this.openMedia.add(made.leg);
        medias.push(made.leg);
        offers.push(made.offer);
      }
    } catch (error) {
      await this.closeMedia(medias);
      if (error instanceof PortPoolExhaustedError) {
        return { kind: 'failed', detail: 'no free RTP ports for the call' };
      }
      throw error;
    }
    const identity = {
      caller: this.info.caller,
      did: this.info.did,
      localHost: this.deps.localHost,
      diversionReason: this.diversionReason(),
    };
    const targets: SipRingTarget[] = legs.map((leg, i) => {
      const { from, headers } = legIdentity(leg, identity);
      const trunk = leg.trunk;
      return {
        uri: leg.uri,
        from,
        headers,
        sdp: offers[i] ?? '',
        ...(leg.destination === undefined ? {} : { destination: leg.destination }),
        ...(leg.route === undefined ? {} : { route: leg.route }),
        ...(trunk !== undefined && trunk.username !== null && trunk.password !== null
          ? {
              credentials: new DigestSession({
                username: trunk.username,
                password: trunk.password,
              }),
            }
          : {}),
      };
    });
    const stop = anySignal([signal, this.over.signal]);
    try {
      const won = await this.deps.sip.ringTargets(targets, {
        mode: 'simultaneous',
        timeoutMs,
        signal: stop.signal,
        onProgress: (_index, progress) => {
          // 180/183 from a leg: the caller hears ringing (early media is not relayed).
          if (progress.status >= 180 && this.caller.live && !this.caller.answered) {
            this.caller.progress();
          }
        },
      });
      const losers = medias.filter((_media, i) => i !== won.index);
      await this.closeMedia(losers);
      const media = medias[won.index];
      const offer = offers[won.index];
      const leg = legs[won.index];
      if (media === undefined || offer === undefined || leg === undefined) {
        throw new Error(`ringTargets answered with an unknown leg ${String(won.index)}`);
      }
      try {
        media.complete(won.dialog.remoteSdp ?? '', offer);
      } catch (error) {
        this.deps.logger.warn({ err: error, callId: this.info.callId }, 'unusable SDP answer');
        await won.dialog
          .bye({ reason: 'SIP;cause=488;text="Not Acceptable Here"' })
          .catch(() => undefined);
        await this.closeMedia([media]);
        return { kind: 'failed', detail: `${leg.uri} answered with SDP we cannot use` };
      }
      return { kind: 'answered', leg, dialog: won.dialog, media };
    } catch (error) {
      await this.closeMedia(medias);
      if (!(error instanceof RingError)) throw error;
      this.cancelled.push(...cancelledLegs(error.legs));
      this.caller.failIfGone();
      throwIfAborted(signal);
      throwIfAborted(this.over.signal);
      return { kind: unansweredOutcome(error).outcome, detail: unansweredOutcome(error).detail };
    } finally {
      stop.dispose();
    }
  }

  /**
   * Someone answered: answer the caller (if we had not), bridge the two RTP sessions, link the
   * dialogs so a BYE on either side ends the other, and wait for the conversation to end.
   */
  private async connect(
    answered: Extract<GroupOutcome, { kind: 'answered' }>,
    signal: AbortSignal,
  ): Promise<RingResult> {
    const { leg, dialog, media } = answered;
    const release = this.hold();
    try {
      let callerSession: RtpSession;
      try {
        this.caller.failIfGone();
        callerSession = await this.caller.answer();
      } catch (error) {
        // The caller left as the callee picked up: the callee hears a BYE, not silence.
        await dialog.bye({ reason: 'SIP;cause=487;text="Caller hung up"' }).catch(() => undefined);
        throw error;
      }
      const callerMedia = this.caller.mediaLeg;
      const callerDialog = this.caller.invite.dialog;
      if (callerMedia === undefined || callerDialog === undefined) {
        await dialog.bye().catch(() => undefined);
        throw new Error('the caller was answered without media or dialog');
      }
      this.answeredBy = leg.target;
      this.connected = true;
      this.reporter.answered(leg.target);
      this.digits.attach(callerSession);
      const joined = bridge(callerSession, media.session);
      const pair = linkDialogs(callerDialog, dialog, {
        onOffer: (side, offer) =>
          side === 'a' ? callerMedia.reanswer(offer) : media.reanswer(offer),
        relayInfo: true,
        onError: (error) => {
          this.deps.logger.warn({ err: error, callId: this.info.callId }, 'a BYE failed');
        },
      });
      const detachTimeout = media.session.onMediaTimeout(() => {
        void pair.hangup('SIP;cause=408;text="Media timeout"');
      });
      // The server shutting down (or a stop the runtime should never send a connected call).
      const stop = anySignal([signal]);
      const onStop = (): void => {
        void pair.hangup();
      };
      stop.signal.addEventListener('abort', onStop, { once: true });
      try {
        const end = await pair.ended;
        this.conversationEndedBy =
          end.by === 'a' ? 'caller' : end.by === 'b' ? 'callee' : 'switchboard';
      } finally {
        stop.signal.removeEventListener('abort', onStop);
        stop.dispose();
        detachTimeout();
        joined.unbridge();
        await this.closeMedia([media]);
      }
      return { outcome: 'answered', by: leg.target };
    } finally {
      release();
    }
  }

  // --- Desktop and chat ----------------------------------------------------------------------

  /**
   * The call already shows in the user's notification window (call.incoming, the live-call
   * list); a choice there comes back as an override, which stops this wait. Without one, the
   * flow goes on at the timeout.
   */
  async notifyDesktop(request: NotifyRequest, signal: AbortSignal): Promise<NotifyResult> {
    this.caller.failIfGone();
    const stop = anySignal([signal, this.over.signal]);
    try {
      await sleep(request.timeoutSeconds * 1000, stop.signal, this.timers);
      return { outcome: 'timeout' };
    } catch (error) {
      this.caller.failIfGone();
      throw error;
    } finally {
      stop.dispose();
    }
  }

  startChat(): Promise<ChatResult> {
    return Promise.reject(new Error('web chat is not available on this server yet'));
  }

  // --- Ending --------------------------------------------------------------------------------

  reject(code: number, reason: string | undefined): Promise<void> {
    this.caller.failIfGone();
    if (this.caller.answered) return this.caller.hangUp();
    if (this.caller.reject(code, reason)) this.rejectedWith = code;
    return Promise.resolve();
  }

  async hangUp(): Promise<void> {
    this.caller.failIfGone();
    await this.caller.hangUp();
  }

  /**
   * Ends the call from our side at once (the server is shutting down): the caller gets a BYE
   * or 480, whatever rings is cancelled, and the flow sees a hang-up.
   */
  async terminate(reason = 'SIP;cause=503;text="Service shutting down"'): Promise<void> {
    this.over.abort(new CallerHungUp('the call was ended by the server'));
    this.runHangUp.abort(new CallerHungUp('the call was ended by the server'));
    await this.caller.hangUp(reason);
  }

  /** After the flow: anything still up is ended and every port is released. */
  async close(): Promise<void> {
    if (this.caller.live) await this.caller.hangUp();
    this.digits.close();
    await this.caller.close();
    await this.closeMedia([...this.openMedia]);
  }

  // --- Helpers -------------------------------------------------------------------------------

  /** Holds back the hang-up report while a result that must come first is finishing. */
  private hold(): () => void {
    this.holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds -= 1;
      if (this.holds === 0 && this.hangUpPending) {
        // After the element's promise has settled: its result is read first.
        setImmediate(() => {
          this.runHangUp.abort(this.caller.gone.reason);
        });
      }
    };
  }

  private reportHangUp(): void {
    if (this.holds > 0) this.hangUpPending = true;
    else this.runHangUp.abort(this.caller.gone.reason);
  }

  private async closeMedia(medias: readonly MediaLeg[]): Promise<void> {
    await Promise.all(
      medias.map(async (media) => {
        this.openMedia.delete(media);
        await media.close();
      }),
    );
  }
}

function isDefaultGreeting(prompts: readonly Prompt[]): boolean {
  const [only] = prompts;
  return (
    prompts.length === 1 &&
    only?.kind === 'tts' &&
    only.text === DEFAULT_GREETING_TEXT &&
    only.voice === undefined
  );
}

function recordEnd(end: RecordingEnd): 'key' | 'silence' | 'max-length' | 'hang-up' {
  switch (end) {
    case 'digit':
      return 'key';
    case 'silence':
      return 'silence';
    case 'max-length':
      return 'max-length';
    case 'hangup':
    case 'stopped':
      return 'hang-up';
  }
}

/**
 * The result of a ring nobody answered, over its groups (one, or one per target in turn):
 * busy only when every group was busy, no answer when any rang out, else busy, else failed.
 */
function combine(outcomes: readonly GroupOutcome[], problems: readonly string[]): RingResult {
  const kinds = outcomes.map((o) => o.kind);
  const detail = [...outcomes.map((o) => ('detail' in o ? o.detail : '')), ...problems]
    .filter((d) => d !== '')
    .join('; ');
  if (kinds.length > 0 && kinds.every((k) => k === 'busy')) return { outcome: 'busy' };
  if (kinds.includes('no-answer')) return { outcome: 'no-answer' };
  if (kinds.includes('busy')) return { outcome: 'busy' };
  return { outcome: 'failed', detail: detail || 'nobody could be rung' };
}
