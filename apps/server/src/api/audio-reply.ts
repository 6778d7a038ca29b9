import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ByteRange } from '../domain/ports/data-files.js';
import { ApiError } from './errors.js';
import { decideRange } from './http-range.js';
import type { Readable } from 'node:stream';

export interface AudioFile {
  readonly size: number;
  open(range?: ByteRange): Promise<Readable>;
}

export interface AudioReplyOptions {
  /** Suggested file name (ASCII). */
  readonly filename: string;
  /** `attachment` (save it) instead of `inline` (play it). */
  readonly download: boolean;
  /** Strong validator of this file's bytes (they never change under one id). */
  readonly etag: string;
}

/**
 * Sends a WAV file with range support (RFC 9110 §14): 200 with the whole file, 206 with
 * Content-Range for one range, 416 with `Content-Range: bytes *\/size` for a range past the end.
 * `If-Range` with another validator gets the whole file.
 */
export async function sendAudio(
  request: FastifyRequest,
  reply: FastifyReply,
  file: AudioFile,
  options: AudioReplyOptions,
): Promise<FastifyReply> {
  const ifRange = request.headers['if-range'];
  let decision = decideRange(request.headers.range, file.size);
  if (ifRange !== undefined && ifRange !== options.etag) decision = { kind: 'full' };
  if (decision.kind === 'unsatisfiable') {
    throw new ApiError(
      416,
      'bad_request',
      `Range ${request.headers.range ?? ''} is outside the file (${String(file.size)} bytes)`,
      undefined,
      { 'Content-Range': `bytes */${String(file.size)}`, 'Accept-Ranges': 'bytes' },
    );
  }
  const range =
    decision.kind === 'partial' ? { start: decision.start, end: decision.end } : undefined;
  const stream = await file.open(range);
  void reply
    .header('Content-Type', 'audio/wav')
    .header('Accept-Ranges', 'bytes')
    .header('ETag', options.etag)
    .header('Cache-Control', 'private, no-cache')
    .header(
      'Content-Disposition',
      `${options.download ? 'attachment' : 'inline'}; filename="${options.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    );
  if (range === undefined) {
    return reply.code(200).header('Content-Length', String(file.size)).send(stream);
  }
  return reply
    .code(206)
    .header(
      'Content-Range',
      `bytes ${String(range.start)}-${String(range.end)}/${String(file.size)}`,
    )
    .header('Content-Length', String(range.end - range.start + 1))
    .send(stream);
}
