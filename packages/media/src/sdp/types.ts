/**
 * What the SDP functions take and return. SDP itself (RFC 4566) stays inside sdp/: the rest of
 * the engine works with these typed results.
 */

/** RFC 3264 §5.1 / RFC 4566 §6 stream direction, always from the point of view of its author. */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** The audio codecs the engine speaks (G.711, RFC 3551 §4.5.14). */
export type AudioCodecName = 'PCMU' | 'PCMA';

/** The o= line values that must survive across the SDPs of one dialog (RFC 3264 §8). */
export interface SdpOrigin {
  readonly username: string;
  /** Numeric string, kept for the whole dialog. */
  readonly sessionId: string;
  /** Incremented by one for every new SDP we send in the dialog. */
  readonly sessionVersion: number;
}

/** Our side of a negotiation. */
export interface LocalMedia {
  /** The address the far end sends RTP to (c= and o=): an IPv4 or IPv6 literal. */
  readonly address: string;
  /** Our RTP port (RTCP is on port + 1, RFC 3550 §11). */
  readonly port: number;
  /** Codecs we accept, in our order of preference (used for offers). Default PCMU, PCMA. */
  readonly codecs?: readonly AudioCodecName[];
  /** Offer/accept RFC 4733 telephone-event. Default true. */
  readonly telephoneEvent?: boolean;
  /** Payload type for telephone-event in our offers (answers keep the offerer's). Default 101. */
  readonly telephoneEventPayloadType?: number;
  /**
   * What we want: `sendrecv` normally, `sendonly` to put the other party on hold, `recvonly`,
   * `inactive`. Default `sendrecv`. An answer never grants more than the offer allows.
   */
  readonly direction?: MediaDirection;
  /**
   * The origin of the previous SDP we sent in this dialog: the new one keeps its session id and
   * increments its version (RFC 3264 §8). Omit for the first SDP of a dialog.
   */
  readonly previous?: SdpOrigin;
  /** o= username. Default `-` (RFC 4566 §5.2: no user ids). */
  readonly username?: string;
  /** s= line. Default `Switchboard`. */
  readonly sessionName?: string;
}

/** A payload type we may receive, and what it carries. */
export interface ReceivePayloadType {
  readonly payloadType: number;
  readonly kind: AudioCodecName | 'telephone-event';
}

/** The outcome of a negotiation: everything an RtpSession needs (`setRemote`). */
export interface NegotiatedMedia {
  /** The codec we send. */
  readonly codec: AudioCodecName;
  /** Payload type we send `codec` with (the far end's numbering, RFC 3264 §6.1). */
  readonly payloadType: number;
  /** Payload type we send DTMF with; undefined when telephone-event was not negotiated. */
  readonly telephoneEventPayloadType: number | undefined;
  /** The events the far end accepts (fmtp, RFC 4733 §2.4.1), e.g. `0-16`. */
  readonly telephoneEventRange: string | undefined;
  /** Payload types we accept from the far end (our own numbering). */
  readonly receivePayloadTypes: readonly ReceivePayloadType[];
  /** Where to send RTP (c= of the stream, else of the session). `0.0.0.0`/`::` when on hold. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Where to send RTCP: a=rtcp (RFC 3605) or RTP port + 1. */
  readonly remoteRtcpAddress: string;
  readonly remoteRtcpPort: number;
  /** Our direction (what we put, or would put, in our SDP). */
  readonly direction: MediaDirection;
  /** The far end's direction as it declared it (c=0.0.0.0 counts as not receiving). */
  readonly remoteDirection: MediaDirection;
  /** The far end put the stream on hold (sendonly, inactive, or RFC 2543 c=0.0.0.0). */
  readonly remoteHold: boolean;
  /** Packetization time we send with, ms (the far end's a=ptime when we can honour it, else 20). */
  readonly ptime: number;
}

export interface AnswerResult {
  /** The answer to send back (CRLF line ends). */
  readonly sdp: string;
  readonly media: NegotiatedMedia;
  /** Keep it for the next SDP of the dialog (`LocalMedia.previous`). */
  readonly origin: SdpOrigin;
  /** Index of the m= line we accepted (others were rejected with port 0). */
  readonly streamIndex: number;
}

export interface OfferResult {
  readonly sdp: string;
  readonly origin: SdpOrigin;
}
