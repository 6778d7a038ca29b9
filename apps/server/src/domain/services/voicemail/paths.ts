/**
 * Where the voicemail service keeps its files, relative to the data directory. Every segment
 * is chosen here: user ids follow the one id rule (lower-case letters, digits, `.`, `-`, `_`),
 * file names are ids this service made. A value that would not make a plain folder name is
 * refused rather than escaped, so no path can leave its folder whatever reaches this code.
 */
import { DataPathError } from '../../ports/data-files.js';

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$/;

function segment(value: string, what: string): string {
  if (value.length > 128 || !SAFE_SEGMENT.test(value)) {
    throw new DataPathError(`${what} "${value}" cannot name a file or folder`);
  }
  return value;
}

/** `voicemail/<userId>/<voicemailId>.wav` */
export function recordingPath(userId: string, voicemailId: string): string {
  return `voicemail/${segment(userId, 'user id')}/${segment(voicemailId, 'voicemail id')}.wav`;
}

/** `greetings/<userId>/<fileId>.wav`: a fresh file id per upload, so players never cache a stale one. */
export function greetingPath(userId: string, fileId: string): string {
  return `greetings/${segment(userId, 'user id')}/${segment(fileId, 'greeting file id')}.wav`;
}

/** True when `path` is a recording path this service could have made for `voicemailId`. */
export function isRecordingPathOf(path: string, voicemailId: string): boolean {
  const parts = path.split('/');
  return (
    parts.length === 3 &&
    parts[0] === 'voicemail' &&
    SAFE_SEGMENT.test(parts[1] ?? '') &&
    parts[2] === `${voicemailId}.wav` &&
    SAFE_SEGMENT.test(voicemailId)
  );
}
