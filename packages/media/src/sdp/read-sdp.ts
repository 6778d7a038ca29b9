/**
 * Reading offers and answers: sdp-transform does the line syntax (RFC 4566 §5); this file checks
 * what we rely on and turns one m= section into typed facts (formats we support, telephone-event,
 * address, direction, ptime). Everything wrong becomes an SdpNegotiationError, never a crash.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { parse, type MediaDescription, type SessionDescription } from 'sdp-transform';
import { isDirection } from './direction.js';
import { SdpNegotiationError } from './sdp-error.js';
import type { AudioCodecName, MediaDirection } from './types.js';

/** SDP bodies larger than this are refused (a real offer is a few hundred bytes). */
export const MAX_SDP_LENGTH = 64 * 1024;

/** Parses and sanity-checks an SDP body. */
export function readSdp(text: string, what: 'offer' | 'answer'): SessionDescription {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new SdpNegotiationError('malformed', `the SDP ${what} is empty`);
  }
  if (text.length > MAX_SDP_LENGTH) {
    throw new SdpNegotiationError(
      'malformed',
      `the SDP ${what} is ${String(text.length)} bytes, more than ${String(MAX_SDP_LENGTH)}`,
    );
  }
  let session: SessionDescription;
  try {
    session = parse(text);
  } catch (error) {
    throw new SdpNegotiationError(
      'malformed',
      `the SDP ${what} cannot be parsed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if ((session.version as unknown) !== 0) {
    throw new SdpNegotiationError('malformed', `the SDP ${what} does not start with v=0`);
  }
  session.media.forEach((media, index) => {
    const m = media as Partial<MediaDescription>;
    if (typeof m.type !== 'string' || typeof m.port !== 'number' || typeof m.protocol !== 'string')
      throw new SdpNegotiationError(
        'malformed',
        `m= line ${String(index + 1)} of the SDP ${what} is not "m=<media> <port> <proto> <fmt>..."`,
      );
    if (!Number.isInteger(m.port) || m.port < 0 || m.port > 65535)
      throw new SdpNegotiationError(
        'malformed',
        `m= line ${String(index + 1)} of the SDP ${what} has port ${String(m.port)}`,
      );
  });
  return session;
}

/**
 * The m= line's format list as text. sdp-transform hands a single format over as a number, so
 * this normalises it (and collapses spaces).
 */
export function payloadList(media: MediaDescription): string {
  const raw: unknown = media.payloads;
  if (typeof raw === 'number') return String(raw);
  return typeof raw === 'string' ? raw.trim().split(/\s+/).join(' ') : '';
}

/** Payload type numbers listed on the m= line, in order (RFC 4566 §5.14). */
export function formatsOf(media: MediaDescription): number[] {
  const formats: number[] = [];
  for (const token of payloadList(media).split(' ')) {
    if (!/^\d{1,3}$/.test(token)) continue;
    const pt = Number(token);
    if (pt <= 127) formats.push(pt);
  }
  return formats;
}

export interface SupportedFormats {
  /** G.711 formats in the order the SDP lists them. */
  readonly codecs: readonly { readonly payloadType: number; readonly codec: AudioCodecName }[];
  /** telephone-event at 8000 Hz, with its fmtp event list (`0-15` when absent, RFC 4733 §2.4.1). */
  readonly telephoneEvent: { readonly payloadType: number; readonly range: string } | undefined;
}

/** Static payload types of RFC 3551 table 4 that we speak, used when there is no rtpmap. */
const STATIC: Readonly<Record<number, AudioCodecName>> = { 0: 'PCMU', 8: 'PCMA' };

/** Which of the stream's formats we can use: rtpmap names win over static numbers. */
export function supportedFormats(media: MediaDescription): SupportedFormats {
  const codecs: { payloadType: number; codec: AudioCodecName }[] = [];
  let telephoneEvent: { payloadType: number; range: string } | undefined;
  for (const payloadType of formatsOf(media)) {
    const map = (media.rtp as MediaDescription['rtp'] | undefined)?.find(
      (entry) => entry.payload === payloadType,
    );
    const name = map?.codec.toUpperCase();
    const rate = map?.rate;
    const channels = map?.encoding;
    const mono = channels === undefined || channels === 1;
    if (map === undefined) {
      const codec = STATIC[payloadType];
      if (codec !== undefined) codecs.push({ payloadType, codec });
    } else if ((name === 'PCMU' || name === 'PCMA') && rate === 8000 && mono) {
      codecs.push({ payloadType, codec: name });
    } else if (name === 'TELEPHONE-EVENT' && rate === 8000 && telephoneEvent === undefined) {
      const fmtp = (media.fmtp as MediaDescription['fmtp'] | undefined)?.find(
        (entry) => entry.payload === payloadType,
      );
      const range = fmtp?.config.trim() || '0-15';
      if (rangeHasDigits(range)) telephoneEvent = { payloadType, range };
    }
  }
  return { codecs, telephoneEvent };
}

/** True when an RFC 4733 §2.4.1 event list (`0-15,66`) includes at least one DTMF digit. */
export function rangeHasDigits(range: string): boolean {
  for (const part of range.split(',')) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (match === null) continue;
    const low = Number(match[1]);
    if (low <= 15) return true;
  }
  return false;
}

export interface StreamAddress {
  readonly address: string;
  /** c= 0.0.0.0 (or ::): RFC 2543-style hold, the far end does not want media (RFC 3264 §8.4). */
  readonly hold: boolean;
}

/** The c= of a stream (media level first, then session level, RFC 4566 §5.7). */
export function streamAddress(
  media: MediaDescription,
  session: SessionDescription,
  what: string,
): StreamAddress {
  const connection = media.connection ?? session.connection;
  if (connection === undefined || typeof connection.ip !== 'string') {
    throw new SdpNegotiationError('malformed', `the ${what} has no c= line for its audio stream`);
  }
  const ip = connection.ip.trim();
  if (ip.includes('/')) {
    throw new SdpNegotiationError(
      'unsupported-address',
      `the ${what} asks for multicast (c=${ip}); only unicast RTP is supported`,
    );
  }
  const v4 = isIPv4(ip);
  const v6 = isIPv6(ip);
  if (!v4 && !v6) {
    throw new SdpNegotiationError(
      'unsupported-address',
      `the ${what} gives c= address "${ip}"; an IPv4 or IPv6 literal is required`,
    );
  }
  if ((connection.version === 4 && !v4) || (connection.version === 6 && !v6)) {
    throw new SdpNegotiationError(
      'malformed',
      `the ${what} says IP${String(connection.version)} for c= address ${ip}`,
    );
  }
  return { address: ip, hold: ip === '0.0.0.0' || ip === '::' };
}

/** The stream's direction attribute, else the session's, else sendrecv (RFC 3264 §5.1). */
export function streamDirection(
  media: MediaDescription,
  session: SessionDescription,
): MediaDirection {
  const direction: unknown = media.direction ?? session.direction;
  return isDirection(direction) ? direction : 'sendrecv';
}

/** RTCP destination: a=rtcp (RFC 3605) or the RTP port + 1 on the RTP address (RFC 3550 §11). */
export function rtcpTarget(
  media: MediaDescription,
  rtpAddress: string,
): { address: string; port: number } {
  const rtcp = media.rtcp;
  if (rtcp !== undefined && Number.isInteger(rtcp.port) && rtcp.port > 0 && rtcp.port <= 65535) {
    const address = rtcp.address !== undefined && (isIPv4(rtcp.address) || isIPv6(rtcp.address));
    return { address: address ? (rtcp.address ?? rtpAddress) : rtpAddress, port: rtcp.port };
  }
  return { address: rtpAddress, port: media.port + 1 };
}

/**
 * The packetization we send with: the far end's a=ptime (what it wants to receive, RFC 4566 §6)
 * when it is a multiple of 10 ms between 10 and 60 and within its a=maxptime; otherwise 20 ms.
 * The sender repacketizes the 20 ms frames of the pacing loop into that size.
 */
export function sendPtime(media: MediaDescription): number {
  const wanted = media.ptime;
  const max = media.maxptime;
  let ptime = 20;
  if (typeof wanted === 'number' && Number.isInteger(wanted) && wanted % 10 === 0) {
    if (wanted >= 10 && wanted <= 60) ptime = wanted;
  }
  if (typeof max === 'number' && max >= 10 && ptime > max) ptime = Math.floor(max / 10) * 10;
  return ptime;
}

/** RTP/AVP is the only profile we answer (no SRTP, no AVPF feedback). */
export function isPlainRtp(media: MediaDescription): boolean {
  return media.protocol.trim().toUpperCase() === 'RTP/AVP';
}
