import { AudioFormatError } from '../domain/ports/audio.js';
import { DataPathError } from '../domain/ports/data-files.js';
import {
  VoicemailInputError,
  VoicemailNotFoundError,
  VoicemailUnavailableError,
} from '../domain/services/voicemail/index.js';
import { ApiError, invalidField, notFound } from './errors.js';

/** The voicemail service's expected failures as API answers; anything else passes through. */
export function voicemailApiError(error: unknown): unknown {
  if (error instanceof VoicemailNotFoundError) return notFound(error.what);
  if (error instanceof VoicemailInputError) return invalidField(error.field, error.message);
  if (error instanceof AudioFormatError) {
    return error.notWav
      ? new ApiError(415, 'unsupported_media_type', error.message)
      : new ApiError(400, 'bad_request', error.message);
  }
  // A stored path leading out of the data directory (a tampered row): there is no such file.
  if (error instanceof DataPathError) return notFound('Recording');
  if (error instanceof VoicemailUnavailableError) {
    return new ApiError(503, 'unavailable', error.message);
  }
  return error;
}

/** Runs a route's work, answering the voicemail service's failures properly. */
export async function voicemailWork<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw voicemailApiError(error);
  }
}

/** The routes need the service (files, mail) and main.ts did not give one. */
export function voicemailServiceMissing(): ApiError {
  return new ApiError(
    503,
    'unavailable',
    'The voicemail service is not running in this server process (recordings and greetings are unavailable)',
  );
}
