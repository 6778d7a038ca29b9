// Public API of the recorder.
export {
  record,
  Recording,
  RecordingError,
  startRecording,
  type RecordingEnd,
  type RecordingErrorCode,
  type RecordingResult,
  type RecordOptions,
} from './recorder.js';
export {
  existingFileUnderRoot,
  prepareFileUnderRoot,
  resolveUnderRoot,
  UnsafePathError,
} from './safe-path.js';
export { defaultRecorderScheduler, type RecorderScheduler } from './timers.js';
export { WavFileWriter, type WavFileWriterOptions } from './wav-file-writer.js';
