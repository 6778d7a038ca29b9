/**
 * What a flow can ask of a live call. The TSPS implements it with packages/sip + packages/media;
 * the simulator implements it in memory from a script. Every operation takes an AbortSignal: the
 * runtime aborts it when the caller hangs up, when the user overrides the flow from the
 * notification window, or when an element's own timeout passes. An aborted operation must stop
 * what it started (cancel ringing legs, stop a prompt) before its promise settles, and then
 * reject with the signal's reason.
 */
export interface CallControl {
  /** Whether the caller's leg has been answered (by us or by a device that was rung). */
  readonly answered: boolean;

  /** Sends 180/183 to the caller (early media) without answering. Idempotent. */
  progress(signal: AbortSignal): Promise<void>;
  /** Answers the caller's leg so audio can flow (Play, Menu, Voicemail need it). Idempotent. */
  answer(signal: AbortSignal): Promise<void>;

  /**
   * Rings targets: all at once, or one after the other, each for `timeoutSeconds`. The first to
   * answer is bridged to the caller and the others are cancelled. With outcome `answered` the
   * promise settles when that conversation is over (either side hung up), as a dial verb does:
   * the flow's `answered` pin is what happens after the call, usually its end. Implementations
   * must not settle at the moment of answer, or the flow would end a call that just began.
   */
  ring(request: RingRequest, signal: AbortSignal): Promise<RingResult>;

  /** Plays prompts to the caller; with `bargeIn`, a key press stops playback and is returned. */
  play(request: PlayRequest, signal: AbortSignal): Promise<PlayResult>;

  /** Collects key presses (RFC 4733 or SIP INFO) until a rule ends it. */
  collectDigits(request: CollectRequest, signal: AbortSignal): Promise<CollectResult>;

  /**
   * Records what the caller says (voicemail) after an optional beep. A caller hanging up is the
   * usual way a message ends: the implementation must then resolve with `ended: 'hang-up'` (the
   * message kept) *before* it reports the hang-up to the runtime, or the message's `recorded`
   * path (mail it, notify) would never run.
   */
  record(request: RecordRequest, signal: AbortSignal): Promise<RecordResult>;

  /** Shows the call in the user's notification window and waits for a choice. */
  notifyDesktop(request: NotifyRequest, signal: AbortSignal): Promise<NotifyResult>;

  /** Opens a web chat session tied to the call. */
  startChat(request: ChatRequest, signal: AbortSignal): Promise<ChatResult>;

  /** Refuses an unanswered call with a SIP final response (486 busy, 603 decline...). */
  reject(code: number, reason: string | undefined): Promise<void>;
  /** Ends the call (BYE if answered, else 480). */
  hangUp(): Promise<void>;
}

/** Something a call can be sent to. */
export type RingTarget =
  | { readonly kind: 'device'; readonly userId: string; readonly deviceId: string }
  /** A number outside Switchboard, dialled through a trunk (E.164). */
  | { readonly kind: 'number'; readonly number: string }
  /** Every device of a user (their one-number service). */
  | { readonly kind: 'user'; readonly userId: string };

export interface RingRequest {
  readonly targets: readonly RingTarget[];
  readonly mode: 'simultaneous' | 'sequential';
  /** Per target in sequential mode, for the whole attempt in simultaneous mode. */
  readonly timeoutSeconds: number;
  /** Why we ring (Diversion / History-Info reason): `forward`, `attendant`... */
  readonly reason?: string;
}

export type RingResult =
  | { readonly outcome: 'answered'; readonly by: RingTarget }
  | { readonly outcome: 'no-answer' }
  | { readonly outcome: 'busy' }
  | { readonly outcome: 'failed'; readonly detail: string };

/** One piece of audio: a recorded prompt, text to speak, or silence. */
export type Prompt =
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'tts'; readonly text: string; readonly voice?: string }
  | { readonly kind: 'silence'; readonly ms: number };

export interface PlayRequest {
  readonly prompts: readonly Prompt[];
  readonly bargeIn: boolean;
}

export interface PlayResult {
  /** The key that stopped playback (only with bargeIn). */
  readonly digit?: string;
}

export interface CollectRequest {
  readonly maxDigits: number;
  /** Key that ends input early, e.g. `#`; not included in the digits. */
  readonly terminator?: string;
  /** Time to wait for the first key. */
  readonly firstDigitTimeoutSeconds: number;
  /** Time allowed between keys. */
  readonly interDigitTimeoutSeconds: number;
  /** Digits already pressed (e.g. the key that barged in on a prompt). */
  readonly initial?: string;
}

export interface CollectResult {
  readonly digits: string;
  readonly ended: 'max-digits' | 'terminator' | 'timeout';
}

export interface RecordRequest {
  readonly maxSeconds: number;
  /** Stop after this much silence; 0 disables. */
  readonly silenceSeconds: number;
  readonly beep: boolean;
  /** Key that ends the recording, e.g. `#`. */
  readonly finishKey?: string;
  /** Store it as a voicemail for the user and e-mail it to them (the voicemail service's job). */
  readonly voicemail: { readonly mailToUser: boolean } | null;
}

export type RecordResult =
  | {
      readonly outcome: 'recorded';
      readonly recordingId: string;
      readonly durationMs: number;
      readonly ended: 'key' | 'silence' | 'max-length' | 'hang-up';
    }
  /** Nothing worth keeping (shorter than the minimum): the caller hung up at the beep. */
  | { readonly outcome: 'too-short' };

/** A choice offered in the notification window. */
export type DesktopChoice =
  | {
      readonly id: string;
      readonly kind: 'accept';
      readonly label: string;
      readonly deviceId?: string;
    }
  | {
      readonly id: string;
      readonly kind: 'forward';
      readonly label: string;
      readonly target: RingTarget;
    }
  | { readonly id: string; readonly kind: 'voicemail'; readonly label: string }
  | { readonly id: string; readonly kind: 'attendant'; readonly label: string };

export interface NotifyRequest {
  readonly choices: readonly DesktopChoice[];
  readonly timeoutSeconds: number;
  /** Shown with the call, e.g. `VIP calling`. */
  readonly headline?: string;
}

export type NotifyResult =
  { readonly outcome: 'choice'; readonly choiceId: string } | { readonly outcome: 'timeout' };

export interface ChatRequest {
  /** Whom to open the chat with: the user's attendant or another user. */
  readonly with:
    { readonly kind: 'attendant' } | { readonly kind: 'user'; readonly userId: string };
  readonly topic?: string;
}

export interface ChatResult {
  readonly chatId: string;
}
