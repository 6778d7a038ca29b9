import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WavFormatError } from './errors.js';
import { decodeWav, parseWav, wavToPcm8k } from './reader.js';
import { toneFloat } from './test-support/audio.js';
import { dataBody, fmtBody, makeWav, riff } from './test-support/make-wav.js';

const tone = toneFloat(1000, 8000, 160, 0.5);
const valid = makeWav({ encoding: 'pcm16', sampleRate: 8000, channels: [tone] });

/** A valid file with one field of the fmt chunk body overwritten. */
function withFmtField(offset: number, value: number, bytes: 2 | 4): Uint8Array {
  const copy = valid.slice();
  const view = new DataView(copy.buffer);
  // fmt body starts at 12 (RIFF header) + 8 (chunk header).
  if (bytes === 2) view.setUint16(20 + offset, value, true);
  else view.setUint32(20 + offset, value, true);
  return copy;
}

function expectWavError(bytes: Uint8Array, message: RegExp): void {
  let caught: unknown;
  try {
    decodeWav(bytes);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(WavFormatError);
  expect((caught as Error).message).toMatch(message);
}

describe('WAV reader: broken files get a WavFormatError naming the problem', () => {
  it('too short, not RIFF, not WAVE, big-endian, RF64', () => {
    expectWavError(new Uint8Array(0), /0 bytes/);
    expectWavError(valid.subarray(0, 11), /11 bytes/);
    expectWavError(new TextEncoder().encode('ID3\u0004 this is an mp3 file'), /no RIFF header/);
    const avi = valid.slice();
    avi.set(new TextEncoder().encode('AVI '), 8);
    expectWavError(avi, /not WAVE/);
    const rifx = valid.slice();
    rifx.set(new TextEncoder().encode('RIFX'), 0);
    expectWavError(rifx, /big-endian/);
    const rf64 = valid.slice();
    rf64.set(new TextEncoder().encode('RF64'), 0);
    expectWavError(rf64, /RF64/);
  });

  it('every truncated header: a clear error or the audio that is there, nothing else', () => {
    for (let length = 0; length < 60; length += 1) {
      const cut = valid.subarray(0, length);
      try {
        const info = parseWav(cut);
        // Once the data chunk header is in, a cut file is just short audio.
        expect(length).toBeGreaterThanOrEqual(44);
        expect(info.frames).toBe(Math.floor((length - 44) / 2));
      } catch (error) {
        expect(error).toBeInstanceOf(WavFormatError);
        expect(length).toBeLessThan(44);
      }
    }
  });

  it('missing chunks', () => {
    expectWavError(riff([{ id: 'data', body: dataBody('pcm16', [tone]) }]), /no 'fmt ' chunk/);
    expectWavError(riff([{ id: 'fmt ', body: fmtBody('pcm16', 1, 8000) }]), /no 'data' chunk/);
    expectWavError(riff([]), /no 'fmt ' chunk/);
  });

  it('wrong chunk sizes', () => {
    // fmt declares more than the file holds.
    expectWavError(
      riff([{ id: 'fmt ', body: fmtBody('pcm16', 1, 8000), declaredSize: 5000 }]),
      /'fmt ' chunk declares 5000 bytes/,
    );
    // fmt too small to hold the basic fields.
    expectWavError(
      riff([
        { id: 'fmt ', body: new Uint8Array(14) },
        { id: 'data', body: new Uint8Array(4) },
      ]),
      /'fmt ' chunk is 14 bytes/,
    );
    // An unknown chunk before fmt claims 4 GB.
    expectWavError(
      riff([
        { id: 'LIST', body: new Uint8Array(10), declaredSize: 0xffffffff },
        { id: 'fmt ', body: fmtBody('pcm16', 1, 8000) },
        { id: 'data', body: dataBody('pcm16', [tone]) },
      ]),
      /chunk "LIST" declares 4294967295 bytes/,
    );
    // An absurd data size is a truncated stream, not an allocation of 4 GB.
    const huge = riff([
      { id: 'fmt ', body: fmtBody('pcm16', 1, 8000) },
      { id: 'data', body: dataBody('pcm16', [tone]), declaredSize: 0xffffffff },
    ]);
    expect(parseWav(huge)).toMatchObject({ truncated: true, frames: 160 });
    // A second fmt chunk is ambiguous.
    expectWavError(
      riff([
        { id: 'fmt ', body: fmtBody('pcm16', 1, 8000) },
        { id: 'fmt ', body: fmtBody('pcm16', 1, 16000) },
        { id: 'data', body: dataBody('pcm16', [tone]) },
      ]),
      /second 'fmt '/,
    );
  });

  it('impossible format values', () => {
    expectWavError(withFmtField(2, 0, 2), /zero channels/);
    expectWavError(withFmtField(2, 65535, 2), /65535 channels/);
    expectWavError(withFmtField(4, 0, 4), /sample rate 0 Hz/);
    expectWavError(withFmtField(4, 0xffffffff, 4), /sample rate 4294967295 Hz/);
    expectWavError(withFmtField(0, 0x55, 2), /unsupported WAV encoding \(format tag 0x0055\)/);
    expectWavError(withFmtField(0, 0x0002, 2), /format tag 0x0002/); // MS ADPCM
    expectWavError(withFmtField(14, 0, 2), /sample size/);
    expectWavError(withFmtField(14, 40, 2), /40 bits/);
    // 16-bit float does not exist in WAV.
    const halfFloat = makeWav({ encoding: 'pcm16', sampleRate: 8000, channels: [tone] });
    new DataView(halfFloat.buffer).setUint16(20, 3, true);
    expectWavError(halfFloat, /unsupported float sample size/);
  });

  it('broken WAVE_FORMAT_EXTENSIBLE', () => {
    const file = makeWav({
      encoding: 'pcm16',
      sampleRate: 8000,
      channels: [tone],
      extensible: true,
    });
    const badGuid = file.slice();
    badGuid[20 + 30] = 0x42;
    expectWavError(badGuid, /sub-format is not a standard KSDATAFORMAT GUID/);
    const short = riff([
      { id: 'fmt ', body: fmtBody('pcm16', 1, 8000, true).subarray(0, 18) },
      { id: 'data', body: dataBody('pcm16', [tone]) },
    ]);
    expectWavError(short, /EXTENSIBLE 'fmt ' chunk is 18 bytes/);
  });

  it('random corruption never throws anything but WavFormatError', () => {
    const files = [
      valid,
      makeWav({ encoding: 'pcm24', sampleRate: 44100, channels: [tone, tone], extensible: true }),
      makeWav({ encoding: 'mulaw', sampleRate: 8000, channels: [tone] }),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...files),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.nat(),
        (file, edits, cut) => {
          const bytes = file.slice(0, file.length - (cut % 32));
          for (const [position, value] of edits) bytes[position % bytes.length] = value;
          try {
            const pcm = wavToPcm8k(bytes);
            // Whatever decodes is bounded by the input: no allocation from a lying header.
            expect(pcm.length).toBeLessThanOrEqual(bytes.length * 8);
          } catch (error) {
            if (!(error instanceof WavFormatError)) throw error;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
