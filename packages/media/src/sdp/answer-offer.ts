/**
 * The answerer's side of RFC 3264 (§6): accept the first audio stream we can use, reject every
 * other m= line with port 0 (same number and order of m= lines as the offer), choose one G.711
 * codec in the offerer's order of preference, keep the offerer's telephone-event payload type and
 * event list (RFC 4733 §2.4.1), and mirror the direction (hold: §8.4).
 */
import { type MediaDescription, type SessionDescription } from 'sdp-transform';
import { writeSdp } from './sdp-writer.js';
import { answerDirection, directionOf, sends } from './direction.js';
import { nextOrigin } from './origin.js';
import {
  isPlainRtp,
  payloadList,
  readSdp,
  rtcpTarget,
  sendPtime,
  streamAddress,
  streamDirection,
  supportedFormats,
} from './read-sdp.js';
import { SdpNegotiationError } from './sdp-error.js';
import type {
  AnswerResult,
  AudioCodecName,
  LocalMedia,
  MediaDirection,
  NegotiatedMedia,
  ReceivePayloadType,
} from './types.js';
import { checkLocal, DEFAULT_CODECS, describeSession, RECEIVE_PTIME } from './write-sdp.js';

/**
 * Answers an SDP offer. Throws SdpNegotiationError: status 488 when nothing in the offer is
 * usable (no audio stream, only codecs we lack, multicast or FQDN addresses), 400 when the SDP is
 * malformed.
 */
export function answerOffer(offerSdp: string, local: LocalMedia): AnswerResult {
  checkLocal(local);
  const offer = readSdp(offerSdp, 'offer');
  const accepted = new Set<AudioCodecName>(local.codecs ?? DEFAULT_CODECS);
  const wantDtmf = local.telephoneEvent ?? true;

  let chosen: { index: number; media: NegotiatedMedia; description: MediaDescription } | undefined;
  let sawAudio = false;
  let lastProblem: SdpNegotiationError | undefined;

  for (const [index, media] of offer.media.entries()) {
    if (media.type !== 'audio' || media.port === 0) continue;
    sawAudio = true;
    if (!isPlainRtp(media)) {
      lastProblem = new SdpNegotiationError(
        'no-acceptable-codec',
        `the offer's audio stream uses ${media.protocol}; only RTP/AVP is supported (no SRTP)`,
      );
      continue;
    }
    const formats = supportedFormats(media);
    const codec = formats.codecs.find((candidate) => accepted.has(candidate.codec));
    if (codec === undefined) {
      lastProblem = new SdpNegotiationError(
        'no-acceptable-codec',
        `the offer's audio stream has no codec we support (offered: ${payloadList(media) || 'none'};` +
          ` we accept ${[...accepted].join(', ')} and telephone-event)`,
      );
      continue;
    }
    const remote = streamAddress(media, offer, 'offer');
    const declared = streamDirection(media, offer);
    // RFC 3264 §8.4: c=0.0.0.0 is the old way of saying "do not send to me".
    const remoteDirection: MediaDirection = remote.hold
      ? directionOf(sends(declared), false)
      : declared;
    const direction = answerDirection(local.direction ?? 'sendrecv', remoteDirection);
    const telephoneEvent = wantDtmf ? formats.telephoneEvent : undefined;
    const rtcp = rtcpTarget(media, remote.address);
    const receivePayloadTypes: ReceivePayloadType[] = [
      { payloadType: codec.payloadType, kind: codec.codec },
    ];
    if (telephoneEvent !== undefined) {
      receivePayloadTypes.push({
        payloadType: telephoneEvent.payloadType,
        kind: 'telephone-event',
      });
    }
    const negotiated: NegotiatedMedia = {
      codec: codec.codec,
      payloadType: codec.payloadType,
      telephoneEventPayloadType: telephoneEvent?.payloadType,
      telephoneEventRange: telephoneEvent?.range,
      receivePayloadTypes,
      remoteAddress: remote.address,
      remotePort: media.port,
      remoteRtcpAddress: rtcp.address,
      remoteRtcpPort: rtcp.port,
      direction,
      remoteDirection,
      remoteHold: remoteDirection === 'sendonly' || remoteDirection === 'inactive',
      ptime: sendPtime(media),
    };
    const description: MediaDescription = {
      type: 'audio',
      port: local.port,
      protocol: media.protocol,
      payloads: [codec.payloadType, telephoneEvent?.payloadType]
        .filter((pt) => pt !== undefined)
        .join(' '),
      rtp: [{ payload: codec.payloadType, codec: codec.codec, rate: 8000 }],
      fmtp: [],
      ptime: RECEIVE_PTIME,
      direction,
    };
    if (telephoneEvent !== undefined) {
      description.rtp.push({
        payload: telephoneEvent.payloadType,
        codec: 'telephone-event',
        rate: 8000,
      });
      description.fmtp.push({ payload: telephoneEvent.payloadType, config: telephoneEvent.range });
    }
    chosen = { index, media: negotiated, description };
    break;
  }

  if (chosen === undefined) {
    if (lastProblem !== undefined) throw lastProblem;
    throw new SdpNegotiationError(
      'no-audio',
      sawAudio ? 'the offer has no usable audio stream' : 'the offer has no audio stream',
    );
  }
  const accept = chosen;
  const origin = nextOrigin(local.previous, local.username);
  const media: MediaDescription[] = offer.media.map((offered, index) =>
    index === accept.index ? accept.description : rejected(offered),
  );
  const answer: SessionDescription = describeSession(local, origin, media);
  return { sdp: writeSdp(answer), media: accept.media, origin, streamIndex: accept.index };
}

/** RFC 3264 §6: a rejected stream keeps its media, proto and formats, with port 0. */
function rejected(offered: MediaDescription): MediaDescription {
  return {
    type: offered.type,
    port: 0,
    protocol: offered.protocol,
    payloads: payloadList(offered) || '0',
    rtp: [],
    fmtp: [],
  };
}
