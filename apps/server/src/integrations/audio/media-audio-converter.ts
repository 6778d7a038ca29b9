/**
 * The domain's `AudioConverter` with the media package's WAV reader and resampler: any WAV the
 * reader decodes (PCM 8-32 bit, float, A-law, mu-law; any rate; mono or more channels) becomes
 * 8 kHz 16-bit mono. Other formats are named when recognised, so a person uploading an MP3
 * learns to convert it.
 */
import { encodeWav, WavFormatError, wavToPcm8k } from '@switchboard/media';
import {
  AudioFormatError,
  type AudioConverter,
  type TelephoneAudio,
} from '../../domain/ports/audio.js';

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return Buffer.from(bytes.subarray(start, start + length)).toString('latin1');
}

/** A name for a well-known non-WAV format, from its first bytes. */
function recognise(bytes: Uint8Array): string | undefined {
  if (ascii(bytes, 0, 3) === 'ID3' || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)) {
    return 'an MP3 file';
  }
  if (ascii(bytes, 0, 4) === 'OggS') return 'an Ogg (Vorbis/Opus) file';
  if (ascii(bytes, 0, 4) === 'fLaC') return 'a FLAC file';
  if (ascii(bytes, 4, 4) === 'ftyp') return 'an MP4/M4A file';
  if (ascii(bytes, 0, 4) === 'FORM') return 'an AIFF file';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) !== 'WAVE')
    return 'a RIFF file that is not WAVE';
  return undefined;
}

export const mediaAudioConverter: AudioConverter = {
  toTelephoneWav(bytes: Uint8Array): TelephoneAudio {
    const isWav =
      bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WAVE';
    if (!isWav) {
      const what = recognise(bytes);
      throw new AudioFormatError(
        `${what === undefined ? 'the file is not a WAV file' : `the file is ${what}, not a WAV file`} (no RIFF/WAVE header): convert it to WAV first`,
        true,
      );
    }
    let pcm: Int16Array;
    try {
      pcm = wavToPcm8k(bytes);
    } catch (error) {
      if (error instanceof WavFormatError) {
        throw new AudioFormatError(`the WAV file cannot be read: ${error.message}`, false);
      }
      throw error;
    }
    return { wav: encodeWav(pcm), durationMs: Math.round(pcm.length / 8) };
  },
};
