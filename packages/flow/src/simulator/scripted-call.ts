import { formatIssuePath } from '../issues.js';
import type {
  CallControl,
  ChatRequest,
  ChatResult,
  CollectRequest,
  CollectResult,
  NotifyRequest,
  NotifyResult,
  PlayRequest,
  PlayResult,
  Prompt,
  RecordRequest,
  RecordResult,
  RingRequest,
  RingResult,
  RingTarget,
} from '../runtime/call-control.js';
import { CallerHungUp } from '../runtime/caller-hung-up.js';
import type { FlowClock, FlowTimers } from '../runtime/services.js';
import {
  CallScriptSchema,
  ringBehaviourOf,
  ringTargetKey,
  type CallScript,
  type DesktopChoiceScript,
  type ResolvedCallScript,
} from './call-script.js';

export { CallerHungUp, isCallerHungUp } from '../runtime/caller-hung-up.js';

/** Rejects operations after the flow itself ended the call (hang-up or reject). */
export class CallEnded extends Error {
  constructor(message = 'the call has already ended') {
    super(message);
    this.name = 'CallEnded';
  }
}

/** A recording whose speech is shorter than this is `too-short` (nothing worth keeping). */
export const MIN_RECORDING_MS = 1000;
/** Spoken text plays at about 150 words a minute. */
const TTS_MS_PER_WORD = 400;
const DEFAULT_FILE_SECONDS = 3;

export type LegOutcome = 'answered' | 'no-answer' | 'busy' | 'failed' | 'cancelled';

/** Fields every recorded action has: when it started and (for ones that take time) ended. */
interface ActionTimes {
  /** Epoch ms from the injected clock, the same clock as the step log. */
  readonly at: number;
  endedAt?: number;
}

export interface RingAction extends ActionTimes {
  readonly op: 'ring';
  /** Target keys (see ringTargetKey). */
  readonly targets: readonly string[];
  readonly mode: RingRequest['mode'];
  readonly timeoutSeconds: number;
  readonly reason?: string;
  /** Each target's fate, in ringing order. */
  readonly legs: { readonly target: string; outcome?: LegOutcome }[];
  result?: RingResult | 'cancelled';
}

export interface PlayAction extends ActionTimes {
  readonly op: 'play';
  readonly prompts: readonly Prompt[];
  readonly bargeIn: boolean;
  /** Played before the call was answered (early media). */
  readonly early?: true;
  result?: PlayResult | 'cancelled';
}

export interface CollectAction extends ActionTimes {
  readonly op: 'collect';
  readonly request: CollectRequest;
  result?: CollectResult | 'cancelled';
}

export interface RecordAction extends ActionTimes {
  readonly op: 'record';
  readonly request: RecordRequest;
  result?: RecordResult | 'cancelled';
}

export interface NotifyAction extends ActionTimes {
  readonly op: 'notify';
  readonly request: NotifyRequest;
  /** The script's choice when the window did not offer it (so it counted as no click). */
  notOffered?: string;
  result?: NotifyResult | 'cancelled';
}

export interface ChatAction extends ActionTimes {
  readonly op: 'chat';
  readonly request: ChatRequest;
  result?: ChatResult;
}

/** One thing the flow did to the call, or the caller did, in the order it started. */
export type CallAction =
  | (ActionTimes & { readonly op: 'progress' | 'answer' })
  | RingAction
  | PlayAction
  | CollectAction
  | RecordAction
  | NotifyAction
  | ChatAction
  /** The caller pressed a key (whether or not anything listened). */
  | (ActionTimes & { readonly op: 'key'; readonly digit: string })
  | (ActionTimes & { readonly op: 'reject'; readonly code: number; readonly reason?: string })
  | (ActionTimes & { readonly op: 'hang-up'; readonly by: 'flow' | 'caller' });

export type CallState = 'live' | 'caller-hung-up' | 'ended';

export interface ScriptedCallTime {
  readonly clock: FlowClock;
  readonly timers: FlowTimers;
}

/** Marks an internal abort (a key arrived, the caller hung up mid-recording): not an error. */
const INTERNAL = Symbol('scripted-call internal abort');

/**
 * An in-memory CallControl that plays a CallScript back against injected (usually virtual)
 * time. It records every operation in `actions`, honours abort signals (stopping what it
 * started and recording `cancelled`), and once the caller has hung up rejects every operation
 * with CallerHungUp. Hang-up is observable through `hungUp` and `onHangUp`, so a runtime can
 * turn it into its hang-up AbortSignal.
 */
