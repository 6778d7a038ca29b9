/**
 * RIFF/WAVE reader, by hand: the format is a dozen fields and the tolerance rules are ours
 * (streamed and crash-truncated files play what they hold; everything else wrong is a
 * `WavFormatError`). Decodes integer PCM (8-bit unsigned, 16/24/32-bit signed), IEEE float 32/64,
 * G.711 A-law and µ-law, plain or WAVE_FORMAT_EXTENSIBLE, any channel count (mixed down to mono by
 * averaging), any rate; `wavToPcm8k` then resamples to the engine's 8 kHz.
 *
 * Layout (little-endian): "RIFF" size "WAVE", then chunks of `id(4) size(4) data(size)` padded to
 * an even length. `fmt ` holds the format; `data` the samples; LIST/INFO, fact, cue... are skipped.
 */
import { pcma, pcmu } from '../codec/g711.js';
import { SAMPLE_RATE } from '../frames.js';
import { floatToInt16, resample } from '../resample/resampler.js';
import { WavFormatError } from './errors.js';
import {
  MAX_CHANNELS,
  MAX_SAMPLE_RATE,
  MIN_SAMPLE_RATE,
  WAVE_FORMAT_ALAW,
  WAVE_FORMAT_EXTENSIBLE,
  WAVE_FORMAT_IEEE_FLOAT,
  WAVE_FORMAT_MULAW,
  WAVE_FORMAT_PCM,
  type WavEncoding,
  type WavInfo,
} from './format.js';

/** The 14 bytes after the tag in every KSDATAFORMAT_SUBTYPE_* GUID we decode (ksmedia.h). */
const KSDATAFORMAT_GUID_TAIL = [
  0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];

/** A decoded file: mono samples in [-1, 1] at the file's own rate. */
export interface DecodedWav {
  readonly info: WavInfo;
  readonly sampleRate: number;
  readonly samples: Float32Array;
}

interface FmtChunk {
  readonly formatTag: number;
  readonly encodingTag: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly blockAlign: number;
  readonly bitsPerSample: number;
  readonly offset: number;
}

function chunkId(view: DataView, offset: number): string {
  let id = '';
  for (let i = 0; i < 4; i += 1) id += String.fromCharCode(view.getUint8(offset + i));
  return id;
}

/** Printable form of a chunk id for messages (binary garbage shown as escapes). */
function printable(id: string): string {
  return JSON.stringify(id);
}

function parseFmt(view: DataView, offset: number, size: number): FmtChunk {
  if (size < 16) {
    throw new WavFormatError(`'fmt ' chunk is ${size} bytes; at least 16 are needed`, offset);
  }
  const formatTag = view.getUint16(offset, true);
  const channels = view.getUint16(offset + 2, true);
  const sampleRate = view.getUint32(offset + 4, true);
  const blockAlign = view.getUint16(offset + 12, true);
  let bitsPerSample = view.getUint16(offset + 14, true);
  let encodingTag = formatTag;
  if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
    // WAVEFORMATEXTENSIBLE: cbSize(2) wValidBitsPerSample(2) dwChannelMask(4) SubFormat(16).
    if (size < 40) {
      throw new WavFormatError(
        `WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is ${size} bytes; 40 are needed`,
        offset,
      );
    }
    const validBits = view.getUint16(offset + 18, true);
    if (validBits !== 0) bitsPerSample = Math.min(validBits, bitsPerSample);
    encodingTag = view.getUint16(offset + 24, true);
    for (let i = 0; i < KSDATAFORMAT_GUID_TAIL.length; i += 1) {
      if (view.getUint8(offset + 26 + i) !== KSDATAFORMAT_GUID_TAIL[i]) {
        throw new WavFormatError(
          'WAVE_FORMAT_EXTENSIBLE sub-format is not a standard KSDATAFORMAT GUID',
          offset + 24,
        );
      }
    }
  }
  return { formatTag, encodingTag, channels, sampleRate, blockAlign, bitsPerSample, offset };
}

