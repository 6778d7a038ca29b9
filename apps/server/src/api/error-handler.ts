import type { ErrorBody, ErrorCode, ErrorIssue } from '@switchboard/contracts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ConflictError, MissingReferenceError } from '../domain/ports/errors.js';
import { PhoneNumberError } from '../domain/services/phone-numbers.js';
import { UserInputError } from '../domain/services/users.js';
import { ApiError, describeIssues, formatPath } from './errors.js';

const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

const CONTEXT_PREFIX: Readonly<Record<string, string>> = {
  body: '',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

function body(code: ErrorCode, message: string, issues?: readonly ErrorIssue[]): ErrorBody {
  return issues ? { error: { code, message, issues: [...issues] } } : { error: { code, message } };
}

/** Turns a schema validation failure into issues with readable paths (`phones[0]`, `query.limit`). */
function validationIssues(
  validation: readonly { instancePath: string; message?: string }[],
  context: string | undefined,
): ErrorIssue[] {
  const prefix = CONTEXT_PREFIX[context ?? 'body'] ?? context ?? '';
  return validation.map((problem) => {
    const segments = problem.instancePath.split('/').filter((s) => s !== '');
    const path = formatPath(prefix === '' ? segments : [prefix, ...segments]);
    return {
      path: path === '' ? (context ?? 'body') : path,
      message: problem.message ?? 'invalid',
    };
  });
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined;
  const status = error.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * One JSON shape for every error. Messages of 4xx errors are meant for the caller; a 5xx says
 * nothing about internals (the log has the details).
 */
export function handleError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof ApiError) {
    if (error.headers) void reply.headers(error.headers);
    return reply.code(error.statusCode).send(body(error.code, error.message, error.issues));
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = validationIssues(error.validation, error.validationContext);
    return reply.code(400).send(body('validation', describeIssues(issues), issues));
  }
  if (error instanceof ConflictError) {
    return reply.code(409).send(body('conflict', error.message));
  }
  if (error instanceof MissingReferenceError) {
    return reply.code(400).send(body('bad_request', error.message));
  }
  if (error instanceof UserInputError) {
    // Its message is `field: problem`; the issue names the field on its own.
    const prefix = `${error.field}: `;
    const message = error.message.startsWith(prefix)
      ? error.message.slice(prefix.length)
      : error.message;
    const issues = [{ path: error.field, message }];
    return reply.code(400).send(body('validation', describeIssues(issues), issues));
  }
  if (error instanceof PhoneNumberError) {
    return reply.code(400).send(body('validation', error.message));
  }
  const status = statusOf(error);
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own client errors (bad JSON, wrong content type, body too large) are safe to show.
    return reply.code(status).send(body(CODE_BY_STATUS[status] ?? 'bad_request', error.message));
  }
  request.log.error({ err: error }, 'request failed');
  if (status === 503) {
    return reply.code(503).send(body('unavailable', 'The service is unavailable; try again soon'));
  }
  return reply.code(500).send(body('internal', 'Internal server error'));
}

/** 404 JSON for unknown API routes. */
export function sendNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0] ?? request.url;
  return reply
    .code(404)
    .send(body('not_found', `No route ${request.method} ${path}`) satisfies ErrorBody);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(handleError);
}
