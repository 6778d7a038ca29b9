/**
 * The offerer's side of RFC 3264 (§5) for outgoing legs and re-INVITEs: one audio stream with our
 * codecs in order of preference and telephone-event. Re-offers pass the previous origin so the
 * o= line keeps its session id and the version goes up by one (§8).
 */
import { type MediaDescription } from 'sdp-transform';
import { writeSdp } from './sdp-writer.js';
import { nextOrigin } from './origin.js';
import type { LocalMedia, OfferResult } from './types.js';
import {
  checkLocal,
  DEFAULT_CODECS,
  DEFAULT_TELEPHONE_EVENT_PT,
  describeSession,
  RECEIVE_PTIME,
  TELEPHONE_EVENT_RANGE,
} from './write-sdp.js';

const STATIC_PT = { PCMU: 0, PCMA: 8 } as const;

export function createOffer(local: LocalMedia): OfferResult {
  checkLocal(local);
  const codecs = [...new Set(local.codecs ?? DEFAULT_CODECS)];
  const media: MediaDescription = {
    type: 'audio',
    port: local.port,
    protocol: 'RTP/AVP',
    payloads: '',
    rtp: codecs.map((codec) => ({ payload: STATIC_PT[codec], codec, rate: 8000 })),
    fmtp: [],
    ptime: RECEIVE_PTIME,
    direction: local.direction ?? 'sendrecv',
  };
  if (local.telephoneEvent ?? true) {
    const payload = local.telephoneEventPayloadType ?? DEFAULT_TELEPHONE_EVENT_PT;
    media.rtp.push({ payload, codec: 'telephone-event', rate: 8000 });
    media.fmtp.push({ payload, config: TELEPHONE_EVENT_RANGE });
  }
  media.payloads = media.rtp.map((entry) => String(entry.payload)).join(' ');
  const origin = nextOrigin(local.previous, local.username);
  return { sdp: writeSdp(describeSession(local, origin, [media])), origin };
}
