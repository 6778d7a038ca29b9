/** Pieces shared by offers and answers we write (RFC 4566 §5). */
import { isIPv4, isIPv6 } from 'node:net';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import type { AudioCodecName, LocalMedia, SdpOrigin } from './types.js';

export const DEFAULT_CODECS: readonly AudioCodecName[] = ['PCMU', 'PCMA'];
export const DEFAULT_TELEPHONE_EVENT_PT = 101;
/** What we ask the far end to send (a=ptime): the 20 ms of the pacing loop. */
export const RECEIVE_PTIME = 20;
/** RFC 4733 §2.4.1 events we accept: DTMF 0-15 and flash (16). */
export const TELEPHONE_EVENT_RANGE = '0-16';

/** Rejects a LocalMedia that would produce an SDP nobody can use. */
export function checkLocal(local: LocalMedia): void {
  if (!isIPv4(local.address) && !isIPv6(local.address)) {
    throw new TypeError(`local media address must be an IP literal, got "${local.address}"`);
  }
  if (!Number.isInteger(local.port) || local.port < 1 || local.port > 65535) {
    throw new RangeError(`local RTP port must be 1-65535, got ${String(local.port)}`);
  }
  if (local.codecs?.length === 0) throw new RangeError('local media lists no codecs');
  const pt = local.telephoneEventPayloadType;
  if (pt !== undefined && (!Number.isInteger(pt) || pt < 96 || pt > 127)) {
    throw new RangeError(
      `telephone-event payload type must be dynamic (96-127), got ${String(pt)}`,
    );
  }
}

/** The session part of an SDP around the given m= sections; c= at session level. */
export function describeSession(
  local: LocalMedia,
  origin: SdpOrigin,
  media: MediaDescription[],
): SessionDescription {
  const ipVer = isIPv6(local.address) ? 6 : 4;
  return {
    version: 0,
    origin: {
      username: origin.username,
      sessionId: origin.sessionId,
      sessionVersion: origin.sessionVersion,
      netType: 'IN',
      ipVer,
      address: local.address,
    },
    name: local.sessionName?.replace(/[\r\n]/g, ' ').trim() || 'Switchboard',
    connection: { version: ipVer, ip: local.address },
    timing: { start: 0, stop: 0 },
    media,
  };
}
