export { silentMediaLogger, type MediaLogger } from './media-logger.js';
export {
  PortPool,
  PortPoolExhaustedError,
  type PortPair,
  type PortPoolOptions,
  type PortRange,
} from './port-pool.js';
export { ReceiveStats } from './receive-stats.js';
export {
  buildBye,
  buildReport,
  ntpFromUnixMs,
  ntpMiddle,
  parseRtcp,
  type RtcpPacket,
  type RtcpParseResult,
  type RtcpReportBlock,
  type RtcpSenderInfo,
} from './rtcp.js';
export { RTCP_INTERVAL_MS, type RemoteReport } from './rtcp-reporter.js';
export {
  buildRtpPacket,
  parseRtp,
  RtpHeader,
  RTP_HEADER_SIZE,
  writeRtpHeader,
  type RtpPacketFields,
  type RtpParseStatus,
} from './rtp-packet.js';
export { MediaEngine, type MediaEngineOptions } from './media-engine.js';
export { MediaSessionClosedError, RtpSession } from './rtp-session.js';
export type {
  MediaTimeout,
  RemoteMedia,
  RtpSessionOptions,
  RtpSessionStats,
} from './session-types.js';
