import { z } from 'zod';
import { linkedAbort } from '../../runtime/abort.js';
import type { CallFacts } from '../../runtime/call-facts.js';
import type { HttpRequestSpec, HttpResponseSpec } from '../../runtime/services.js';
import { renderTemplate } from '../../runtime/template.js';
import { defineElement, type ElementOutcome } from '../element.js';
import { capVariable, variableNameSchema } from './variables.js';

/** RFC 9110 §5.1: a field name is a token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Framing headers belong to the HTTP client, not to the flow. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);
const JSON_PATH = /^[A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*$/;
const MAX_TIMEOUT_SECONDS = 30;

const BODY_FORMATS = {
  json: {
    contentType: 'application/json',
    // A value goes inside a JSON string: `"name": "{{contact.name}}"` stays JSON for `O"Brien`.
    escape: (value: string) => JSON.stringify(value).slice(1, -1),
  },
  form: {
    contentType: 'application/x-www-form-urlencoded',
    escape: encodeURIComponent,
  },
  text: { contentType: 'text/plain; charset=utf-8', escape: (value: string) => value },
} as const;

const CaptureSchema = z
  .strictObject({
    variable: variableNameSchema
      .describe('The flow variable that receives the value.')
      .meta({ title: 'Variable' }),
    from: z
      .enum(['status', 'body', 'json'])
      .default('json')
      .describe(
        'status: the HTTP status code; body: the response text; json: a value of the JSON ' +
          'response picked by `path`.',
      )
      .meta({ title: 'From' }),
    path: z
      .string()
      .regex(
        JSON_PATH,
        'a path is names or list positions joined by dots, e.g. account.tier or items.0.id',
      )
      .max(200, 'must be at most 200 characters')
      .optional()
      .describe(
        'Where the value is in the JSON response: `account.tier`, `items.0.id`. Leave it out for ' +
          'the whole document. A path that leads nowhere gives an empty value.',
      )
      .meta({ title: 'JSON path' }),
  })
  .refine((capture) => capture.path === undefined || capture.from === 'json', {
    message: 'a path is only used with from: json',
    path: ['path'],
  });

type Capture = z.output<typeof CaptureSchema>;

/**
 * Calls a webhook. The URL, header values and body are templates; each value put into the URL is
 * percent-encoded and each value put into the body escaped for the body's format, so what a
 * caller's contact says cannot change the request's structure. Every way the request can go
 * wrong (a bad URL after templating, a network error, the timeout, a non-2xx status, a body that
 * is not the JSON a capture asked for) leaves by `failed` with the reason in the step log; only
 * the call's own abort (hang-up, override) is let through.
 */
export const httpRequestElement = defineElement({
  type: 'http-request',
  label: 'HTTP request',
  category: 'data',
  description:
    'Calls a web address (a webhook) with details of the call, and can keep parts of the answer in variables.',
  config: z
    .strictObject({
      method: z
        .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
        .default('POST')
        .describe('HTTP method.')
        .meta({ title: 'Method' }),
      url: z
        .string()
        .trim()
        .max(2000, 'must be at most 2000 characters')
        .regex(/^https?:\/\/\S/i, 'must start with http:// or https://')
        .describe(
          'Web address, with {{placeholders}} (percent-encoded), e.g. ' +
            'https://crm.example.com/lookup?number={{caller.number}}.',
        )
        .meta({ title: 'URL' }),
      headers: z
        .record(
          z
            .string()
            .regex(HEADER_NAME, 'a header name is letters, digits and - (no spaces or colons)')
            .refine(
              (name) => !RESERVED_HEADERS.has(name.toLowerCase()),
              'this header is set by Switchboard',
            ),
          z.string().max(1000, 'must be at most 1000 characters'),
        )
        .refine((headers) => Object.keys(headers).length <= 30, 'must hold at most 30 headers')
        .default({})
        .describe('Request headers, e.g. Authorization; values may hold {{placeholders}}.')
        .meta({ title: 'Headers' }),
      body: z
        .string()
        .max(10_000, 'must be at most 10000 characters')
        .optional()
        .describe('Request body with {{placeholders}}, e.g. {"caller": "{{caller.number}}"}.')
        .meta({ title: 'Body' }),
      bodyFormat: z
        .enum(['json', 'form', 'text'])
        .default('json')
        .describe(
          'How the body is written: sets Content-Type (unless a header does) and how values are ' +
            'escaped in it (JSON string escaping, form encoding, or as they are).',
        )
        .meta({ title: 'Body format' }),
      timeoutSeconds: z
        .number()
        .int('must be a whole number of seconds')
        .min(1, 'must be at least 1 second')
        .max(MAX_TIMEOUT_SECONDS, `must be at most ${String(MAX_TIMEOUT_SECONDS)} seconds`)
        .default(5)
        .describe('How long to wait for the answer before leaving by "failed".')
        .meta({ title: 'Timeout (seconds)' }),
      capture: z
        .array(CaptureSchema)
        .max(20, 'must hold at most 20 captures')
        .default([])
        .describe('Parts of the answer to keep in flow variables.')
        .meta({ title: 'Keep in variables' }),
    })
    .refine((config) => config.body === undefined || config.method !== 'GET', {
      message: 'a GET request has no body; use POST or put the values in the URL',
      path: ['body'],
    }),
  pins: () => [
    { id: 'ok', label: 'OK (2xx)', required: true },
    { id: 'failed', label: 'Failed', required: true },
  ],
  preconditions: [],
  waits: false,
  maxDurationMs: (config) => config.timeoutSeconds * 1000 + 2000,
  run: async ({ config, facts, variables, services, signal }) => {
    signal.throwIfAborted();
    const built = buildRequest(config, facts, variables);
    if ('error' in built) return failed({ error: built.error });
    const request = built.request;

    const link = linkedAbort(signal);
    try {
      const timer = services.timers.sleep(request.timeoutMs, link.signal).then(
        (): Settled => ({ kind: 'timeout' }),
        // Our own cancellation once the answer is in (or the call's abort, checked below).
        () => NEVER,
      );
      const answer = services.http.send(request, link.signal).then(
        (response): Settled => ({ kind: 'response', response }),
        (error: unknown): Settled => ({ kind: 'error', error }),
      );
      // The call's abort ends the wait even if the client is slow to give up.
      const stopped = new Promise<Settled>((resolve) => {
        link.signal.addEventListener(
          'abort',
          () => {
            resolve({ kind: 'stopped' });
          },
          { once: true },
        );
      });
      const first = await Promise.race([answer, timer, stopped]);
      // A hang-up or override is the runtime's business, whatever the client did meanwhile.
      signal.throwIfAborted();
      switch (first.kind) {
        case 'stopped':
          return failed({ error: 'stopped' });
        case 'timeout':
          return failed({ error: `no answer within ${String(config.timeoutSeconds)} s` });
        case 'error':
          return failed({ error: describeError(first.error) });
        case 'response':
          return outcomeOf(first.response, config.capture);
      }
    } finally {
      // Stops whichever of the timer and the request is still running.
      link.abort(new Error('http-request finished'));
      link.dispose();
    }
  },
});

