import { z } from 'zod';

/**
 * Machine-readable error codes. Each maps to one HTTP status: validation and bad_request 400,
 * unauthenticated 401, forbidden 403, not_found 404, conflict 409, payload_too_large 413,
 * unsupported_media_type 415, rate_limited 429, internal 500, unavailable 503.
 */
export const ErrorCode = z.enum([
  'validation',
  'bad_request',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal',
  'unavailable',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorIssue = z.object({
  /** Where the problem is, in JavaScript notation: `phones[0]`, `query.limit`. */
  path: z.string(),
  message: z.string(),
  /** For a flow map: the node the problem concerns, so the editor can mark it. */
  node: z.string().optional(),
  /** For a flow map: the node's output pin the problem concerns. */
  pin: z.string().optional(),
});
export type ErrorIssue = z.infer<typeof ErrorIssue>;

/** The one shape of every error the API returns. */
export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    issues: z.array(ErrorIssue).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
