/**
 * Reads the RTP packets out of the captures that come with sip-tester (classic libpcap files,
 * Ethernet, IPv4, UDP), so a test knows exactly what SIPp's `play_pcap_audio` sent: the
 * reference a recording is compared with.
 */
import { readFile } from 'node:fs/promises';

export interface CapturedRtp {
  readonly payloadType: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly payload: Buffer;
}

const PCAP_MAGIC_LE = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;

export async function readRtpCapture(path: string): Promise<CapturedRtp[]> {
  const bytes = await readFile(path);
  if (bytes.readUInt32LE(0) !== PCAP_MAGIC_LE) {
    throw new Error(`${path} is not a little-endian microsecond pcap file`);
  }
  if (bytes.readUInt32LE(20) !== LINKTYPE_ETHERNET) {
    throw new Error(`${path} does not hold Ethernet frames`);
  }
  const packets: CapturedRtp[] = [];
  let offset = 24;
  while (offset + 16 <= bytes.length) {
    const length = bytes.readUInt32LE(offset + 8);
    const frame = bytes.subarray(offset + 16, offset + 16 + length);
    offset += 16 + length;
    const ip = frame.subarray(14);
    if (frame.readUInt16BE(12) !== 0x0800 || ip[9] !== 17) continue; // IPv4 + UDP only
    const udp = ip.subarray(((ip[0] ?? 0) & 0x0f) * 4);
    const rtp = udp.subarray(8, udp.readUInt16BE(4));
    if (rtp.length < 12 || (rtp[0] ?? 0) >> 6 !== 2) continue;
    const csrcBytes = ((rtp[0] ?? 0) & 0x0f) * 4;
    packets.push({
      payloadType: (rtp[1] ?? 0) & 0x7f,
      sequence: rtp.readUInt16BE(2),
      timestamp: rtp.readUInt32BE(4),
      payload: rtp.subarray(12 + csrcBytes),
    });
  }
  return packets;
}
