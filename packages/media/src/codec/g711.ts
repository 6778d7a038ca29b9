/**
 * G.711 µ-law (PCMU, payload type 0) and A-law (PCMA, payload type 8) for 20 ms frames
 * (RFC 3551 §4.5.14). The companding itself comes from `alawmulaw`; this file turns it into
 * lookup tables once (64 Ki entries to encode, 256 to decode) so the per-frame work on the pacing
 * loop is one table read per sample and no allocation when the caller passes the output buffer.
 */
import alawmulaw from 'alawmulaw';

export type G711Law = 'pcmu' | 'pcma';

export interface G711Codec {
  readonly law: G711Law;
  /** Static payload type (RFC 3551 table 4). */
  readonly payloadType: 0 | 8;
  /** Encodes PCM into `out` (allocated when omitted); returns the bytes written. */
  encode(pcm: Int16Array, out?: Uint8Array): Uint8Array;
  /** Decodes G.711 bytes into `out` (allocated when omitted); returns the samples written. */
  decode(bytes: Uint8Array, out?: Int16Array): Int16Array;
}

function buildCodec(
  law: G711Law,
  payloadType: 0 | 8,
  encodeSample: (sample: number) => number,
  decodeSample: (code: number) => number,
): G711Codec {
  const encodeTable = new Uint8Array(65536);
  for (let i = 0; i < 65536; i += 1) encodeTable[i] = encodeSample(i - 32768);
  const decodeTable = new Int16Array(256);
  for (let i = 0; i < 256; i += 1) decodeTable[i] = decodeSample(i);
  return {
    law,
    payloadType,
    encode(pcm, out = new Uint8Array(pcm.length)) {
      const n = Math.min(pcm.length, out.length);
      for (let i = 0; i < n; i += 1) out[i] = encodeTable[(pcm[i] ?? 0) + 32768] ?? 0;
      return n === out.length ? out : out.subarray(0, n);
    },
    decode(bytes, out = new Int16Array(bytes.length)) {
      const n = Math.min(bytes.length, out.length);
      for (let i = 0; i < n; i += 1) out[i] = decodeTable[bytes[i] ?? 0] ?? 0;
      return n === out.length ? out : out.subarray(0, n);
    },
  };
}

export const pcmu: G711Codec = buildCodec(
  'pcmu',
  0,
  alawmulaw.mulaw.encodeSample,
  alawmulaw.mulaw.decodeSample,
);
export const pcma: G711Codec = buildCodec(
  'pcma',
  8,
  alawmulaw.alaw.encodeSample,
  alawmulaw.alaw.decodeSample,
);

/** The codec for a static payload type, `undefined` for anything else. */
export function g711ForPayloadType(payloadType: number): G711Codec | undefined {
  if (payloadType === 0) return pcmu;
  if (payloadType === 8) return pcma;
  return undefined;
}
