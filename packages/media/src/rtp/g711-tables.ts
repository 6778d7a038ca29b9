/**
 * Flat G.711 lookup tables for the per-packet loops of the session, derived once from the codecs
 * in codec/g711.ts (the single source of the companding). Reading a table inline lets the session
 * encode straight into a packet buffer and decode straight into a frame being reassembled, at
 * any offset, without creating subarray views per packet.
 */
import { pcma, pcmu, type G711Codec } from '../codec/g711.js';
import type { AudioCodecName } from '../sdp/types.js';

export interface G711Tables {
  /** Index: sample + 32768. */
  readonly encode: Uint8Array;
  /** Index: code byte. */
  readonly decode: Int16Array;
  /** The code of a zero sample (what silence padding is made of). */
  readonly silence: number;
}

function tablesOf(codec: G711Codec): G711Tables {
  const samples = new Int16Array(65536);
  for (let i = 0; i < 65536; i += 1) samples[i] = i - 32768;
  const encode = codec.encode(samples, new Uint8Array(65536));
  const codes = new Uint8Array(256);
  for (let i = 0; i < 256; i += 1) codes[i] = i;
  const decode = codec.decode(codes, new Int16Array(256));
  return { encode, decode, silence: encode[32768] ?? 0 };
}

const PCMU_TABLES = tablesOf(pcmu);
const PCMA_TABLES = tablesOf(pcma);

export function g711Tables(codec: AudioCodecName): G711Tables {
  return codec === 'PCMU' ? PCMU_TABLES : PCMA_TABLES;
}
