export { answerOffer } from './answer-offer.js';
export { createOffer } from './create-offer.js';
export { answerDirection, receives, sends } from './direction.js';
export { parseAnswer } from './parse-answer.js';
export { SdpNegotiationError, type SdpErrorCode } from './sdp-error.js';
export type {
  AnswerResult,
  AudioCodecName,
  LocalMedia,
  MediaDirection,
  NegotiatedMedia,
  OfferResult,
  ReceivePayloadType,
  SdpOrigin,
} from './types.js';
