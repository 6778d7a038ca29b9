/**
 * RTCP (RFC 3550 §6): the sender and receiver reports we send every few seconds as compound
 * packets (SR or RR first, then SDES with our CNAME: §6.1), BYE when a session closes, and the
 * parser for what the far end sends. RTCP is low rate (one packet per ~5 s), so these functions
 * allocate freely.
 */
import { readUint32, writeUint32 } from './rtp-packet.js';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;

/** Seconds between 1900 (NTP era 0) and 1970 (Unix epoch). */
const NTP_UNIX_OFFSET = 2_208_988_800;

/** One reception report block (§6.4.1). */
export interface RtcpReportBlock {
  /** The source this block is about. */
  readonly ssrc: number;
  /** Fraction of packets lost since the previous report, 0-255 (÷256). */
  readonly fractionLost: number;
  /** Cumulative packets lost (signed 24-bit: duplicates can make it negative). */
  readonly cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | max seq). */
  readonly highestSequence: number;
  /** Interarrival jitter, timestamp units (§6.4.1, A.8). */
  readonly jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from that source, 0 if none. */
  readonly lastSr: number;
  /** Delay since that SR, 1/65536 s. */
  readonly delaySinceLastSr: number;
}

export interface RtcpSenderInfo {
  /** NTP timestamp, seconds part (since 1900). */
  readonly ntpSeconds: number;
  /** NTP timestamp, fraction of a second × 2^32. */
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
}

export type RtcpPacket =
  | {
      readonly type: 'sr';
      readonly ssrc: number;
      readonly sender: RtcpSenderInfo;
      readonly reports: RtcpReportBlock[];
    }
  | { readonly type: 'rr'; readonly ssrc: number; readonly reports: RtcpReportBlock[] }
  | { readonly type: 'sdes'; readonly chunks: { ssrc: number; cname: string | undefined }[] }
  | { readonly type: 'bye'; readonly ssrcs: number[]; readonly reason: string | undefined }
  | { readonly type: 'other'; readonly packetType: number };

export type RtcpParseResult =
  | { readonly ok: true; readonly packets: RtcpPacket[] }
  | { readonly ok: false; readonly reason: string };

/** NTP timestamp of a Unix time in ms (§4). */
export function ntpFromUnixMs(ms: number): { seconds: number; fraction: number } {
  const totalSeconds = ms / 1000 + NTP_UNIX_OFFSET;
  const seconds = Math.floor(totalSeconds);
  const fraction = Math.floor((totalSeconds - seconds) * 2 ** 32) >>> 0;
  return { seconds: seconds >>> 0, fraction };
}

