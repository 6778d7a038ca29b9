/** Options, remote description and statistics of an RtpSession. */
import type { PacingClock } from '../clock/pacing-clock.js';
import type { MonotonicClock } from '../clock/scheduler.js';
import type { NegotiatedMedia } from '../sdp/types.js';
import type { MediaLogger } from './media-logger.js';
import type { PortPool } from './port-pool.js';
import type { RemoteReport } from './rtcp-reporter.js';

export interface RtpSessionOptions {
  /** Where the session's port pair comes from. */
  readonly pool: PortPool;
  /** The pacing loop that drives sending. Default: the process's shared one. */
  readonly pacer?: PacingClock;
  /** Arrival times for jitter and timeouts. Default: the pacer's scheduler. */
  readonly clock?: MonotonicClock;
  /** Wall clock (Unix ms) for RTCP NTP timestamps. Default `Date.now`. */
  readonly wallClock?: { now(): number };
  /**
   * End-of-media detection: no RTP for this long while the far end should be sending
   * (`onMediaTimeout`). Default 30 000 ms; 0 turns it off.
   */
  readonly mediaTimeoutMs?: number;
  /**
   * The same while the far end is not supposed to send (on hold): no RTP nor RTCP for this long.
   * Default 0 (off: a call on hold may legitimately be silent).
   */
  readonly holdTimeoutMs?: number;
  /**
   * Symmetric RTP (RFC 4961, the usual NAT traversal of SBCs): send to where the far end's
   * packets come from, not only where its SDP says. Default true.
   */
  readonly symmetric?: boolean;
  /** How long the latched source must stay silent before another one is accepted. Default 1000. */
  readonly relatchAfterMs?: number;
  /** A received DTMF press whose end packets were all lost ends after this long. Default 400. */
  readonly dtmfEndTimeoutMs?: number;
  /** Pause between the digits of one `sendDtmf` call. Default 80 ms. */
  readonly interDigitGapMs?: number;
  /** RTCP report interval before randomisation (RFC 3550 §6.2 minimum). Default 5000 ms. */
  readonly rtcpIntervalMs?: number;
  /** RTCP CNAME (RFC 7022: random per session by default). */
  readonly cname?: string;
  readonly logger?: MediaLogger;
  /** Called once the session has closed and released its ports (the engine's bookkeeping). */
  readonly onClosed?: () => void;
}

/** The far end as negotiated in SDP: `NegotiatedMedia` from answerOffer/parseAnswer fits. */
export type RemoteMedia = Pick<
  NegotiatedMedia,
  | 'codec'
  | 'payloadType'
  | 'telephoneEventPayloadType'
  | 'remoteAddress'
  | 'remotePort'
  | 'direction'
  | 'ptime'
> &
  Partial<Pick<NegotiatedMedia, 'remoteRtcpAddress' | 'remoteRtcpPort' | 'receivePayloadTypes'>>;

/** Reported once when media stops (see `mediaTimeoutMs`, `holdTimeoutMs`). */
export interface MediaTimeout {
  /** How long nothing arrived, ms. */
  readonly silentForMs: number;
  /** True when the far end was on hold (the hold timeout fired). */
  readonly onHold: boolean;
}

export interface RtpSessionStats {
  readonly packetsSent: number;
  /** Payload octets sent (RTCP's octet count, RFC 3550 §6.4.1). */
  readonly bytesSent: number;
  readonly packetsReceived: number;
  readonly bytesReceived: number;
  /** Cumulative loss of the current remote source (RFC 3550 A.3). */
  readonly packetsLost: number;
  /** Interarrival jitter of the current remote source, ms (A.8). */
  readonly jitterMs: number;
  /** Packets that were not valid RTP (dropped). */
  readonly malformed: number;
  /** Packets with a payload type that was not negotiated (dropped). */
  readonly unknownPayloadType: number;
  /** Packets from another address while the latched source was active (dropped). */
  readonly foreignSource: number;
  /** Times the session moved to a new source address. */
  readonly relatches: number;
  readonly ssrcChanges: number;
  /** RFC 3389 comfort noise packets (ignored). */
  readonly comfortNoise: number;
  readonly dtmfReceived: number;
  readonly rtcpSent: number;
  readonly rtcpReceived: number;
  readonly rtcpMalformed: number;
  readonly sendErrors: number;
  /** Exceptions from the FrameSource or sinks/listeners (caught). */
  readonly callbackErrors: number;
  /** Where we send RTP now (after latching), if anywhere. */
  readonly destination: { readonly address: string; readonly port: number } | undefined;
  readonly remoteReport: RemoteReport | undefined;
  readonly byeReceived: boolean;
}
