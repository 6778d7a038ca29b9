import { describe, expect, it } from 'vitest';
import { decodeWav, parseWav, wavToPcm8k } from './reader.js';
import { dominantFrequency, goertzelPower, rms, toneFloat } from './test-support/audio.js';
import {
  dataBody,
  fmtBody,
  listInfoChunk,
  makeWav,
  riff,
  type TestEncoding,
} from './test-support/make-wav.js';
import { encodeWav } from './writer.js';

/** Largest error each encoding may add to a sample in [-1, 1]. */
const TOLERANCE: Record<TestEncoding, number> = {
  pcm8: 1 / 128,
  pcm16: 1 / 32768,
  pcm24: 1 / 8388608,
  pcm32: 1 / 2147483648,
  float32: 1e-7,
  float64: 1e-7,
  // G.711 quantises logarithmically: up to 1/32 of the value, plus the step near zero.
  alaw: 0.04,
  mulaw: 0.04,
};
const ENCODINGS = Object.keys(TOLERANCE) as TestEncoding[];

describe('WAV reader: every supported encoding round-trips', () => {
  const tone = toneFloat(1000, 8000, 800, 0.6);

  for (const encoding of ENCODINGS) {
    for (const extensible of [false, true]) {
      it(`${encoding}${extensible ? ' (WAVE_FORMAT_EXTENSIBLE)' : ''}`, () => {
        const file = makeWav({ encoding, sampleRate: 8000, channels: [tone], extensible });
        const decoded = decodeWav(file);
        expect(decoded.info).toMatchObject({
          channels: 1,
          sampleRate: 8000,
          frames: 800,
          truncated: false,
        });
        expect(decoded.info.formatTag === 0xfffe).toBe(extensible);
        expect(decoded.samples).toHaveLength(800);
        for (let i = 0; i < tone.length; i += 1) {
          const expected = tone[i] ?? 0;
          const tolerance =
            TOLERANCE[encoding] * (encoding.endsWith('law') ? 1 + 32 * Math.abs(expected) : 1);
          expect(Math.abs((decoded.samples[i] ?? 0) - expected)).toBeLessThanOrEqual(tolerance);
        }
        // And the engine format: still a 1 kHz tone at the same level.
        const pcm = wavToPcm8k(file);
        expect(pcm).toHaveLength(800);
        expect(dominantFrequency(pcm, 8000, [500, 1000, 1500, 2000])).toBe(1000);
        expect(rms(pcm) / 32768).toBeCloseTo(0.6 / Math.SQRT2, 1);
      });
    }
  }

  it('16-bit 8 kHz mono comes back bit for bit', () => {
    const pcm = Int16Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 65536) - 32768);
    expect(Array.from(wavToPcm8k(encodeWav(pcm)))).toEqual(Array.from(pcm));
  });

  it('a header-only file is valid and empty', () => {
    const file = makeWav({ encoding: 'pcm16', sampleRate: 8000, channels: [new Float32Array(0)] });
    expect(parseWav(file).frames).toBe(0);
    expect(wavToPcm8k(file)).toHaveLength(0);
  });
});