/** The middle 32 bits of an NTP timestamp: the LSR field of report blocks (§6.4.1). */
export function ntpMiddle(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

export interface ReportContent {
  readonly ssrc: number;
  /** Present when we sent RTP since the last report: an SR, else an RR (§6.4). */
  readonly sender?: RtcpSenderInfo;
  readonly reports: readonly RtcpReportBlock[];
  readonly cname: string;
}

/** A compound SR/RR + SDES(CNAME) packet (§6.1). At most 31 report blocks. */
export function buildReport(content: ReportContent): Uint8Array {
  const reports = content.reports.slice(0, 31);
  const first = content.sender === undefined ? 8 + reports.length * 24 : 28 + reports.length * 24;
  const sdes = sdesChunk(content.ssrc, content.cname);
  const buf = new Uint8Array(first + 4 + sdes.length);
  let offset = 0;
  writeHeader(buf, offset, reports.length, content.sender ? RTCP_SR : RTCP_RR, first);
  writeUint32(buf, offset + 4, content.ssrc);
  offset += 8;
  if (content.sender !== undefined) {
    const s = content.sender;
    writeUint32(buf, offset, s.ntpSeconds);
    writeUint32(buf, offset + 4, s.ntpFraction);
    writeUint32(buf, offset + 8, s.rtpTimestamp);
    writeUint32(buf, offset + 12, s.packetCount);
    writeUint32(buf, offset + 16, s.octetCount);
    offset += 20;
  }
  for (const block of reports) {
    writeUint32(buf, offset, block.ssrc);
    const lost = Math.max(-0x800000, Math.min(0x7fffff, Math.trunc(block.cumulativeLost)));
    writeUint32(buf, offset + 4, ((block.fractionLost & 0xff) << 24) | (lost & 0xffffff));
    writeUint32(buf, offset + 8, block.highestSequence);
    writeUint32(buf, offset + 12, Math.min(0xffffffff, Math.max(0, Math.round(block.jitter))));
    writeUint32(buf, offset + 16, block.lastSr);
    writeUint32(buf, offset + 20, block.delaySinceLastSr);
    offset += 24;
  }
  writeHeader(buf, offset, 1, RTCP_SDES, 4 + sdes.length);
  buf.set(sdes, offset + 4);
  return buf;
}

/** A compound RR + SDES + BYE packet for a session that is closing (§6.6). */
export function buildBye(ssrc: number, cname: string, reason?: string): Uint8Array {
  const report = buildReport({ ssrc, reports: [], cname });
  const reasonBytes = reason === undefined ? new Uint8Array(0) : utf8(reason).subarray(0, 255);
  const byeBody = 4 + (reasonBytes.length > 0 ? pad4(1 + reasonBytes.length) : 0);
  const buf = new Uint8Array(report.length + 4 + byeBody);
  buf.set(report, 0);
  const offset = report.length;
  writeHeader(buf, offset, 1, RTCP_BYE, 4 + byeBody);
  writeUint32(buf, offset + 4, ssrc);
  if (reasonBytes.length > 0) {
    buf[offset + 8] = reasonBytes.length;
    buf.set(reasonBytes, offset + 9);
  }
  return buf;
}

/** Parses a compound RTCP packet (validity checks of appendix A.2). Never throws. */
export function parseRtcp(packet: Uint8Array): RtcpParseResult {
  if (packet.length < 8) return { ok: false, reason: 'shorter than an RTCP header' };
  const packets: RtcpPacket[] = [];
  let offset = 0;
  while (offset < packet.length) {
    if (packet.length - offset < 4) return { ok: false, reason: 'trailing bytes after a packet' };
    const b0 = packet[offset] ?? 0;
    if (b0 >> 6 !== 2) return { ok: false, reason: `version ${String(b0 >> 6)}` };
    const count = b0 & 0x1f;
    const type = packet[offset + 1] ?? 0;
    const size = ((((packet[offset + 2] ?? 0) << 8) | (packet[offset + 3] ?? 0)) + 1) * 4;
    const end = offset + size;
    if (end > packet.length) return { ok: false, reason: 'a length field runs past the end' };
    // A.2: padding only in the last packet of a compound.
    if ((b0 & 0x20) !== 0 && end !== packet.length) {
      return { ok: false, reason: 'padding before the last packet' };
    }
    if (packets.length === 0 && type !== RTCP_SR && type !== RTCP_RR) {
      return { ok: false, reason: 'a compound packet must start with SR or RR' };
    }
    const body = packet.subarray(offset, end);
    const parsed = parseOne(type, count, body);
    if (parsed === undefined) return { ok: false, reason: `packet type ${String(type)} too short` };
    packets.push(parsed);
    offset = end;
  }
  return { ok: true, packets };
}

function parseOne(type: number, count: number, body: Uint8Array): RtcpPacket | undefined {
  if (type === RTCP_SR) {
    if (body.length < 28 + count * 24) return undefined;
    return {
      type: 'sr',
      ssrc: readUint32(body, 4),
      sender: {
        ntpSeconds: readUint32(body, 8),
        ntpFraction: readUint32(body, 12),
        rtpTimestamp: readUint32(body, 16),
        packetCount: readUint32(body, 20),
        octetCount: readUint32(body, 24),
      },
      reports: readBlocks(body, 28, count),
    };
  }
  if (type === RTCP_RR) {
    if (body.length < 8 + count * 24) return undefined;
    return { type: 'rr', ssrc: readUint32(body, 4), reports: readBlocks(body, 8, count) };
  }
  if (type === RTCP_SDES) return { type: 'sdes', chunks: readSdes(body, count) };
  if (type === RTCP_BYE) {
    if (body.length < 4 + count * 4) return undefined;
    const ssrcs: number[] = [];
    for (let i = 0; i < count; i += 1) ssrcs.push(readUint32(body, 4 + i * 4));
    const at = 4 + count * 4;
    let reason: string | undefined;
    if (body.length > at) {
      const length = body[at] ?? 0;
      reason = new TextDecoder().decode(
        body.subarray(at + 1, Math.min(body.length, at + 1 + length)),
      );
    }
    return { type: 'bye', ssrcs, reason };
  }
  return { type: 'other', packetType: type };
}

function readBlocks(body: Uint8Array, at: number, count: number): RtcpReportBlock[] {
  const blocks: RtcpReportBlock[] = [];
  for (let i = 0; i < count; i += 1) {
    const o = at + i * 24;
    const word = readUint32(body, o + 4);
    const lost = word & 0xffffff;
    blocks.push({
      ssrc: readUint32(body, o),
      fractionLost: word >>> 24,
      cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
      highestSequence: readUint32(body, o + 8),
      jitter: readUint32(body, o + 12),
      lastSr: readUint32(body, o + 16),
      delaySinceLastSr: readUint32(body, o + 20),
    });
  }
  return blocks;
}

function readSdes(body: Uint8Array, count: number): { ssrc: number; cname: string | undefined }[] {
  const chunks: { ssrc: number; cname: string | undefined }[] = [];
  let o = 4;
  for (let i = 0; i < count && o + 4 <= body.length; i += 1) {
    const ssrc = readUint32(body, o);
    o += 4;
    let cname: string | undefined;
    while (o < body.length) {
      const item = body[o] ?? 0;
      if (item === 0) break;
      const length = body[o + 1] ?? 0;
      if (item === 1) cname = new TextDecoder().decode(body.subarray(o + 2, o + 2 + length));
      o += 2 + length;
    }
    o = pad4(o + 1); // the END item, then up to the next 32-bit boundary
    chunks.push({ ssrc, cname });
  }
  return chunks;
}

function sdesChunk(ssrc: number, cname: string): Uint8Array {
  const text = utf8(cname).subarray(0, 255);
  // SSRC, CNAME item (type, length, text), END (at least one zero octet), pad to 32 bits.
  const size = pad4(4 + 2 + text.length + 1);
  const chunk = new Uint8Array(size);
  writeUint32(chunk, 0, ssrc);
  chunk[4] = 1;
  chunk[5] = text.length;
  chunk.set(text, 6);
  return chunk;
}

function writeHeader(
  buf: Uint8Array,
  offset: number,
  count: number,
  type: number,
  size: number,
): void {
  buf[offset] = (2 << 6) | (count & 0x1f);
  buf[offset + 1] = type;
  const words = size / 4 - 1;
  buf[offset + 2] = (words >>> 8) & 0xff;
  buf[offset + 3] = words & 0xff;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