function encodingOf(tag: number, offset: number): WavEncoding {
  switch (tag) {
    case WAVE_FORMAT_PCM:
      return 'pcm';
    case WAVE_FORMAT_IEEE_FLOAT:
      return 'float';
    case WAVE_FORMAT_ALAW:
      return 'alaw';
    case WAVE_FORMAT_MULAW:
      return 'mulaw';
    default:
      throw new WavFormatError(
        `unsupported WAV encoding (format tag 0x${tag.toString(16).padStart(4, '0')}); ` +
          'use PCM, IEEE float, A-law or µ-law',
        offset,
      );
  }
}

/** Checks a `fmt ` chunk and works out the container size of one sample. */
function validateFmt(fmt: FmtChunk): {
  encoding: WavEncoding;
  bytesPerSample: number;
  blockAlign: number;
} {
  const encoding = encodingOf(fmt.encodingTag, fmt.offset);
  const { channels, sampleRate, bitsPerSample } = fmt;
  if (channels === 0) throw new WavFormatError('the file declares zero channels', fmt.offset + 2);
  if (channels > MAX_CHANNELS) {
    throw new WavFormatError(
      `the file declares ${channels} channels; at most ${MAX_CHANNELS} are supported`,
      fmt.offset + 2,
    );
  }
  if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw new WavFormatError(
      `sample rate ${sampleRate} Hz is outside ${MIN_SAMPLE_RATE}-${MAX_SAMPLE_RATE} Hz`,
      fmt.offset + 4,
    );
  }
  // The container size comes from nBlockAlign when it is consistent (24-bit audio in 32-bit
  // containers, 12-bit in 16); otherwise from the bit depth rounded up to whole bytes.
  let bytesPerSample = Math.ceil(bitsPerSample / 8);
  if (fmt.blockAlign > 0 && fmt.blockAlign % channels === 0) {
    bytesPerSample = fmt.blockAlign / channels;
  }
  const allowed: Record<WavEncoding, readonly number[]> = {
    pcm: [1, 2, 3, 4],
    float: [4, 8],
    alaw: [1],
    mulaw: [1],
  };
  if (bitsPerSample === 0 || !allowed[encoding].includes(bytesPerSample)) {
    throw new WavFormatError(
      `unsupported ${encoding} sample size: ${bitsPerSample} bits in ${bytesPerSample}-byte ` +
        'containers',
      fmt.offset + 14,
    );
  }
  if (bitsPerSample > bytesPerSample * 8) {
    throw new WavFormatError(
      `${bitsPerSample} bits per sample do not fit ${bytesPerSample}-byte containers`,
      fmt.offset + 14,
    );
  }
  return { encoding, bytesPerSample, blockAlign: bytesPerSample * channels };
}

/**
 * Reads the header of a WAV file and locates its audio. Throws `WavFormatError` (never anything
 * else) for a file it cannot use.
 */
export function parseWav(bytes: Uint8Array): WavInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = bytes.byteLength;
  if (length < 12) {
    throw new WavFormatError(`file is ${length} bytes; a WAV header needs at least 12`);
  }
  const riff = chunkId(view, 0);
  if (riff === 'RIFX') throw new WavFormatError('big-endian RIFX files are not supported', 0);
  if (riff === 'RF64') throw new WavFormatError('RF64 (over 4 GB) files are not supported', 0);
  if (riff !== 'RIFF') throw new WavFormatError('not a WAV file: no RIFF header', 0);
  if (chunkId(view, 8) !== 'WAVE') {
    throw new WavFormatError('not a WAV file: RIFF form type is not WAVE', 8);
  }

  let fmt: FmtChunk | undefined;
  let dataOffset = -1;
  let declaredData = 0;
  let offset = 12;
  // Walk the chunk list. The RIFF size field is ignored: streamed files carry a placeholder.
  while (offset + 8 <= length) {
    const id = chunkId(view, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    const available = length - body;
    if (id === 'fmt ') {
      if (fmt !== undefined) throw new WavFormatError("second 'fmt ' chunk", offset);
      if (size > available) {
        throw new WavFormatError(
          `'fmt ' chunk declares ${size} bytes but only ${available} remain`,
          offset,
        );
      }
      fmt = parseFmt(view, body, size);
    } else if (id === 'data') {
      if (dataOffset < 0) {
        dataOffset = body;
        declaredData = size;
      }
      // A data chunk running past the end is a streamed or cut-short file: nothing follows.
      if (size > available) break;
    } else if (size > available) {
      // An unknown chunk cut off by the end of the file: fine once we have what we need.
      if (fmt !== undefined && dataOffset >= 0) break;
      throw new WavFormatError(
        `chunk ${printable(id)} declares ${size} bytes but only ${available} remain`,
        offset,
      );
    }
    // Chunks are padded to an even length (RIFF: "pad byte if size is odd").
    offset = body + size + (size & 1);
  }

  if (fmt === undefined) throw new WavFormatError("no 'fmt ' chunk");
  if (dataOffset < 0) throw new WavFormatError("no 'data' chunk");
  const { encoding, bytesPerSample, blockAlign } = validateFmt(fmt);
  const present = Math.min(declaredData, length - dataOffset);
  const frames = Math.floor(present / blockAlign);
  return {
    encoding,
    formatTag: fmt.formatTag,
    channels: fmt.channels,
    sampleRate: fmt.sampleRate,
    bitsPerSample: fmt.bitsPerSample,
    bytesPerSample,
    blockAlign,
    dataOffset,
    dataBytes: frames * blockAlign,
    frames,
    truncated: declaredData > length - dataOffset,
  };
}