type HttpRequestConfig = z.output<typeof httpRequestElement.config>;

/** How the wait for the answer ended. */
type Settled =
  | { readonly kind: 'response'; readonly response: HttpResponseSpec }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'stopped' };

function failed(detail: Record<string, unknown>): ElementOutcome {
  return { pin: 'failed', detail };
}

/** A promise that never settles: a timer that failed on its own must not decide the race. */
const NEVER = new Promise<never>(() => undefined);

function buildRequest(
  config: HttpRequestConfig,
  facts: CallFacts,
  variables: Readonly<Record<string, string>>,
): { request: HttpRequestSpec } | { error: string } {
  const rendered = renderTemplate(config.url, facts, variables, encodeURIComponent);
  let url: URL;
  try {
    url = new URL(rendered);
  } catch {
    return { error: 'the URL is not a valid web address after filling in placeholders' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { error: `only http and https URLs can be called, not ${url.protocol}` };
  }
  if (url.username !== '' || url.password !== '') {
    return { error: 'a URL cannot carry a user name or password; use an Authorization header' };
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers)) {
    // A line break in a header value would start a new header (RFC 9110 §5.5).
    headers[name] = renderTemplate(value, facts, variables).replace(/[\r\n\0]+/g, ' ');
  }
  const format = BODY_FORMATS[config.bodyFormat];
  let body: string | undefined;
  if (config.body !== undefined) {
    body = renderTemplate(config.body, facts, variables, format.escape);
    const named = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
    if (!named) headers['Content-Type'] = format.contentType;
  }
  return {
    request: {
      method: config.method,
      url: url.href,
      headers,
      ...(body === undefined ? {} : { body }),
      timeoutMs: config.timeoutSeconds * 1000,
    },
  };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message === '' ? error.name : error.message;
  return typeof error === 'string' ? error : 'request failed';
}

/**
 * Applies the captures to whatever the server answered (a status capture is useful on a 500 as
 * well) and picks the pin: 2xx is `ok`, unless a JSON capture met a body that is not JSON.
 */
function outcomeOf(response: HttpResponseSpec, captures: readonly Capture[]): ElementOutcome {
  const set: Record<string, string> = {};
  const missing: string[] = [];
  let parsed: { ok: true; value: unknown } | { ok: false } | undefined;
  for (const capture of captures) {
    if (capture.from === 'status') set[capture.variable] = String(response.status);
    else if (capture.from === 'body') set[capture.variable] = capVariable(response.body);
    else {
      parsed ??= parseJson(response.body);
      const value = parsed.ok ? valueAt(parsed.value, capture.path) : undefined;
      if (parsed.ok && value === undefined) missing.push(capture.path ?? '');
      set[capture.variable] = capVariable(value ?? '');
    }
  }
  const success = response.status >= 200 && response.status <= 299;
  const badJson = parsed !== undefined && !parsed.ok;
  const detail: Record<string, unknown> = { status: response.status };
  if (Object.keys(set).length > 0) detail.captured = Object.keys(set);
  if (missing.length > 0) detail.missing = missing;
  if (badJson) detail.error = 'the answer is not JSON';
  else if (!success) detail.error = `HTTP status ${String(response.status)}`;
  const pin = success && !badJson ? 'ok' : 'failed';
  return Object.keys(set).length > 0 ? { pin, detail, variables: set } : { pin, detail };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * The value at a dotted path as text: strings as they are, numbers and booleans printed, objects
 * and lists as JSON, null as empty. Only own properties and list positions are followed: a path
 * is data, never code, and cannot reach a prototype.
 */
export function valueAt(document: unknown, path: string | undefined): string | undefined {
  let node = document;
  for (const key of path === undefined ? [] : path.split('.')) {
    if (Array.isArray(node)) {
      node = /^\d+$/.test(key) ? (node as unknown[])[Number(key)] : undefined;
    } else if (typeof node === 'object' && node !== null && Object.hasOwn(node, key)) {
      node = (node as Record<string, unknown>)[key];
    } else return undefined;
  }
  if (node === undefined) return undefined;
  if (node === null) return '';
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  return JSON.stringify(node);
}
