/**
 * Greetings: what callers hear before the voicemail tone. A user sets a default one, a busy and
 * an unavailable variant, one per handling code and one per contact, each either an uploaded
 * WAV (converted to 8 kHz 16-bit mono on upload, kept under `greetings/<userId>/`) or text the
 * speech engine reads when it is played. With none set, a built-in greeting says the user's name.
 *
 * The most specific one set wins: the caller's contact, their handling code, the reason's
 * variant (busy / unavailable), the default, the built-in.
 */
import { randomUUID } from 'node:crypto';
import type { Greeting, GreetingSlot } from '../../model/index.js';
import type { AudioConverter } from '../../ports/audio.js';
import type { ByteRange, DataFiles } from '../../ports/data-files.js';
import { silentLogger, type Logger } from '../../ports/logger.js';
import type { Store } from '../../ports/store.js';
import type { GreetingPrompt, GreetingQuery, GreetingReason } from '../../ports/voicemail-box.js';
import type { Readable } from 'node:stream';
import { VoicemailInputError, VoicemailNotFoundError } from './errors.js';
import { greetingPath } from './paths.js';

/** Which greeting: a user-wide slot, or the one of a handling code or a contact. */
export type GreetingTarget =
  | { readonly slot: 'default' | 'busy' | 'unavailable' }
  | { readonly slot: 'code'; readonly code: string }
  | { readonly slot: 'contact'; readonly contactId: string };

/** Longest greeting kept from an upload. */
export const MAX_GREETING_MS = 3 * 60_000;
/** Longest text greeting. */
export const MAX_GREETING_TEXT = 1000;

export interface GreetingServiceDeps {
  readonly store: Store;
  readonly files: DataFiles;
  readonly audio: AudioConverter;
  readonly logger?: Logger;
  /** Speech voice of text greetings that name none, and of the built-in greeting. */
  readonly voice?: string | undefined;
  readonly newId?: () => string;
}

/** An audio file and how to read it (the API streams it with range support). */
export interface StoredAudio {
  readonly size: number;
  open(range?: ByteRange): Promise<Readable>;
}

export function refOf(target: GreetingTarget): string {
  switch (target.slot) {
    case 'code':
      return target.code.trim().toUpperCase();
    case 'contact':
      return target.contactId;
    default:
      return '';
  }
}

/** The built-in greeting's words, with the user's name. */
export function builtInGreetingText(name: string, reason: GreetingReason): string {
  const who = name.trim() === '' ? 'the person you called' : name.trim();
  return reason === 'busy'
    ? `${who} is on another call. Please leave a message after the tone.`
    : `You have reached ${who}. Please leave a message after the tone.`;
}

export class GreetingService {
  private readonly logger: Logger;
  private readonly newId: () => string;

  constructor(private readonly deps: GreetingServiceDeps) {
    this.logger = deps.logger ?? silentLogger;
    this.newId = deps.newId ?? randomUUID;
  }

  list(userId: string): Promise<Greeting[]> {
    return this.deps.store.greetings.listByUser(userId);
  }

  async get(userId: string, target: GreetingTarget): Promise<Greeting> {
    const greeting = await this.deps.store.greetings.get(userId, target.slot, refOf(target));
    if (greeting === undefined) throw new VoicemailNotFoundError(describe(target));
    return greeting;
  }

  /**
   * Stores an uploaded WAV as the target's greeting (replacing what it had). Rejects with an
   * `AudioFormatError` for a file that is not a readable WAV, and a `VoicemailInputError` for
   * one that is empty or too long; nothing is changed then.
   */
  async setAudio(userId: string, target: GreetingTarget, bytes: Uint8Array): Promise<Greeting> {
    await this.checkTarget(userId, target);
    const converted = this.deps.audio.toTelephoneWav(bytes);
    if (converted.durationMs < 100) {
      throw new VoicemailInputError('body', 'the greeting holds no audio (under 0.1 s)');
    }
    if (converted.durationMs > MAX_GREETING_MS) {
      throw new VoicemailInputError(
        'body',
        `the greeting is ${String(Math.round(converted.durationMs / 1000))} s long; at most ${String(MAX_GREETING_MS / 1000)} s`,
      );
    }
    const path = greetingPath(userId, this.newId());
    await this.deps.files.write(path, converted.wav);
    let stored: Greeting;
    try {
      stored = await this.replace(userId, target, {
        kind: 'audio',
        path,
        text: null,
        voice: null,
        durationMs: converted.durationMs,
      });
    } catch (error) {
      await this.deps.files.remove(path).catch(() => false);
      throw error;
    }
    return stored;
  }

