// Public API of the resampler.
export {
  floatToInt16,
  int16ToFloat,
  resample,
  resampleInt16,
  type ResampleOptions,
} from './resampler.js';
