import type { ErrorCode, ErrorIssue } from '@switchboard/contracts';

/**
 * An error the API answers with its own status and message. Route handlers throw these; the
 * error handler turns them into the one JSON error shape.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly issues?: readonly ErrorIssue[],
    /** Extra response headers, such as Retry-After. */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function validationFailed(issues: readonly ErrorIssue[]): ApiError {
  return new ApiError(400, 'validation', describeIssues(issues), issues);
}

/** One bad field found by a handler (rather than by the schema). */
export function invalidField(path: string, message: string): ApiError {
  return validationFailed([{ path, message }]);
}

export function unauthenticated(
  message = 'Sign in first: send the session cookie or an Authorization: Bearer token',
): ApiError {
  return new ApiError(401, 'unauthenticated', message);
}

export function forbidden(message = 'This belongs to another user'): ApiError {
  return new ApiError(403, 'forbidden', message);
}

export function adminOnly(): ApiError {
  return forbidden('Only an admin may do this');
}

export function notFound(what: string): ApiError {
  return new ApiError(404, 'not_found', `${what} not found`);
}

export function conflict(message: string): ApiError {
  return new ApiError(409, 'conflict', message);
}

/** `Invalid request: phones[0]: ... (and 2 more problems)`. */
export function describeIssues(issues: readonly ErrorIssue[]): string {
  const [first] = issues;
  if (!first) return 'Invalid request';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `Invalid request: ${first.path === '' ? '' : `${first.path}: `}${first.message}${more}`;
}

/** `['phones', 0, 'number']` -> `phones[0].number`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number' || /^\d+$/.test(segment)) out += `[${String(segment)}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