export class ScriptedCall implements CallControl {
  readonly script: ResolvedCallScript;
  /** Every operation, key press and hang-up, in the order they started. */
  readonly actions: CallAction[] = [];
  /** Resolves when the caller hangs up (never, if the flow ends the call first). */
  readonly hungUp: Promise<void>;
  readonly startedAt: number;

  #answered = false;
  #bridgedTo: RingTarget | null = null;
  #state: CallState = 'live';
  readonly #clock: FlowClock;
  readonly #timers: FlowTimers;
  /** Aborted when the call is over: stops the caller's own timers and every operation. */
  readonly #lifetime = new AbortController();
  readonly #hangUpListeners = new Set<() => void>();
  #resolveHungUp: () => void = () => undefined;

  readonly #keyEntries: ResolvedCallScript['keys'][number][];
  readonly #keyBuffer: string[] = [];
  #keyWaiter: ((digit: string) => void) | null = null;
  #pumpingKeys = false;
  readonly #desktopChoices: (DesktopChoiceScript | null)[];
  #recording: { readonly callerHangsUp: () => void } | null = null;
  #recordings = 0;
  #chats = 0;

  /** @throws Error naming the first problems when the script is invalid. */
  constructor(script: CallScript, time: ScriptedCallTime) {
    const parsed = CallScriptSchema.safeParse(script);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .slice(0, 5)
        .map((issue) => `${formatIssuePath(issue.path) || '(script)'}: ${issue.message}`);
      throw new Error(`invalid call script: ${problems.join('; ')}`);
    }
    this.script = parsed.data;
    this.#clock = time.clock;
    this.#timers = time.timers;
    this.startedAt = time.clock.now();
    this.hungUp = new Promise((resolve) => {
      this.#resolveHungUp = resolve;
    });
    this.#keyEntries = [...this.script.keys];
    const choice = this.script.desktopChoice;
    this.#desktopChoices = Array.isArray(choice) ? [...choice] : [choice];
    if (this.script.hangUpAfterSeconds !== undefined) {
      this.#armCallerHangUp(this.script.hangUpAfterSeconds * 1000);
    }
  }

  get answered(): boolean {
    return this.#answered;
  }

  /** The target a ring connected the caller to, if any. */
  get bridgedTo(): RingTarget | null {
    return this.#bridgedTo;
  }

  get state(): CallState {
    return this.#state;
  }

  /** Calls `listener` once when the caller hangs up (at once, if they already have). */
  onHangUp(listener: () => void): () => void {
    if (this.#state === 'caller-hung-up') {
      queueMicrotask(listener);
      return () => undefined;
    }
    this.#hangUpListeners.add(listener);
    return () => this.#hangUpListeners.delete(listener);
  }

  /** The actions of one kind, for tests and the simulator's report. */
  actionsOf<Op extends CallAction['op']>(op: Op): Extract<CallAction, { op: Op }>[] {
    return this.actions.filter((a): a is Extract<CallAction, { op: Op }> => a.op === op);
  }

  progress(signal: AbortSignal): Promise<void> {
    return this.#instant('progress', signal);
  }

  async answer(signal: AbortSignal): Promise<void> {
    await this.#instant('answer', signal);
    this.#answered = true;
  }

  async ring(request: RingRequest, signal: AbortSignal): Promise<RingResult> {
    checkSeconds('ring timeoutSeconds', request.timeoutSeconds);
    this.#check(signal);
    const link = this.#link(signal);
    const linked = link.signal;
    const keys = request.targets.map(ringTargetKey);
    const action = this.#push<RingAction>({
      op: 'ring',
      at: this.#clock.now(),
      targets: keys,
      mode: request.mode,
      timeoutSeconds: request.timeoutSeconds,
      ...(request.reason !== undefined ? { reason: request.reason } : {}),
      legs: keys.map((target) => ({ target })),
    });
    try {
      const result =
        request.targets.length === 0
          ? ({ outcome: 'failed', detail: 'nothing to ring' } as const)
          : request.mode === 'simultaneous'
            ? await this.#ringTogether(request, action.legs, linked)
            : await this.#ringInTurn(request, action.legs, linked);
      if (result.outcome === 'answered') {
        this.#answered = true;
        this.#bridgedTo = result.by;
      }
      return this.#finish(action, result);
    } catch (error) {
      for (const leg of action.legs) if (leg.outcome === undefined) leg.outcome = 'cancelled';
      throw this.#cancel(action, error);
    } finally {
      link.dispose();
    }
  }

  async play(request: PlayRequest, signal: AbortSignal): Promise<PlayResult> {
    this.#check(signal);
    const link = this.#link(signal);
    const linked = link.signal;
    const action = this.#push<PlayAction>({
      op: 'play',
      at: this.#clock.now(),
      prompts: request.prompts,
      bargeIn: request.bargeIn,
      ...(this.#answered ? {} : { early: true as const }),
    });
    const ms = request.prompts.reduce((sum, prompt) => sum + this.#promptMs(prompt), 0);
    try {
      if (!request.bargeIn) {
        await this.#timers.sleep(ms, linked);
        return this.#finish(action, {});
      }
      const digit = await this.#nextKey(ms, linked);
      return this.#finish(action, digit === null ? {} : { digit });
    } catch (error) {
      throw this.#cancel(action, error);
    } finally {
      link.dispose();
    }
  }

  async collectDigits(request: CollectRequest, signal: AbortSignal): Promise<CollectResult> {
    checkSeconds('firstDigitTimeoutSeconds', request.firstDigitTimeoutSeconds);
    checkSeconds('interDigitTimeoutSeconds', request.interDigitTimeoutSeconds);
    this.#check(signal);
    const link = this.#link(signal);
    const linked = link.signal;
    const action = this.#push<CollectAction>({ op: 'collect', at: this.#clock.now(), request });
    let digits = '';
    /** Adds a key; says why input ended, if it did. */
    const take = (digit: string): CollectResult['ended'] | null => {
      if (request.terminator !== undefined && digit === request.terminator) return 'terminator';
      digits += digit;
      return digits.length >= request.maxDigits ? 'max-digits' : null;
    };
    try {
      for (const digit of request.initial ?? '') {
        const ended = take(digit);
        if (ended) return this.#finish(action, { digits, ended });
      }
      for (;;) {
        const timeout =
          digits === '' ? request.firstDigitTimeoutSeconds : request.interDigitTimeoutSeconds;
        const digit = await this.#nextKey(timeout * 1000, linked);
        if (digit === null) return this.#finish(action, { digits, ended: 'timeout' });
        const ended = take(digit);
        if (ended) return this.#finish(action, { digits, ended });
      }
    } catch (error) {
      throw this.#cancel(action, error);
    } finally {
      link.dispose();
    }
  }

  /**
   * Plays the caller's `speaks` script: the recording ends at the finish key, after the
   * silence allowance, at the caller's hang-up or at the maximum length, whichever comes first.
   * A caller hanging up ends the recording normally (`ended: 'hang-up'`) and the hang-up is
   * signalled only after this operation has resolved, so the voicemail is not lost.
   */
  async record(request: RecordRequest, signal: AbortSignal): Promise<RecordResult> {
    this.#check(signal);
    checkSeconds('maxSeconds', request.maxSeconds);
    checkSeconds('silenceSeconds', request.silenceSeconds);
    const action = this.#push<RecordAction>({ op: 'record', at: this.#clock.now(), request });
    const plan = this.#recordingPlan(request);
    const hangUp = new AbortController();
    // Only the caller's hang-up and the flow's signal stop a recording: the call's lifetime
    // signal would turn the caller's hang-up into a rejection.
    const link = linkSignals([signal, hangUp.signal]);
    this.#recording = {
      callerHangsUp: () => {
        hangUp.abort(INTERNAL);
      },
    };
    const start = this.#clock.now();
    let { endMs, ended } = plan;
    try {
      await this.#timers.sleep(endMs, link.signal);
    } catch (error) {
      if (!hangUp.signal.aborted) throw this.#cancel(action, error);
      ended = 'hang-up';
      endMs = this.#clock.now() - start;
    } finally {
      this.#recording = null;
      link.dispose();
    }
    const spokenMs = Math.min(plan.speechMs, endMs);
    const result: RecordResult =
      spokenMs < MIN_RECORDING_MS
        ? { outcome: 'too-short' }
        : {
            outcome: 'recorded',
            recordingId: `rec-${String(++this.#recordings)}`,
            durationMs: endMs,
            ended,
          };
    if (ended === 'hang-up') this.#armCallerHangUp(0);
    return this.#finish(action, result);
  }

  async notifyDesktop(request: NotifyRequest, signal: AbortSignal): Promise<NotifyResult> {
    checkSeconds('notify timeoutSeconds', request.timeoutSeconds);
    this.#check(signal);
    const link = this.#link(signal);
    const linked = link.signal;
    const action = this.#push<NotifyAction>({ op: 'notify', at: this.#clock.now(), request });
    const choice = this.#desktopChoices.shift() ?? null;
    const offered = choice !== null && request.choices.some((c) => c.id === choice.choiceId);
    if (choice !== null && !offered) action.notOffered = choice.choiceId;
    try {
      if (offered && choice.afterSeconds < request.timeoutSeconds) {
        await this.#timers.sleep(choice.afterSeconds * 1000, linked);
        return this.#finish(action, { outcome: 'choice', choiceId: choice.choiceId });
      }
      await this.#timers.sleep(request.timeoutSeconds * 1000, linked);
      return this.#finish(action, { outcome: 'timeout' });
    } catch (error) {
      throw this.#cancel(action, error);
    } finally {
      link.dispose();
    }
  }

  async startChat(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
    this.#check(signal);
    const action = this.#push<ChatAction>({ op: 'chat', at: this.#clock.now(), request });
    await Promise.resolve();
    return this.#finish(action, { chatId: `chat-${String(++this.#chats)}` });
  }

  /** Ending a call that is already over is a no-op: the runtime may always hang up at the end. */
  reject(code: number, reason: string | undefined): Promise<void> {
    if (this.#state === 'live') {
      this.#push({
        op: 'reject',
        at: this.#clock.now(),
        code,
        ...(reason !== undefined ? { reason } : {}),
      });
      this.#end();
    }
    return Promise.resolve();
  }

  hangUp(): Promise<void> {
    if (this.#state === 'live') {
      this.#push({ op: 'hang-up', at: this.#clock.now(), by: 'flow' });
      this.#end();
    }
    return Promise.resolve();
  }

  // ---- internals ----

  #push<A extends CallAction>(action: A): A {
    this.actions.push(action);
    return action;
  }

  /** Refuses an operation on a call that is over, or under a signal already aborted. */
  #check(signal: AbortSignal): void {
    if (this.#state === 'caller-hung-up') throw new CallerHungUp();
    if (this.#state === 'ended') throw new CallEnded();
    if (signal.aborted) throw signal.reason as unknown;
  }

  /** The operation's signal, also aborted when the call ends (dispose it when done). */
  #link(signal: AbortSignal): SignalLink {
    return linkSignals([signal, this.#lifetime.signal]);
  }

  async #instant(op: 'progress' | 'answer', signal: AbortSignal): Promise<void> {
    this.#check(signal);
    const at = this.#clock.now();
    this.#push({ op, at, endedAt: at });
    await Promise.resolve();
  }

  #finish<R>(action: { endedAt?: number; result?: R | 'cancelled' }, result: R): R {
    action.endedAt = this.#clock.now();
    action.result = result;
    return result;
  }

  /** Records a cancelled operation and returns the error to rethrow (the signal's reason). */
  #cancel(action: { endedAt?: number; result?: unknown }, error: unknown): unknown {
    action.endedAt = this.#clock.now();
    action.result = 'cancelled';
    return error;
  }

  #end(): void {
    this.#state = 'ended';
    this.#lifetime.abort(new CallEnded());
  }

  #armCallerHangUp(ms: number): void {
    this.#timers.sleep(ms, this.#lifetime.signal).then(
      () => {
        if (this.#state !== 'live') return;
        // A recording in progress ends first (as `hang-up`) and arms this again at once.
        if (this.#recording) this.#recording.callerHangsUp();
        else this.#callerHangsUp();
      },
      () => undefined, // the call ended first
    );
  }

  #callerHangsUp(): void {
    this.#state = 'caller-hung-up';
    this.#push({ op: 'hang-up', at: this.#clock.now(), by: 'caller' });
    // Operations in flight reject with CallerHungUp before anyone hears of the hang-up, so an
    // element sees the hang-up itself rather than the abort the runtime derives from it.
    this.#lifetime.abort(new CallerHungUp());
    this.#resolveHungUp();
    for (const listener of [...this.#hangUpListeners]) listener();
    this.#hangUpListeners.clear();
  }

  #promptMs(prompt: Prompt): number {
    switch (prompt.kind) {
      case 'silence':
        return Math.max(0, prompt.ms);
      case 'tts': {
        const words = prompt.text.split(/\s+/).filter((w) => w !== '').length;
        return Math.max(1, words) * TTS_MS_PER_WORD;
      }
      case 'file': {
        const known = Object.hasOwn(this.script.promptFileSeconds, prompt.file)
          ? this.script.promptFileSeconds[prompt.file]
          : undefined;
        return (known ?? DEFAULT_FILE_SECONDS) * 1000;
      }
    }
  }

  /** Simultaneous: every target rings at once; the earliest to answer wins. */
  async #ringTogether(
    request: RingRequest,
    legs: { readonly target: string; outcome?: LegOutcome }[],
    signal: AbortSignal,
  ): Promise<RingResult> {
    const timeoutMs = request.timeoutSeconds * 1000;
    const fates = request.targets.map((target) => this.#legFate(target, timeoutMs));
    let winner = -1;
    fates.forEach((fate, i) => {
      const best = fates[winner];
      if (fate.outcome === 'answered' && (best === undefined || fate.afterMs < best.afterMs))
        winner = i;
    });
    const decided = fates[winner];
    // Without an answer the attempt lasts until the timeout if anything still rings, else until
    // the last target has refused.
    const ms =
      decided !== undefined
        ? decided.afterMs
        : fates.some((f) => f.outcome === 'no-answer')
          ? timeoutMs
          : Math.max(...fates.map((f) => f.afterMs));
    await this.#timers.sleep(ms, signal);
    fates.forEach((fate, i) => {
      const leg = legs[i];
      if (!leg) return;
      // Once someone answers, the others are cancelled unless they had already refused.
      const refusedBefore =
        decided !== undefined &&
        (fate.outcome === 'busy' || fate.outcome === 'failed') &&
        fate.afterMs < decided.afterMs;
      leg.outcome =
        decided === undefined || i === winner || refusedBefore ? fate.outcome : 'cancelled';
    });
    const target = request.targets[winner];
    if (target !== undefined) return { outcome: 'answered', by: target };
    return overall(fates);
  }

  /** Sequential: each target rings for the timeout in turn until one answers. */
  async #ringInTurn(
    request: RingRequest,
    legs: { readonly target: string; outcome?: LegOutcome }[],
    signal: AbortSignal,
  ): Promise<RingResult> {
    const timeoutMs = request.timeoutSeconds * 1000;
    const fates: LegFate[] = [];
    for (const [i, target] of request.targets.entries()) {
      const fate = this.#legFate(target, timeoutMs);
      await this.#timers.sleep(fate.outcome === 'no-answer' ? timeoutMs : fate.afterMs, signal);
      const leg = legs[i];
      if (leg) leg.outcome = fate.outcome;
      if (fate.outcome === 'answered') return { outcome: 'answered', by: target };
      fates.push(fate);
    }
    return overall(fates);
  }

  #legFate(target: RingTarget, timeoutMs: number): LegFate {
    const behaviour = ringBehaviourOf(this.script, target);
    switch (behaviour.outcome) {
      case 'answer': {
        const afterMs = behaviour.afterSeconds * 1000;
        return afterMs < timeoutMs
          ? { outcome: 'answered', afterMs }
          : { outcome: 'no-answer', afterMs: timeoutMs };
      }
      case 'no-answer':
        return { outcome: 'no-answer', afterMs: timeoutMs };
      case 'busy':
        return { outcome: 'busy', afterMs: Math.min(behaviour.afterSeconds * 1000, timeoutMs) };
      case 'fail':
        return {
          outcome: 'failed',
          afterMs: Math.min(behaviour.afterSeconds * 1000, timeoutMs),
          detail: `${ringTargetKey(target)}: ${behaviour.detail}`,
        };
    }
  }

  #recordingPlan(request: RecordRequest): {
    speechMs: number;
    endMs: number;
    ended: 'key' | 'silence' | 'max-length' | 'hang-up';
  } {
    const maxMs = request.maxSeconds * 1000;
    const speaks = this.script.speaks;
    // No script: the caller hangs up at the beep.
    if (speaks === undefined) return { speechMs: 0, endMs: 0, ended: 'hang-up' };
    const speechMs = speaks.seconds * 1000;
    let endMs: number;
    let ended: 'key' | 'silence' | 'max-length' | 'hang-up';
    if (speaks.ends === 'hang-up') {
      endMs = speechMs;
      ended = 'hang-up';
    } else if (speaks.ends === 'key' && request.finishKey !== undefined) {
      endMs = speechMs;
      ended = 'key';
    } else if (request.silenceSeconds > 0) {
      // Silence ends it (also a key the recording does not listen for, which changes nothing).
      endMs = speechMs + request.silenceSeconds * 1000;
      ended = 'silence';
    } else {
      endMs = maxMs;
      ended = 'max-length';
    }
    if (endMs > maxMs) {
      endMs = maxMs;
      ended = 'max-length';
    }
    return { speechMs, endMs, ended };
  }

  /**
   * The next key the caller presses within `timeoutMs`, or null. Buffered keys come first;
   * listening arms the next scripted key entry.
   */
  #nextKey(timeoutMs: number, signal: AbortSignal): Promise<string | null> {
    const buffered = this.#keyBuffer.shift();
    if (buffered !== undefined) return Promise.resolve(buffered);
    const gotKey = new AbortController();
    const link = linkSignals([signal, gotKey.signal]);
    return new Promise<string | null>((resolve, reject) => {
      this.#keyWaiter = (digit) => {
        this.#keyWaiter = null;
        gotKey.abort(INTERNAL);
        resolve(digit);
      };
      this.#armKeys();
      this.#timers.sleep(timeoutMs, link.signal).then(
        () => {
          link.dispose();
          this.#keyWaiter = null;
          resolve(null);
        },
        (error: unknown) => {
          link.dispose();
          if (gotKey.signal.aborted) return; // a key came: already resolved
          this.#keyWaiter = null;
          // The abort's reason, whatever it is: operations reject with the signal's reason.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        },
      );
    });
  }

  /** Starts pressing the next scripted entry when someone listens and none is under way. */
  #armKeys(): void {
    if (this.#pumpingKeys || this.#keyEntries.length === 0) return;
    this.#pumpingKeys = true;
    void this.#pressKeys();
  }

  async #pressKeys(): Promise<void> {
    const entry = this.#keyEntries.shift();
    try {
      if (entry === undefined) return;
      // Phone keys are single ASCII characters (the script schema says so).
      for (let i = 0; i < entry.digits.length; i++) {
        const digit = entry.digits.charAt(i);
        const seconds = i === 0 ? entry.afterSeconds : entry.gapSeconds;
        await this.#timers.sleep(seconds * 1000, this.#lifetime.signal);
        this.#push({ op: 'key', at: this.#clock.now(), digit });
        if (this.#keyWaiter) this.#keyWaiter(digit);
        else this.#keyBuffer.push(digit);
      }
    } catch {
      return; // the call is over
    } finally {
      this.#pumpingKeys = false;
    }
    // Somebody still listening (the key went to the buffer) starts the next entry's clock.
    if (this.#keyWaiter) this.#armKeys();
  }
}

