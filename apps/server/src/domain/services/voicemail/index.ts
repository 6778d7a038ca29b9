// The voicemail service (issue 7): see voicemail-service.ts.
export {
  VoicemailService,
  type InboxFilter,
  type RecordingFile,
  type VoicemailServiceDeps,
} from './voicemail-service.js';
export {
  GreetingService,
  builtInGreetingText,
  MAX_GREETING_MS,
  MAX_GREETING_TEXT,
  type GreetingTarget,
  type StoredAudio,
} from './greetings.js';
export {
  VoicemailInputError,
  VoicemailNotFoundError,
  VoicemailUnavailableError,
} from './errors.js';
export { DEFAULT_MAIL_RETRY_DELAYS_MS, MailQueue } from './mail-queue.js';
export { RetentionJob } from './retention.js';
export { composeVoicemailMail, formatDuration, voicemailLink } from './voicemail-mail.js';
export { countsDto, voicemailAudioUrl, voicemailDto } from './voicemail-events.js';
export { recordingPath, greetingPath } from './paths.js';
