/**
 * The voicemail service (issue 7). For calls (the `VoicemailBox` port the telephony side uses):
 * greetings, a place for each recording, and the hand-over once it is on disk. For people (the
 * API): the inbox (list, listen, mark heard, delete), greetings, and mail status. Around both:
 * voicemail to e-mail with retries, live events, the message-waiting counts the telephony side
 * turns into SIP NOTIFYs, and the retention of heard messages.
 *
 * Files are only ever at paths this service makes (`voicemail/<userId>/<id>.wav`,
 * `greetings/<userId>/<id>.wav`) under the data directory, and the file adapter refuses any
 * path leaving it.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { MailStatus, Voicemail } from '../../model/index.js';
import type { AudioConverter } from '../../ports/audio.js';
import type { Clock } from '../../ports/clock.js';
import type { ByteRange, DataFiles } from '../../ports/data-files.js';
import { silentLogger, type Logger } from '../../ports/logger.js';
import type { MailSender, OutgoingMail } from '../../ports/mail-sender.js';
import type { MessageCounts, MessageCountsListener } from '../../ports/message-waiting.js';
import type { Store, VoicemailListOptions } from '../../ports/store.js';
import { systemTimers, type Timers } from '../../ports/timers.js';
import type {
  DepositInput,
  GreetingPrompt,
  GreetingQuery,
  ReservedRecording,
  VoicemailBox,
} from '../../ports/voicemail-box.js';
import type { EventBus } from '../event-bus.js';
import { VoicemailNotFoundError, VoicemailUnavailableError } from './errors.js';
import { GreetingService } from './greetings.js';
import { MailQueue } from './mail-queue.js';
import { isRecordingPathOf, recordingPath } from './paths.js';
import { RetentionJob } from './retention.js';
import { VoicemailEventPublisher } from './voicemail-events.js';
import { composeVoicemailMail } from './voicemail-mail.js';

export interface VoicemailServiceDeps {
  readonly store: Store;
  readonly events: EventBus;
  readonly clock: Clock;
  readonly files: DataFiles;
  readonly audio: AudioConverter;
  /** The SMTP sender; without it messages are not mailed (`disabled`). */
  readonly mail?: MailSender | undefined;
  /** The web client's address, for the link in each e-mail. */
  readonly publicUrl?: string | undefined;
  readonly logger?: Logger;
  readonly timers?: Timers;
  /** Shorter recordings are discarded as hang-ups (config `voicemail.minMessageSeconds`). 1 s. */
  readonly minMessageSeconds?: number;
  /** Heard messages go this many days after being heard; 0 (default) keeps them. */
  readonly retentionDays?: number;
  /** Speech voice of text and built-in greetings. */
  readonly voice?: string | undefined;
  readonly newId?: () => string;
  /** Waits between mail attempts (see mail-queue.ts). */
  readonly mailRetryDelaysMs?: readonly number[];
  readonly retentionIntervalMs?: number;
}

/** A message's recording, to stream. */
export interface RecordingFile {
  readonly voicemail: Voicemail;
  readonly size: number;
  open(range?: ByteRange): Promise<Readable>;
}

/** Inbox filters: `heard` true/false, the caller's number (null: withheld). */
export type InboxFilter = Pick<VoicemailListOptions, 'heard' | 'callerNumber' | 'limit' | 'before'>;

