/**
 * A strict reading of a WAV file's structure, written here (not taken from the media package,
 * whose writer made the file): RIFF/WAVE, a PCM `fmt ` chunk, a `data` chunk, and every size
 * field consistent with the bytes actually there. A recording whose header was never patched,
 * or an attachment cut short on its way through SMTP, fails with the field that is wrong.
 */

export interface WavLayout {
  readonly format: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly byteRate: number;
  readonly blockAlign: number;
  readonly bitsPerSample: number;
  readonly dataBytes: number;
  readonly durationMs: number;
  /** The samples (16-bit little-endian, first channel). */
  readonly samples: Int16Array;
}

export function readWavLayout(bytes: Uint8Array, what: string): WavLayout {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (message: string): never => {
    throw new Error(`${what} is not a valid WAV file: ${message}`);
  };
  if (buffer.length < 44) fail(`${String(buffer.length)} bytes`);
  if (buffer.toString('latin1', 0, 4) !== 'RIFF') fail('no RIFF tag');
  if (buffer.toString('latin1', 8, 12) !== 'WAVE') fail('no WAVE tag');
  const riffSize = buffer.readUInt32LE(4);
  if (riffSize !== buffer.length - 8) {
    fail(`RIFF size ${String(riffSize)}, but ${String(buffer.length - 8)} bytes follow it`);
  }
  let offset = 12;
  let fmt: Omit<WavLayout, 'dataBytes' | 'durationMs' | 'samples'> | undefined;
  while (offset + 8 <= buffer.length) {
    const id = buffer.toString('latin1', offset, offset + 4);
    const size = buffer.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (body + size > buffer.length) {
      fail(`chunk "${id}" says ${String(size)} bytes, only ${String(buffer.length - body)} left`);
    }
    if (id === 'fmt ') {
      if (size < 16) fail(`fmt chunk of ${String(size)} bytes`);
      fmt = {
        format: buffer.readUInt16LE(body),
        channels: buffer.readUInt16LE(body + 2),
        sampleRate: buffer.readUInt32LE(body + 4),
        byteRate: buffer.readUInt32LE(body + 8),
        blockAlign: buffer.readUInt16LE(body + 12),
        bitsPerSample: buffer.readUInt16LE(body + 14),
      };
      if (fmt.format !== 1) fail(`format ${String(fmt.format)}, expected 1 (PCM)`);
      if (fmt.bitsPerSample !== 16) fail(`${String(fmt.bitsPerSample)} bits per sample`);
      if (fmt.blockAlign !== fmt.channels * 2) fail(`block align ${String(fmt.blockAlign)}`);
      if (fmt.byteRate !== fmt.sampleRate * fmt.blockAlign)
        fail(`byte rate ${String(fmt.byteRate)}`);
    } else if (id === 'data') {
      if (fmt === undefined) return fail('data chunk before fmt chunk');
      if (size % fmt.blockAlign !== 0) fail(`data size ${String(size)} is not whole frames`);
      const frames = size / fmt.blockAlign;
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i += 1)
        samples[i] = buffer.readInt16LE(body + i * fmt.blockAlign);
      return {
        ...fmt,
        dataBytes: size,
        durationMs: (frames * 1000) / fmt.sampleRate,
        samples,
      };
    }
    offset = body + size + (size % 2);
  }
  return fail('no data chunk');
}
