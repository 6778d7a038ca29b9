/**
 * Writes an RTP stream as a pcap file (Ethernet, IPv4, UDP) for SIPp's `play_pcap_audio`, which
 * replays the packets at their recorded times from its media port to the address the far end's
 * SDP gives (it rewrites addresses and ports). A known signal in the pcap lets a test check
 * what reached the other side, instead of "some audio".
 */
import { randomInt } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { FRAME, RATE, encodeUlaw } from './audio.js';

const ETHERNET = 14;
const IPV4 = 20;
const UDP = 8;
const RTP = 12;

function ipv4Checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** `samples` as PCMU (payload type 0) RTP packets of 20 ms, paced 20 ms apart, in a pcap file. */
export async function writeRtpPcap(path: string, samples: Int16Array): Promise<number> {
  const payload = encodeUlaw(samples);
  const packets = Math.floor(payload.length / FRAME);
  const ssrc = randomInt(1, 0xffffffff);
  const records: Buffer[] = [];

  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeInt32LE(0, 8);
  global.writeUInt32LE(0, 12);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  records.push(global);

  for (let i = 0; i < packets; i += 1) {
    const frameLength = ETHERNET + IPV4 + UDP + RTP + FRAME;
    const frame = Buffer.alloc(frameLength);
    // Ethernet: locally administered addresses, IPv4.
    frame.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1], 0);
    frame.writeUInt16BE(0x0800, 12);
    // IPv4 from 10.0.0.1 to 10.0.0.2: SIPp puts its own addresses in.
    const ip = ETHERNET;
    frame.writeUInt8(0x45, ip);
    frame.writeUInt16BE(IPV4 + UDP + RTP + FRAME, ip + 2);
    frame.writeUInt16BE(i & 0xffff, ip + 4);
    frame.writeUInt8(64, ip + 8);
    frame.writeUInt8(17, ip + 9);
    frame.set([10, 0, 0, 1, 10, 0, 0, 2], ip + 12);
    frame.writeUInt16BE(ipv4Checksum(frame.subarray(ip, ip + IPV4)), ip + 10);
    // UDP 10000 -> 20000, no checksum (allowed over IPv4; SIPp computes its own).
    const udp = ip + IPV4;
    frame.writeUInt16BE(10000, udp);
    frame.writeUInt16BE(20000, udp + 2);
    frame.writeUInt16BE(UDP + RTP + FRAME, udp + 4);
    // RTP: version 2, marker on the first packet, PCMU.
    const rtp = udp + UDP;
    frame.writeUInt8(0x80, rtp);
    frame.writeUInt8((i === 0 ? 0x80 : 0) | 0, rtp + 1);
    frame.writeUInt16BE((1000 + i) & 0xffff, rtp + 2);
    frame.writeUInt32BE((i * FRAME) >>> 0, rtp + 4);
    frame.writeUInt32BE(ssrc >>> 0, rtp + 8);
    frame.set(payload.subarray(i * FRAME, (i + 1) * FRAME), rtp + RTP);

    const micros = (i * FRAME * 1_000_000) / RATE;
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1_700_000_000 + Math.floor(micros / 1_000_000), 0);
    record.writeUInt32LE(Math.round(micros % 1_000_000), 4);
    record.writeUInt32LE(frameLength, 8);
    record.writeUInt32LE(frameLength, 12);
    records.push(record, frame);
  }
  await writeFile(path, Buffer.concat(records));
  return (packets * FRAME * 1000) / RATE;
}
