import type { Logger as PinoLogger } from 'pino';

/** Query parameters that carry credentials (WebSocket clients pass their API token as `?token=`). */
const SECRET_QUERY_PARAMS: ReadonlySet<string> = new Set(['token', 'access_token']);
const CENSORED = '[Redacted]';

/**
 * Log paths that may hold credentials: request headers wherever a log call puts them, and the
 * session cookie the server sets.
 */
export const REDACTED_LOG_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
];

/**
 * The URL with the values of credential parameters replaced, the rest kept as sent:
 * `/api/events?token=sbt_x&v=2` -> `/api/events?token=[Redacted]&v=2`.
 */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return url;
  const hashStart = url.indexOf('#', queryStart);
  const queryEnd = hashStart < 0 ? url.length : hashStart;
  const query = url.slice(queryStart + 1, queryEnd);
  const redacted = query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const rawName = equals < 0 ? pair : pair.slice(0, equals);
      return SECRET_QUERY_PARAMS.has(decodeName(rawName).toLowerCase())
        ? `${rawName}=${CENSORED}`
        : pair;
    })
    .join('&');
  return `${url.slice(0, queryStart + 1)}${redacted}${url.slice(queryEnd)}`;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name; // malformed escapes: compare as written
  }
}

function field(value: object, key: string): unknown {
  return (value as Record<string, unknown>)[key];
}

/**
 * Fastify's own request serializer (method, url, host, client address), with credentials
 * taken out of the URL. Defensive about its input: any log call may pass anything as `req`.
 */
export function serializeRequest(req: unknown): unknown {
  if (typeof req !== 'object' || req === null) return req;
  const url = field(req, 'url');
  const headers = field(req, 'headers');
  const socket = field(req, 'socket');
  const version =
    typeof headers === 'object' && headers !== null ? field(headers, 'accept-version') : undefined;
  const remotePort =
    typeof socket === 'object' && socket !== null ? field(socket, 'remotePort') : undefined;
  return {
    method: field(req, 'method'),
    url: typeof url === 'string' ? redactUrl(url) : url,
    version,
    host: field(req, 'host'),
    remoteAddress: field(req, 'ip'),
    remotePort,
  };
}

/**
 * The logger the API hands to Fastify: the given one, with secrets kept out of request logs.
 * Note that a pino child's `redact` replaces (does not extend) redaction paths of its parent.
 */
export function requestLogger(logger: PinoLogger): PinoLogger {
  return logger.child(
    {},
    {
      serializers: { req: serializeRequest },
      redact: { paths: [...REDACTED_LOG_PATHS], censor: CENSORED },
    },
  );
}