export class VoicemailService implements VoicemailBox {
  readonly greetings: GreetingService;
  readonly minDurationMs: number;
  private readonly logger: Logger;
  private readonly newId: () => string;
  private readonly publisher: VoicemailEventPublisher;
  private readonly mailQueue: MailQueue | undefined;
  private readonly retention: RetentionJob;
  private readonly listeners = new Set<MessageCountsListener>();
  private started = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly deps: VoicemailServiceDeps) {
    const timers = deps.timers ?? systemTimers;
    this.logger = (deps.logger ?? silentLogger).child({ component: 'voicemail' });
    this.newId = deps.newId ?? randomUUID;
    this.minDurationMs = Math.round((deps.minMessageSeconds ?? 1) * 1000);
    this.publisher = new VoicemailEventPublisher(deps.events, deps.clock);
    this.greetings = new GreetingService({
      store: deps.store,
      files: deps.files,
      audio: deps.audio,
      logger: this.logger,
      voice: deps.voice,
      newId: this.newId,
    });
    this.mailQueue =
      deps.mail === undefined
        ? undefined
        : new MailQueue({
            store: deps.store,
            clock: deps.clock,
            timers,
            sender: deps.mail,
            logger: this.logger,
            compose: (voicemail) => this.composeMail(voicemail),
            onUpdated: (voicemail) => {
              void this.announceUpdate(voicemail);
            },
            ...(deps.mailRetryDelaysMs === undefined
              ? {}
              : { retryDelaysMs: deps.mailRetryDelaysMs }),
          });
    this.retention = new RetentionJob({
      store: deps.store,
      clock: deps.clock,
      timers,
      logger: this.logger,
      retentionDays: deps.retentionDays ?? 0,
      remove: (voicemail) => this.remove(voicemail),
      ...(deps.retentionIntervalMs === undefined ? {} : { intervalMs: deps.retentionIntervalMs }),
    });
  }

  /** Whether messages are mailed at all (an SMTP server is configured). */
  get mailEnabled(): boolean {
    return this.mailQueue !== undefined;
  }

  /** Resumes the mail still pending in the store and starts the retention job. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.mailQueue?.start();
    this.retention.start();
  }

  /** Stops timers, waits (bounded) for mail being sent, closes the SMTP connections. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.retention.stop();
      await this.mailQueue?.close();
      this.deps.mail?.close();
    })();
    return this.closing;
  }

  /** Listens to every change of a user's counts (the message-waiting lamps). */
  onCountsChanged(listener: MessageCountsListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async counts(userId: string): Promise<MessageCounts> {
    const counts = await this.deps.store.voicemails.countByUser(userId);
    return { newMessages: counts.unheard, oldMessages: counts.heard };
  }

  // --- VoicemailBox: the telephony side during a call -----------------------------------------

  greetingFor(query: GreetingQuery): Promise<readonly GreetingPrompt[]> {
    return this.greetings.promptsFor(query);
  }

  async reserve(userId: string): Promise<ReservedRecording> {
    const voicemailId = this.newId();
    const relativePath = recordingPath(userId, voicemailId);
    await this.deps.files.prepare(relativePath);
    return { voicemailId, relativePath };
  }

  async deposit(input: DepositInput): Promise<Voicemail> {
    const { store, clock } = this.deps;
    const path = recordingPath(input.userId, input.voicemailId);
    if ((await this.deps.files.size(path)) === undefined) {
      throw new VoicemailNotFoundError(`Recording ${path}`);
    }
    const user = await store.users.get(input.userId);
    if (user === undefined) throw new VoicemailNotFoundError(`User ${input.userId}`);
    const now = clock.now();
    const mailStatus: MailStatus =
      this.mailQueue !== undefined && input.mailToUser !== false && user.email.includes('@')
        ? 'pending'
        : 'disabled';
    const stored = await store.voicemails.insert({
      id: input.voicemailId,
      userId: input.userId,
      callId: input.callId,
      callerNumber: input.callerNumber,
      callerName: input.callerName,
      contactId: input.contactId,
      handlingCode: input.handlingCode,
      path,
      durationMs: Math.max(0, Math.round(input.durationMs)),
      heard: false,
      heardAt: null,
      mailStatus,
      mailAttempts: 0,
      mailNextAttemptAt: mailStatus === 'pending' ? now : null,
      mailError: null,
      createdAt: now,
    });
    this.logger.info(
      { voicemailId: stored.id, userId: stored.userId, durationMs: stored.durationMs, mailStatus },
      'voicemail stored',
    );
    // Resolves now: mail, events and lamps follow, and their failures are the message's status
    // or the log, never the caller's.
    void this.afterChange(stored.userId, (counts) => {
      this.publisher.created(stored, counts);
    });
    this.mailQueue?.enqueue(stored);
    return stored;
  }

  async discard(reserved: ReservedRecording): Promise<void> {
    if (!isRecordingPathOf(reserved.relativePath, reserved.voicemailId)) {
      throw new VoicemailNotFoundError(`Reserved recording ${reserved.relativePath}`);
    }
    await this.deps.files.remove(reserved.relativePath);
  }

  // --- Inbox: the user through the API --------------------------------------------------------

  list(userId: string, filter: InboxFilter = {}): Promise<Voicemail[]> {
    return this.deps.store.voicemails.listByUser(userId, filter);
  }

  /** The user's message (another user's is not found, like a missing one). */
  async get(userId: string, voicemailId: string): Promise<Voicemail> {
    const voicemail = await this.deps.store.voicemails.get(voicemailId);
    if (voicemail?.userId !== userId) throw new VoicemailNotFoundError(`Voicemail ${voicemailId}`);
    return voicemail;
  }

  async setHeard(userId: string, voicemailId: string, heard: boolean): Promise<Voicemail> {
    const current = await this.get(userId, voicemailId);
    if (current.heard === heard) return current;
    const updated = await this.deps.store.voicemails.update(current.id, {
      heard,
      heardAt: heard ? this.deps.clock.now() : null,
    });
    if (updated === undefined) throw new VoicemailNotFoundError(`Voicemail ${voicemailId}`);
    await this.announceUpdate(updated);
    return updated;
  }

  /** Deletes the message and its recording. */
  async delete(userId: string, voicemailId: string): Promise<void> {
    await this.remove(await this.get(userId, voicemailId));
  }

  async recording(userId: string, voicemailId: string): Promise<RecordingFile> {
    const voicemail = await this.get(userId, voicemailId);
    const size = await this.deps.files.size(voicemail.path);
    if (size === undefined)
      throw new VoicemailNotFoundError(`Recording of voicemail ${voicemailId}`);
    return { voicemail, size, open: (range) => this.deps.files.openRead(voicemail.path, range) };
  }

  /** Mails the message again (after `failed`, or to get another copy): back to `pending`. */
  async resendMail(userId: string, voicemailId: string): Promise<Voicemail> {
    const current = await this.get(userId, voicemailId);
    if (this.mailQueue === undefined) {
      throw new VoicemailUnavailableError(
        'No SMTP server is configured (smtp.host): nothing can be mailed',
      );
    }
    if (current.mailStatus === 'pending') return current;
    const updated = await this.deps.store.voicemails.update(current.id, {
      mailStatus: 'pending',
      mailAttempts: 0,
      mailNextAttemptAt: this.deps.clock.now(),
      mailError: null,
    });
    if (updated === undefined) throw new VoicemailNotFoundError(`Voicemail ${voicemailId}`);
    await this.announceUpdate(updated);
    this.mailQueue.enqueue(updated);
    return updated;
  }

  /** Runs the retention job now (tests; an operator's command). */
  applyRetention(): Promise<number> {
    return this.retention.runOnce();
  }

  // --- inside ---------------------------------------------------------------------------------

  /** Row first, then the file: a failure leaves at worst a file without a message, never the reverse. */
  private async remove(voicemail: Voicemail): Promise<void> {
    const deleted = await this.deps.store.voicemails.delete(voicemail.id);
    try {
      await this.deps.files.remove(voicemail.path);
    } catch (error) {
      this.logger.warn({ err: error, path: voicemail.path }, 'could not remove a recording file');
    }
    if (!deleted) return;
    await this.afterChange(voicemail.userId, (counts) => {
      this.publisher.deleted(voicemail.userId, voicemail.id, counts);
    });
  }

  private async announceUpdate(voicemail: Voicemail): Promise<void> {
    await this.afterChange(voicemail.userId, (counts) => {
      this.publisher.updated(voicemail, counts);
    });
  }

  /** Reads the counts once, then publishes and tells the listeners. Never rejects. */
  private async afterChange(
    userId: string,
    publish: (counts: MessageCounts) => void,
  ): Promise<void> {
    let counts: MessageCounts;
    try {
      counts = await this.counts(userId);
    } catch (error) {
      this.logger.error({ err: error, userId }, 'could not count voicemail after a change');
      return;
    }
    publish(counts);
    for (const listener of [...this.listeners]) {
      try {
        listener(userId, counts);
      } catch (error) {
        this.logger.error({ err: error, userId }, 'a message-waiting listener failed');
      }
    }
  }

  private async composeMail(voicemail: Voicemail): Promise<OutgoingMail | undefined> {
    const user = await this.deps.store.users.get(voicemail.userId);
    if (user === undefined || !user.email.includes('@')) return undefined;
    const recording = await this.deps.files.read(voicemail.path);
    return composeVoicemailMail({
      voicemail,
      user,
      recording,
      publicUrl: this.deps.publicUrl,
    });
  }
}