  /** Stores text the speech engine reads as the target's greeting. */
  async setText(
    userId: string,
    target: GreetingTarget,
    text: string,
    voice?: string,
  ): Promise<Greeting> {
    await this.checkTarget(userId, target);
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.length > MAX_GREETING_TEXT) {
      throw new VoicemailInputError(
        'text',
        `the greeting text must be 1-${String(MAX_GREETING_TEXT)} characters`,
      );
    }
    return this.replace(userId, target, {
      kind: 'tts',
      path: null,
      text: trimmed,
      voice: voice ?? null,
      durationMs: null,
    });
  }

  /** Removes the target's greeting (and its file); false when it had none. */
  async delete(userId: string, target: GreetingTarget): Promise<boolean> {
    const ref = refOf(target);
    const previous = await this.deps.store.greetings.get(userId, target.slot, ref);
    if (previous === undefined) return false;
    const deleted = await this.deps.store.greetings.delete(userId, target.slot, ref);
    await this.removeFile(previous);
    return deleted;
  }

  /** The recording of an audio greeting. */
  async audio(userId: string, target: GreetingTarget): Promise<StoredAudio> {
    const greeting = await this.get(userId, target);
    const path = greeting.path;
    if (greeting.kind !== 'audio' || path === null) {
      throw new VoicemailNotFoundError(`${describe(target)} recording (it is a text greeting)`);
    }
    const size = await this.deps.files.size(path);
    if (size === undefined) throw new VoicemailNotFoundError(`${describe(target)} recording`);
    return { size, open: (range) => this.deps.files.openRead(path, range) };
  }

  /**
   * The prompts to play before the tone for a call: the most specific greeting set, else the
   * built-in one. A greeting whose file went missing is skipped (and logged), never played.
   */
  async promptsFor(query: GreetingQuery): Promise<GreetingPrompt[]> {
    const { userId } = query;
    const candidates: [GreetingSlot, string][] = [];
    if (query.contactId !== null) candidates.push(['contact', query.contactId]);
    if (query.handlingCode !== null) candidates.push(['code', query.handlingCode.toUpperCase()]);
    candidates.push([query.reason, ''], ['default', '']);
    for (const [slot, ref] of candidates) {
      const greeting = await this.deps.store.greetings.get(userId, slot, ref);
      if (greeting === undefined) continue;
      const prompts = await this.promptsOf(greeting);
      if (prompts !== undefined) return prompts;
    }
    const user = await this.deps.store.users.get(userId);
    return [this.speech(builtInGreetingText(user?.name ?? '', query.reason), null)];
  }

  private async promptsOf(greeting: Greeting): Promise<GreetingPrompt[] | undefined> {
    if (greeting.kind === 'tts' && greeting.text !== null) {
      return [this.speech(greeting.text, greeting.voice)];
    }
    if (greeting.kind === 'audio' && greeting.path !== null) {
      if ((await this.deps.files.size(greeting.path)) !== undefined) {
        return [{ kind: 'file', file: greeting.path }];
      }
      this.logger.warn(
        { userId: greeting.userId, slot: greeting.slot, ref: greeting.ref, path: greeting.path },
        'greeting file is missing; using the next greeting',
      );
    }
    return undefined;
  }

  private speech(text: string, voice: string | null): GreetingPrompt {
    const chosen = voice ?? this.deps.voice;
    return chosen === undefined ? { kind: 'tts', text } : { kind: 'tts', text, voice: chosen };
  }

  /** A handling code or contact greeting needs the code or contact to exist for this user. */
  private async checkTarget(userId: string, target: GreetingTarget): Promise<void> {
    const { store } = this.deps;
    if (target.slot === 'code') {
      const code = refOf(target);
      if ((await store.handlingCodes.get(userId, code)) === undefined) {
        throw new VoicemailNotFoundError(`Handling code ${code}`);
      }
    } else if (target.slot === 'contact') {
      if ((await store.contacts.get(userId, target.contactId)) === undefined) {
        throw new VoicemailNotFoundError(`Contact ${target.contactId}`);
      }
    }
  }

  /** Writes the row, then removes the file the previous greeting had (if another one). */
  private async replace(
    userId: string,
    target: GreetingTarget,
    content: Pick<Greeting, 'kind' | 'path' | 'text' | 'voice' | 'durationMs'>,
  ): Promise<Greeting> {
    const ref = refOf(target);
    const previous = await this.deps.store.greetings.get(userId, target.slot, ref);
    const stored = await this.deps.store.greetings.put({
      userId,
      slot: target.slot,
      ref,
      ...content,
    });
    if (previous !== undefined && previous.path !== stored.path) await this.removeFile(previous);
    return stored;
  }

  private async removeFile(greeting: Greeting): Promise<void> {
    if (greeting.path === null) return;
    try {
      await this.deps.files.remove(greeting.path);
    } catch (error) {
      // The row is gone or replaced; a file left behind is only disk space.
      this.logger.warn(
        { err: error, path: greeting.path },
        'could not remove an old greeting file',
      );
    }
  }
}

function describe(target: GreetingTarget): string {
  switch (target.slot) {
    case 'code':
      return `Greeting for handling code ${refOf(target)}`;
    case 'contact':
      return `Greeting for contact ${target.contactId}`;
    default:
      return `The ${target.slot} greeting`;
  }
}
