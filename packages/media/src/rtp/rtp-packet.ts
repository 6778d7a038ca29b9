/**
 * RTP fixed header (RFC 3550 §5.1), read into a reused object and written into a reused buffer:
 * the receive and send paths run per packet and allocate nothing here. Reading never throws; a
 * malformed packet gets a status the session counts before dropping it.
 *
 *   0                   1                   2                   3
 *   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *   |                           timestamp                           |
 *   |           synchronization source (SSRC) identifier            |
 *   |            contributing source (CSRC) identifiers (CC×)       |
 *   [ header extension: profile(16) length(16, words) data ]  (X=1, §5.3.1)
 *   payload ... [ padding, last octet = padding count ]       (P=1)
 */

export const RTP_HEADER_SIZE = 12;
export const RTP_VERSION = 2;

/** Why a packet was dropped; `ok` when it parsed. */
export type RtpParseStatus =
  'ok' | 'too-short' | 'bad-version' | 'bad-csrc' | 'bad-extension' | 'bad-padding';

/** The header fields of one packet; reused by the parser (copy what you keep). */
export class RtpHeader {
  padding = false;
  extension = false;
  csrcCount = 0;
  marker = false;
  payloadType = 0;
  sequence = 0;
  timestamp = 0;
  ssrc = 0;
  /** Where the payload starts in the packet (after CSRCs and extension). */
  payloadOffset = 0;
  /** Payload bytes, padding excluded. */
  payloadLength = 0;
  /** Header extension profile (§5.3.1) when `extension`, else 0. */
  extensionProfile = 0;
}

/**
 * Reads the header of `packet[0 .. length)` into `out`. Returns `ok` or why the packet is not
 * valid RTP (§5.1 and the checks of appendix A.1 that need no state).
 */
export function parseRtp(packet: Uint8Array, length: number, out: RtpHeader): RtpParseStatus {
  if (length > packet.length) length = packet.length;
  if (length < RTP_HEADER_SIZE) return 'too-short';
  const b0 = packet[0] ?? 0;
  if (b0 >> 6 !== RTP_VERSION) return 'bad-version';
  const padding = (b0 & 0x20) !== 0;
  const extension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_SIZE + csrcCount * 4;
  if (offset > length) return 'bad-csrc';
  let extensionProfile = 0;
  if (extension) {
    if (offset + 4 > length) return 'bad-extension';
    extensionProfile = ((packet[offset] ?? 0) << 8) | (packet[offset + 1] ?? 0);
    const words = ((packet[offset + 2] ?? 0) << 8) | (packet[offset + 3] ?? 0);
    offset += 4 + words * 4;
    if (offset > length) return 'bad-extension';
  }
  let end = length;
  if (padding) {
    const count = packet[length - 1] ?? 0;
    // The count includes itself, so 0 is invalid; it cannot eat into the header.
    if (count === 0 || end - count < offset) return 'bad-padding';
    end -= count;
  }
  const b1 = packet[1] ?? 0;
  out.padding = padding;
  out.extension = extension;
  out.csrcCount = csrcCount;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequence = ((packet[2] ?? 0) << 8) | (packet[3] ?? 0);
  out.timestamp = readUint32(packet, 4);
  out.ssrc = readUint32(packet, 8);
  out.payloadOffset = offset;
  out.payloadLength = end - offset;
  out.extensionProfile = extensionProfile;
  return 'ok';
}

/**
 * Writes a 12-byte header (no CSRC, extension or padding: what we send) at the start of `buf`.
 * Returns the header size, where the payload goes.
 */
export function writeRtpHeader(
  buf: Uint8Array,
  marker: boolean,
  payloadType: number,
  sequence: number,
  timestamp: number,
  ssrc: number,
): number {
  buf[0] = RTP_VERSION << 6;
  buf[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  buf[2] = (sequence >>> 8) & 0xff;
  buf[3] = sequence & 0xff;
  writeUint32(buf, 4, timestamp);
  writeUint32(buf, 8, ssrc);
  return RTP_HEADER_SIZE;
}

export function readUint32(buf: Uint8Array, offset: number): number {
  return (
    (((buf[offset] ?? 0) << 24) |
      ((buf[offset + 1] ?? 0) << 16) |
      ((buf[offset + 2] ?? 0) << 8) |
      (buf[offset + 3] ?? 0)) >>>
    0
  );
}

export function writeUint32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = (value >>> 24) & 0xff;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}

/** Every field of a packet, for building arbitrary packets (tests, tools); allocates. */
export interface RtpPacketFields {
  readonly payloadType: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly marker?: boolean;
  readonly csrcs?: readonly number[];
  readonly extension?: { readonly profile: number; readonly data: Uint8Array };
  /** Padding bytes to append (1-255), the last one holding the count. */
  readonly padding?: number;
  readonly payload: Uint8Array;
}

/** Builds a complete packet with any header features (the send path uses writeRtpHeader). */
export function buildRtpPacket(fields: RtpPacketFields): Uint8Array {
  const csrcs = fields.csrcs ?? [];
  if (csrcs.length > 15) throw new RangeError('at most 15 CSRCs');
  const ext = fields.extension;
  if (ext !== undefined && ext.data.length % 4 !== 0) {
    throw new RangeError('header extension data must be a multiple of 4 bytes');
  }
  const padding = fields.padding ?? 0;
  if (padding < 0 || padding > 255) throw new RangeError('padding must be 0-255 bytes');
  const extSize = ext === undefined ? 0 : 4 + ext.data.length;
  const size = RTP_HEADER_SIZE + csrcs.length * 4 + extSize + fields.payload.length + padding;
  const buf = new Uint8Array(size);
  writeRtpHeader(
    buf,
    fields.marker ?? false,
    fields.payloadType,
    fields.sequence,
    fields.timestamp,
    fields.ssrc,
  );
  buf[0] =
    (RTP_VERSION << 6) | (padding > 0 ? 0x20 : 0) | (ext !== undefined ? 0x10 : 0) | csrcs.length;
  let offset = RTP_HEADER_SIZE;
  for (const csrc of csrcs) {
    writeUint32(buf, offset, csrc);
    offset += 4;
  }
  if (ext !== undefined) {
    buf[offset] = (ext.profile >>> 8) & 0xff;
    buf[offset + 1] = ext.profile & 0xff;
    const words = ext.data.length / 4;
    buf[offset + 2] = (words >>> 8) & 0xff;
    buf[offset + 3] = words & 0xff;
    buf.set(ext.data, offset + 4);
    offset += extSize;
  }
  buf.set(fields.payload, offset);
  if (padding > 0) buf[size - 1] = padding;
  return buf;
}
