// Public API of the WAV reader and writer.
export { WavFormatError } from './errors.js';
export {
  MAX_CHANNELS,
  MAX_SAMPLE_RATE,
  MIN_SAMPLE_RATE,
  WAVE_FORMAT_ALAW,
  WAVE_FORMAT_EXTENSIBLE,
  WAVE_FORMAT_IEEE_FLOAT,
  WAVE_FORMAT_MULAW,
  WAVE_FORMAT_PCM,
  type WavEncoding,
  type WavInfo,
} from './format.js';
export { decodeWav, parseWav, wavToPcm8k, type DecodedWav } from './reader.js';
export {
  buildWavHeader,
  DATA_SIZE_OFFSET,
  encodeWav,
  MAX_WAV_DATA_BYTES,
  patchWavSizes,
  RIFF_SIZE_OFFSET,
  WAV_HEADER_BYTES,
  wavSizeFields,
  writePcmLE,
  writeWavFile,
  type WavHeaderOptions,
} from './writer.js';
