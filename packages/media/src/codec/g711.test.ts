import alawmulaw from 'alawmulaw';
import { describe, expect, it } from 'vitest';
import { g711ForPayloadType, pcma, pcmu } from './g711.js';

describe('G.711 tables', () => {
  it('encode like alawmulaw for every 16-bit sample', () => {
    const all = new Int16Array(65536);
    for (let i = 0; i < 65536; i += 1) all[i] = i - 32768;
    expect(Array.from(pcmu.encode(all))).toEqual(Array.from(alawmulaw.mulaw.encode(all)));
    expect(Array.from(pcma.encode(all))).toEqual(Array.from(alawmulaw.alaw.encode(all)));
  });

  it('decode like alawmulaw for every code', () => {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(Array.from(pcmu.decode(codes))).toEqual(Array.from(alawmulaw.mulaw.decode(codes)));
    expect(Array.from(pcma.decode(codes))).toEqual(Array.from(alawmulaw.alaw.decode(codes)));
  });

  it('round-trips a tone within the companding error and writes into a given buffer', () => {
    const tone = Int16Array.from({ length: 160 }, (_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)),
    );
    const bytes = new Uint8Array(160);
    const back = new Int16Array(160);
    for (const codec of [pcmu, pcma]) {
      expect(codec.encode(tone, bytes)).toBe(bytes);
      expect(codec.decode(bytes, back)).toBe(back);
      for (let i = 0; i < 160; i += 1) {
        expect(Math.abs((back[i] ?? 0) - (tone[i] ?? 0))).toBeLessThanOrEqual(260);
      }
    }
  });

  it('maps static payload types', () => {
    expect(g711ForPayloadType(0)).toBe(pcmu);
    expect(g711ForPayloadType(8)).toBe(pcma);
    expect(g711ForPayloadType(18)).toBeUndefined();
  });
});