interface LegFate {
  readonly outcome: 'answered' | 'no-answer' | 'busy' | 'failed';
  readonly afterMs: number;
  readonly detail?: string;
}

/** Without an answer: no-answer if anything rang out, else busy if anyone was, else failed. */
function overall(fates: readonly LegFate[]): RingResult {
  if (fates.some((f) => f.outcome === 'no-answer')) return { outcome: 'no-answer' };
  if (fates.some((f) => f.outcome === 'busy')) return { outcome: 'busy' };
  const details = fates.flatMap((f) => (f.detail !== undefined ? [f.detail] : []));
  return { outcome: 'failed', detail: details.join('; ') || 'nothing could be rung' };
}

function checkSeconds(what: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${what} must be a finite number of seconds >= 0, got ${String(value)}`);
  }
}

interface SignalLink {
  readonly signal: AbortSignal;
  /** Detaches from the sources: long-lived signals keep no listener per operation. */
  dispose(): void;
}

/**
 * A signal aborted with the reason of the first source to abort. Our own rather than
 * `AbortSignal.any`, whose dependants pile up on a long-lived signal in Node 20.
 */
function linkSignals(sources: readonly AbortSignal[]): SignalLink {
  const controller = new AbortController();
  const listeners: [AbortSignal, () => void][] = [];
  const dispose = (): void => {
    for (const [source, listener] of listeners) source.removeEventListener('abort', listener);
    listeners.length = 0;
  };
  for (const source of sources) {
    if (source.aborted) {
      controller.abort(source.reason);
      dispose();
      break;
    }
    const listener = (): void => {
      controller.abort(source.reason);
      dispose();
    };
    source.addEventListener('abort', listener, { once: true });
    listeners.push([source, listener]);
  }
  return { signal: controller.signal, dispose };
}
