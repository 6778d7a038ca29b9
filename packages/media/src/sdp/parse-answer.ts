/**
 * The offerer reading the answer (RFC 3264 §7): the stream we offered must come back with the
 * same index and a non-zero port, and with at least one of our codecs. We send with the first
 * codec the answer lists (its payload type numbering) and receive any codec of our offer.
 */
import { answerDirection, directionOf, sends } from './direction.js';
import {
  payloadList,
  readSdp,
  rtcpTarget,
  sendPtime,
  streamAddress,
  streamDirection,
  supportedFormats,
} from './read-sdp.js';
import { SdpNegotiationError } from './sdp-error.js';
import type { MediaDirection, NegotiatedMedia, ReceivePayloadType } from './types.js';

export function parseAnswer(answerSdp: string, offerSdp: string): NegotiatedMedia {
  const offer = readSdp(offerSdp, 'offer');
  const answer = readSdp(answerSdp, 'answer');
  const index = offer.media.findIndex((media) => media.type === 'audio' && media.port !== 0);
  const offered = offer.media[index];
  if (offered === undefined) {
    throw new SdpNegotiationError('no-audio', 'our offer has no audio stream to match');
  }
  if (answer.media.length !== offer.media.length) {
    throw new SdpNegotiationError(
      'answer-mismatch',
      `the answer has ${String(answer.media.length)} m= lines for the ${String(offer.media.length)} offered (RFC 3264 §6)`,
    );
  }
  const media = answer.media[index];
  if (media?.type !== 'audio') {
    throw new SdpNegotiationError('answer-mismatch', 'the answer reorders the m= lines');
  }
  if (media.port === 0) {
    throw new SdpNegotiationError('rejected', 'the far end rejected the audio stream (port 0)');
  }
  const ours = supportedFormats(offered);
  const theirs = supportedFormats(media);
  const offeredCodecs = new Set(ours.codecs.map((entry) => entry.codec));
  const codec = theirs.codecs.find((entry) => offeredCodecs.has(entry.codec));
  if (codec === undefined) {
    throw new SdpNegotiationError(
      'no-acceptable-codec',
      `the answer lists no codec of our offer (answer: ${payloadList(media) || 'none'})`,
    );
  }
  const telephoneEvent = ours.telephoneEvent !== undefined ? theirs.telephoneEvent : undefined;
  const receivePayloadTypes: ReceivePayloadType[] = ours.codecs.map((entry) => ({
    payloadType: entry.payloadType,
    kind: entry.codec,
  }));
  if (telephoneEvent !== undefined && ours.telephoneEvent !== undefined) {
    receivePayloadTypes.push({
      payloadType: ours.telephoneEvent.payloadType,
      kind: 'telephone-event',
    });
  }
  const remote = streamAddress(media, answer, 'answer');
  const declared = streamDirection(media, answer);
  const remoteDirection: MediaDirection = remote.hold
    ? directionOf(sends(declared), false)
    : declared;
  const rtcp = rtcpTarget(media, remote.address);
  return {
    codec: codec.codec,
    payloadType: codec.payloadType,
    telephoneEventPayloadType: telephoneEvent?.payloadType,
    telephoneEventRange: telephoneEvent?.range,
    receivePayloadTypes,
    remoteAddress: remote.address,
    remotePort: media.port,
    remoteRtcpAddress: rtcp.address,
    remoteRtcpPort: rtcp.port,
    direction: answerDirection(streamDirection(offered, offer), remoteDirection),
    remoteDirection,
    remoteHold: remoteDirection === 'sendonly' || remoteDirection === 'inactive',
    ptime: sendPtime(media),
  };
}
