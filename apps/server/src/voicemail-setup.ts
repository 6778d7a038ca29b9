/**
 * The voicemail service with its adapters, from the configuration: the data directory's files,
 * the media package's WAV conversion, and the SMTP sender (none without `smtp.host`). main.ts
 * makes one per process and hands it to the API (`buildApp({ voicemail })`) and to the
 * telephony side (the `VoicemailBox`, and `onCountsChanged` for message waiting).
 */
import type { Config } from './config/schema.js';
import type { Clock } from './domain/ports/clock.js';
import type { Logger } from './domain/ports/logger.js';
import type { MailSender } from './domain/ports/mail-sender.js';
import type { Store } from './domain/ports/store.js';
import type { Timers } from './domain/ports/timers.js';
import type { EventBus } from './domain/services/event-bus.js';
import { VoicemailService } from './domain/services/voicemail/index.js';
import { mediaAudioConverter } from './integrations/audio/media-audio-converter.js';
import { DataDirFiles } from './integrations/files/data-dir-files.js';
import { createSmtpMailSender } from './integrations/mail/smtp-mail-sender.js';

export interface VoicemailSetup {
  readonly config: Pick<Config, 'dataDir' | 'smtp' | 'voicemail' | 'http'>;
  readonly store: Store;
  readonly events: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The web client's address for links in e-mails; default `http.publicUrl`. */
  readonly publicUrl?: string | undefined;
  /** Instead of the SMTP sender of `smtp.*` (tests). */
  readonly mail?: MailSender;
  readonly timers?: Timers;
  readonly mailRetryDelaysMs?: readonly number[];
}

/** Not started: call `start()` (resumes pending mail) and, on shutdown, `close()`. */
export function createVoicemailService(setup: VoicemailSetup): VoicemailService {
  const { config, logger } = setup;
  const mail = setup.mail ?? createSmtpMailSender(config.smtp, logger.child({ component: 'smtp' }));
  if (mail === undefined) {
    logger.info('voicemail e-mail is off: no SMTP server configured (smtp.host)');
  }
  return new VoicemailService({
    store: setup.store,
    events: setup.events,
    clock: setup.clock,
    logger,
    files: new DataDirFiles(config.dataDir),
    audio: mediaAudioConverter,
    mail,
    publicUrl: setup.publicUrl ?? config.http.publicUrl,
    minMessageSeconds: config.voicemail.minMessageSeconds,
    retentionDays: config.voicemail.retentionDays,
    voice: config.voicemail.voice,
    ...(setup.timers === undefined ? {} : { timers: setup.timers }),
    ...(setup.mailRetryDelaysMs === undefined
      ? {}
      : { mailRetryDelaysMs: setup.mailRetryDelaysMs }),
  });
}
