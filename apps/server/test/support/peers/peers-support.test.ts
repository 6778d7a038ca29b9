/**
 * The end-to-end test's own instruments, checked on their own: if the G.711 codec, the tone
 * detector, the pcap writer or the SIPp log reader were wrong, the call-path test could pass or
 * fail for reasons that have nothing to do with Switchboard.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  alawToLinear,
  audibleMs,
  decodeG711,
  encodeUlaw,
  linearToUlaw,
  readWav,
  rmsDbfs,
  tone,
  toneReport,
  ulawToLinear,
  writeWav,
} from './audio.js';
import { writeRtpPcap } from './pcap.js';
import { header, parseSippTrace, sdpAudio, uriUser } from './sip-trace.js';

describe('audio instruments', () => {
  it('round-trips µ-law within its quantisation step and knows the ITU reference points', () => {
    for (const sample of [-32000, -1000, -1, 0, 1, 100, 5000, 32000]) {
      const back = ulawToLinear(linearToUlaw(sample));
      expect(Math.abs(back - sample)).toBeLessThanOrEqual(Math.max(8, Math.abs(sample) / 16));
    }
    expect(linearToUlaw(0)).toBe(0xff);
    expect(ulawToLinear(0x00)).toBe(-32124);
    expect(ulawToLinear(0x80)).toBe(32124);
    // A-law: 0xD5 and 0x55 are the two smallest magnitudes (±8).
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0x55)).toBe(-8);
    expect(alawToLinear(0xaa)).toBe(32256);
  });

  it('tells a tone from another and from silence', () => {
    const signal = new Int16Array([...tone(1000, 500), ...new Int16Array(4000), ...tone(600, 300)]);
    const decoded = decodeG711(encodeUlaw(signal), 0);
    expect(toneReport(decoded, 1000).toneMs).toBe(500);
    expect(toneReport(decoded, 600).toneMs).toBe(300);
    expect(toneReport(decoded, 1400).toneMs).toBe(0);
    expect(audibleMs(decoded)).toBe(800);
    expect(rmsDbfs(new Int16Array(160))).toBe(Number.NEGATIVE_INFINITY);
  });

  it('writes and reads back a 16-bit WAV, and writes a pcap of 20 ms PCMU packets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peers-support-'));
    try {
      const samples = tone(750, 1000);
      await writeWav(join(dir, 'a.wav'), samples);
      const wav = await readWav(join(dir, 'a.wav'));
      expect(wav).toMatchObject({ rate: 8000, channels: 1 });
      expect(wav.samples).toEqual(samples);

      expect(await writeRtpPcap(join(dir, 'a.pcap'), samples)).toBe(1000);
      const pcap = await readFile(join(dir, 'a.pcap'));
      expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4);
      const record = 16 + 14 + 20 + 8 + 12 + 160;
      expect(pcap.length).toBe(24 + 50 * record);
      // The second packet: 20 ms after the first, RTP version 2, PCMU, sequence + 1.
      const second = 24 + record;
      expect(pcap.readUInt32LE(second + 4) - pcap.readUInt32LE(24 + 4)).toBe(20_000);
      const rtp = second + 16 + 14 + 20 + 8;
      expect(pcap[rtp]).toBe(0x80);
      expect((pcap[rtp + 1] ?? 0) & 0x7f).toBe(0);
      expect(pcap.readUInt16BE(rtp + 2)).toBe(1001);
      const payload = decodeG711(pcap.subarray(rtp + 12, rtp + 12 + 160), 0);
      expect(toneReport(payload, 750).toneMs).toBe(20);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('SIPp message log reader', () => {
  const log = [
    'SIPp trace',
    '----------------------------------------------- 2026-11-21 09:29:07.609297',
    'UDP message received [496] bytes :',
    '',
    'INVITE sip:+12025550199@127.0.0.1:5070 SIP/2.0\r',
    'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r',
    'f: <sip:+12025550142@127.0.0.1>;tag=a\r',
    'To: <sip:+12025550199@127.0.0.1>\r',
    'Diversion: <sip:+12025550100@127.0.0.1>;reason=no-answer;\r',
    ' counter=1\r',
    'CSeq: 1 INVITE\r',
    'Content-Type: application/sdp\r',
    '\r',
    'v=0\r',
    'c=IN IP4 127.0.0.1\r',
    'm=audio 20000 RTP/AVP 0 101\r',
    '',
    '----------------------------------------------- 2026-11-21 09:29:07.609446',
    'UDP message sent (255 bytes):',
    '',
    'SIP/2.0 180 Ringing\r',
    'CSeq: 1 INVITE\r',
    'Content-Length: 0\r',
    '',
  ].join('\n');

  it('reads requests and responses with their headers, folded lines and SDP', () => {
    const [invite, ringing] = parseSippTrace(log);
    expect(invite).toMatchObject({ direction: 'received', method: 'INVITE', status: undefined });
    expect(ringing).toMatchObject({ direction: 'sent', status: 180, cseqMethod: 'INVITE' });
    expect(uriUser(header(invite!, 'from'))).toBe('+12025550142');
    expect(header(invite!, 'Diversion')).toBe(
      '<sip:+12025550100@127.0.0.1>;reason=no-answer; counter=1',
    );
    expect(sdpAudio(invite!.body)).toEqual({ address: '127.0.0.1', port: 20000 });
  });
});