describe('WAV reader: channels, rates and chunk layout', () => {
  it('mixes channels down by averaging', () => {
    const a = toneFloat(1000, 8000, 400, 0.5);
    const b = toneFloat(2000, 8000, 400, 0.5);
    const minusA = a.map((x) => -x);
    // A channel and its inverse cancel; two different tones both survive at half level.
    const cancelled = wavToPcm8k(
      makeWav({ encoding: 'pcm16', sampleRate: 8000, channels: [a, minusA] }),
    );
    expect(rms(cancelled)).toBeLessThan(2);
    const both = decodeWav(makeWav({ encoding: 'float32', sampleRate: 8000, channels: [a, b] }));
    expect(both.info.channels).toBe(2);
    expect(goertzelPower(both.samples, 1000, 8000)).toBeCloseTo(0.25 ** 2 / 2, 3);
    expect(goertzelPower(both.samples, 2000, 8000)).toBeCloseTo(0.25 ** 2 / 2, 3);
  });

  it('reads six-channel extensible 24-bit', () => {
    const silent = new Float32Array(400);
    const tone = toneFloat(1000, 8000, 400, 0.6);
    const file = makeWav({
      encoding: 'pcm24',
      sampleRate: 8000,
      channels: [tone, silent, silent, silent, silent, silent],
      extensible: true,
    });
    const decoded = decodeWav(file);
    expect(decoded.info.channels).toBe(6);
    expect(rms(decoded.samples)).toBeCloseTo(0.1 / Math.SQRT2, 3);
  });

  for (const rate of [11025, 16000, 22050, 44100, 48000]) {
    it(`resamples ${rate} Hz to 8 kHz keeping length and pitch`, () => {
      const tone = toneFloat(1000, rate, rate, 0.5); // one second
      const pcm = wavToPcm8k(makeWav({ encoding: 'pcm16', sampleRate: rate, channels: [tone] }));
      expect(pcm).toHaveLength(8000);
      expect(dominantFrequency(pcm, 8000, [800, 900, 1000, 1100, 1200])).toBe(1000);
      expect(rms(pcm.subarray(400, 7600)) / 32768).toBeCloseTo(0.5 / Math.SQRT2, 2);
    });
  }

  it('skips LIST/INFO and unknown chunks, odd sizes padded, before and after the data', () => {
    const tone = toneFloat(1000, 8000, 160, 0.5);
    const odd = { id: 'junk', body: new Uint8Array([1, 2, 3]) }; // 3 bytes + 1 pad byte
    const title = listInfoChunk('Welcome'); // body 12 + 'Welcome\0' = 20 bytes
    const oddTitle = listInfoChunk('Hello!'); // body 12 + 'Hello!\0' = 19 bytes: padded
    const file = makeWav({
      encoding: 'pcm16',
      sampleRate: 8000,
      channels: [tone],
      chunksBeforeFmt: [odd],
      chunksBeforeData: [title, { id: 'fact', body: new Uint8Array([160, 0, 0, 0]) }, odd],
      chunksAfterData: [oddTitle, odd],
    });
    const decoded = decodeWav(file);
    expect(decoded.info.frames).toBe(160);
    expect(Math.abs((decoded.samples[40] ?? 0) - (tone[40] ?? 0))).toBeLessThan(1e-4);
  });

  it('accepts the data chunk before the fmt chunk', () => {
    const tone = toneFloat(1000, 8000, 160, 0.5);
    const file = riff([
      { id: 'data', body: dataBody('pcm16', [tone]) },
      { id: 'fmt ', body: fmtBody('pcm16', 1, 8000) },
    ]);
    expect(decodeWav(file).info.frames).toBe(160);
  });

  it('plays what a truncated data chunk holds, whole sample frames only', () => {
    const tone = toneFloat(1000, 8000, 800, 0.5);
    const full = makeWav({ encoding: 'pcm16', sampleRate: 8000, channels: [tone, tone] });
    const cut = full.subarray(0, full.length - 1001); // mid-frame
    const info = parseWav(cut);
    expect(info.truncated).toBe(true);
    expect(info.frames).toBe(Math.floor((800 * 4 - 1001) / 4));
    expect(wavToPcm8k(cut)).toHaveLength(info.frames);
  });

  it('reads a streamed file whose sizes are placeholders (espeak-ng --stdout)', () => {
    const tone = toneFloat(1000, 22050, 2205, 0.5);
    const file = makeWav({
      encoding: 'pcm16',
      sampleRate: 22050,
      channels: [tone],
      declaredDataBytes: 0x7ffff000,
    });
    const info = parseWav(file);
    expect(info).toMatchObject({ truncated: true, frames: 2205, sampleRate: 22050 });
    expect(wavToPcm8k(file)).toHaveLength(800);
  });

  it('clips out-of-range floats and silences NaN', () => {
    const wild = Float32Array.from([2, -3, Number.NaN, 0.5]);
    const decoded = decodeWav(makeWav({ encoding: 'float32', sampleRate: 8000, channels: [wild] }));
    expect(Array.from(decoded.samples)).toEqual([1, -1, 0, 0.5]);
    expect(
      Array.from(wavToPcm8k(makeWav({ encoding: 'float64', sampleRate: 8000, channels: [wild] }))),
    ).toEqual([32767, -32768, 0, 16384]);
  });
});