/** G.711 code → sample in [-1, 1], built once from the codec tables. */
function g711FloatTable(decode: (bytes: Uint8Array) => Int16Array): Float32Array {
  const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
  return Float32Array.from(decode(codes), (s) => s / 32768);
}
let alawTable: Float32Array | undefined;
let mulawTable: Float32Array | undefined;

type SampleReader = (view: DataView, offset: number) => number;

function sampleReader(info: WavInfo): SampleReader {
  switch (info.encoding) {
    case 'pcm':
      switch (info.bytesPerSample) {
        case 1:
          return (v, o) => (v.getUint8(o) - 128) / 128; // 8-bit WAV is unsigned, offset 128
        case 2:
          return (v, o) => v.getInt16(o, true) / 32768;
        case 3:
          return (v, o) => (((v.getUint8(o + 2) << 24) >> 8) | v.getUint16(o, true)) / 8388608;
        default:
          return (v, o) => v.getInt32(o, true) / 2147483648;
      }
    case 'float':
      if (info.bytesPerSample === 4) return (v, o) => clampUnit(v.getFloat32(o, true));
      return (v, o) => clampUnit(v.getFloat64(o, true));
    case 'alaw': {
      const table = (alawTable ??= g711FloatTable((b) => pcma.decode(b)));
      return (v, o) => table[v.getUint8(o)] ?? 0;
    }
    case 'mulaw': {
      const table = (mulawTable ??= g711FloatTable((b) => pcmu.decode(b)));
      return (v, o) => table[v.getUint8(o)] ?? 0;
    }
  }
}

/** Float samples outside [-1, 1] are clipped; NaN becomes silence. */
function clampUnit(x: number): number {
  if (x > 1) return 1;
  if (x < -1) return -1;
  return x === x ? x : 0;
}

/** Decodes a WAV file to mono float samples at its own rate (channels averaged). */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  const info = parseWav(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = sampleReader(info);
  const { channels, bytesPerSample, blockAlign, frames } = info;
  const samples = new Float32Array(frames);
  let offset = info.dataOffset;
  for (let f = 0; f < frames; f += 1) {
    let sum = 0;
    for (let c = 0; c < channels; c += 1) sum += read(view, offset + c * bytesPerSample);
    samples[f] = sum / channels;
    offset += blockAlign;
  }
  return { info, sampleRate: info.sampleRate, samples };
}

/** Decodes a WAV file to the engine's format: 8 kHz, 16-bit, mono. */
export function wavToPcm8k(bytes: Uint8Array): Int16Array {
  const decoded = decodeWav(bytes);
  const samples =
    decoded.sampleRate === SAMPLE_RATE
      ? decoded.samples
      : resample(decoded.samples, decoded.sampleRate, SAMPLE_RATE);
  return floatToInt16(samples);
}
