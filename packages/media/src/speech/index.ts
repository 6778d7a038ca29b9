// Public API of text-to-speech.
export { EspeakSpeech, MAX_RATE, MIN_RATE, type EspeakSpeechOptions } from './espeak.js';
export {
  SpeechError,
  SpeechUnavailableError,
  type Speech,
  type SpeechErrorReason,
  type SpeechOptions,
} from './speech.js';
