import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRtpPacket, parseRtp, RtpHeader, writeRtpHeader } from './rtp-packet.js';

describe('RTP packets (RFC 3550 §5.1)', () => {
  it('writes the fixed header byte for byte', () => {
    const buf = new Uint8Array(12);
    writeRtpHeader(buf, true, 8, 0xbeef, 0xdeadbeef, 0x01020304);
    expect(Array.from(buf)).toEqual([
      0x80, 0x88, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04,
    ]);
  });

  it('round-trips every header feature: CSRCs, extension, padding, marker', () => {
    fc.assert(
      fc.property(
        fc.record({
          payloadType: fc.integer({ min: 0, max: 127 }),
          sequence: fc.integer({ min: 0, max: 0xffff }),
          timestamp: fc.integer({ min: 0, max: 0xffffffff }),
          ssrc: fc.integer({ min: 0, max: 0xffffffff }),
          marker: fc.boolean(),
          csrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
          extensionWords: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
          padding: fc.integer({ min: 0, max: 16 }),
          payload: fc.uint8Array({ maxLength: 200 }),
        }),
        (fields) => {
          const packet = buildRtpPacket({
            ...fields,
            extension:
              fields.extensionWords === undefined
                ? undefined
                : { profile: 0xbede, data: new Uint8Array(fields.extensionWords * 4).fill(7) },
          });
          const header = new RtpHeader();
          expect(parseRtp(packet, packet.length, header)).toBe('ok');
          expect(header).toMatchObject({
            payloadType: fields.payloadType,
            sequence: fields.sequence,
            timestamp: fields.timestamp,
            ssrc: fields.ssrc,
            marker: fields.marker,
            csrcCount: fields.csrcs.length,
            extension: fields.extensionWords !== undefined,
            padding: fields.padding > 0,
            payloadLength: fields.payload.length,
          });
          if (fields.extensionWords !== undefined) expect(header.extensionProfile).toBe(0xbede);
          const payload = packet.subarray(
            header.payloadOffset,
            header.payloadOffset + header.payloadLength,
          );
          expect(Array.from(payload)).toEqual(Array.from(fields.payload));
        },
      ),
    );
  });

  it('reports malformed packets instead of throwing', () => {
    const header = new RtpHeader();
    const good = buildRtpPacket({
      payloadType: 0,
      sequence: 1,
      timestamp: 2,
      ssrc: 3,
      payload: new Uint8Array(160),
    });
    expect(parseRtp(good.subarray(0, 11), 11, header)).toBe('too-short');
    const v1 = good.slice();
    v1[0] = 0x40;
    expect(parseRtp(v1, v1.length, header)).toBe('bad-version');
    const csrc = good.slice(0, 20);
    csrc[0] = 0x80 | 5; // 5 CSRCs need 32 bytes
    expect(parseRtp(csrc, csrc.length, header)).toBe('bad-csrc');
    const ext = good.slice(0, 20);
    ext[0] = 0x90;
    ext[14] = 0x10; // extension of 4096 words
    expect(parseRtp(ext, ext.length, header)).toBe('bad-extension');
    const pad = good.slice();
    pad[0] = 0xa0;
    pad[pad.length - 1] = 0; // padding count 0 is invalid
    expect(parseRtp(pad, pad.length, header)).toBe('bad-padding');
    pad[pad.length - 1] = 200; // more padding than payload
    expect(parseRtp(pad, pad.length, header)).toBe('bad-padding');
    // A length beyond the buffer is clamped, not read past.
    expect(parseRtp(good, 10_000, header)).toBe('ok');
    expect(header.payloadLength).toBe(160);
  });

  it('never throws on random bytes', () => {
    const header = new RtpHeader();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const status = parseRtp(bytes, bytes.length, header);
        if (status === 'ok') {
          expect(header.payloadOffset + header.payloadLength).toBeLessThanOrEqual(bytes.length);
          expect(header.payloadLength).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
