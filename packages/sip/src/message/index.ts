/** The SIP message layer: parsing, model, builders, serialisation, stream framing. */
export { SipMessageError } from './errors.js';
export {
  canonicalHeaderName,
  compactHeaderName,
  headerKey,
  isListHeader,
  splitHeaderValue,
  type HeaderField,
} from './headers.js';
export {
  SipMessageBase,
  SipRequest,
  SipResponse,
  reasonPhrase,
  type HeaderPosition,
  type MessageInit,
  type RequestInit,
  type ResponseInit,
  type SipMessage,
} from './message.js';
export {
  formatNameAddr,
  isCallId,
  parseFromTo,
  parseNameAddr,
  parseNameAddrList,
  type FromTo,
  type NameAddr,
} from './name-addr.js';
export { formatParams as formatHeaderParams, parseParams as parseHeaderParams } from './params.js';
export {
  DEFAULT_MAX_HEADERS,
  DEFAULT_MAX_HEADER_LINE_LENGTH,
  DEFAULT_MAX_MESSAGE_SIZE,
  KNOWN_METHODS,
  parseMessage,
  type ParseError,
  type ParseOptions,
  type ParseResult,
  type PartialMessage,
} from './parser.js';
export {
  MAX_CSEQ,
  parseCSeq,
  parseContentType,
  parseDeltaSeconds,
  parseMaxForwards,
  type CSeq,
  type ContentType,
} from './scalar-headers.js';
export { serializeMessage, type SerializeOptions } from './serializer.js';
export { SipStreamParser, type StreamEvent, type StreamParserOptions } from './stream-parser.js';
export { quote as quoteString, unquote as unquoteString } from './syntax.js';
export {
  EMPTY_PARAMS,
  paramsFrom,
  parseUri,
  percentDecode,
  serializeUri,
  sipUri,
  tryParseUri,
  uriEquals,
  type AbsoluteUri,
  type Params,
  type SipUri,
  type SipUriInit,
  type TelUri,
  type Uri,
  type UriHeader,
} from './uri.js';
export {
  BRANCH_MAGIC_COOKIE,
  formatVia,
  isRfc3261Branch,
  parseVia,
  parseViaValue,
  type Via,
  type ViaInit,
} from './via.js';
export {
  createResponse,
  newBranch,
  newCallId,
  newTag,
  responseForParseError,
  withReceived,
  type CreateResponseOptions,
  type PacketSource,
} from './builders.js';
