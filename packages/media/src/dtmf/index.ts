export { digitOfEvent, DtmfError, eventOfDigit, eventsOfDigits } from './events.js';
export { parseSipInfoDtmf } from './sip-info.js';
export { TelephoneEventDecoder, type TelephoneEventHandlers } from './telephone-event-decoder.js';
export { DEFAULT_DTMF_DURATION_MS, TelephoneEventSender } from './telephone-event-sender.js';
