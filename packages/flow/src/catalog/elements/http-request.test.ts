import { describe, expect, it } from 'vitest';
import type { HttpResponseSpec } from '../../runtime/services.js';
import { httpRequestElement, valueAt } from './http-request.js';
import {
  contextFor,
  elapsedTimers,
  factsFor,
  fakeHttp,
  neverResponds,
  type ContextOptions,
  type HttpResponder,
} from './test-support.js';
import { MAX_VARIABLE_LENGTH } from './variables.js';

const parse = (raw: unknown) => httpRequestElement.config.parse(raw);
const issuesOf = (raw: unknown) =>
  (httpRequestElement.config.safeParse(raw).error?.issues ?? []).map((i) => i.path.join('.'));
const URL_ = 'https://crm.example.com/hook';

/** Runs the element with a fake client answering `respond`; returns the outcome and the client. */
async function send(
  raw: Record<string, unknown>,
  respond?: HttpResponder,
  options: ContextOptions = {},
) {
  const http = fakeHttp(respond);
  const outcome = await httpRequestElement.run(
    contextFor(parse({ url: URL_, ...raw }), { http, ...options }),
  );
  return { outcome, http, request: http.requests[0] };
}

const answer =
  (status: number, body = ''): HttpResponder =>
  (): HttpResponseSpec => ({ status, body });

describe('http-request element', () => {
  describe('config', () => {
    it('fills defaults', () => {
      expect(parse({ url: URL_ })).toEqual({
        method: 'POST',
        url: URL_,
        headers: {},
        bodyFormat: 'json',
        timeoutSeconds: 5,
        capture: [],
      });
      expect(
        parse({ url: URL_, capture: [{ variable: 'tier', path: 'account.tier' }] }).capture,
      ).toEqual([{ variable: 'tier', from: 'json', path: 'account.tier' }]);
    });

    it('takes only http and https addresses', () => {
      expect(issuesOf({})).toEqual(['url']);
      for (const url of ['ftp://example.com', 'javascript:alert(1)', 'example.com/x', 'https://']) {
        expect(issuesOf({ url }), url).toEqual(['url']);
      }
      expect(issuesOf({ url: 'HTTP://example.com/{{vars.x}}' })).toEqual([]);
    });

    it('keeps the timeout between 1 and 30 whole seconds', () => {
      for (const timeoutSeconds of [0, 31, 2.5, '5']) {
        expect(issuesOf({ url: URL_, timeoutSeconds }), String(timeoutSeconds)).toEqual([
          'timeoutSeconds',
        ]);
      }
      expect(parse({ url: URL_, timeoutSeconds: 30 }).timeoutSeconds).toBe(30);
    });

    it('refuses a body on GET, bad header names and reserved headers', () => {
      expect(issuesOf({ url: URL_, method: 'GET', body: 'x' })).toEqual(['body']);
      expect(issuesOf({ url: URL_, method: 'FETCH' })).toEqual(['method']);
      expect(issuesOf({ url: URL_, headers: { 'Bad Header': 'x' } })).toEqual([
        'headers.Bad Header',
      ]);
      expect(issuesOf({ url: URL_, headers: { Host: 'evil.example' } })).toEqual(['headers.Host']);
      const many = Object.fromEntries(
        Array.from({ length: 31 }, (_, i) => [`X-H${String(i)}`, 'v']),
      );
      expect(issuesOf({ url: URL_, headers: many })).toEqual(['headers']);
    });

    it('checks captures: variable names, sources and paths', () => {
      const capture = (c: unknown) => issuesOf({ url: URL_, capture: [c] });
      expect(capture({ variable: 'bad-name', from: 'status' })).toEqual(['capture.0.variable']);
      expect(capture({ variable: 'x', from: 'headers' })).toEqual(['capture.0.from']);
      expect(capture({ variable: 'x', from: 'status', path: 'a' })).toEqual(['capture.0.path']);
      for (const path of ['a..b', 'items[0]', '.a', 'a.', 'a b']) {
        expect(capture({ variable: 'x', path }), path).toEqual(['capture.0.path']);
      }
    });
  });

  it('has required ok and failed pins and a duration bound above its timeout', () => {
    const config = parse({ url: URL_, timeoutSeconds: 12 });
    expect(httpRequestElement.pins(config, { handlingCodes: [] })).toEqual([
      { id: 'ok', label: 'OK (2xx)', required: true },
      { id: 'failed', label: 'Failed', required: true },
    ]);
    expect(httpRequestElement.maxDurationMs(config)).toBeGreaterThan(12_000);
    expect(httpRequestElement.waits).toBe(false);
  });

  describe('the request', () => {
    it('percent-encodes values put into the URL', async () => {
      const { outcome, request } = await send(
        {
          method: 'GET',
          url: 'https://crm.example.com/lookup?number={{caller.number}}&name={{contact.name}}&v={{vars.v}}',
        },
        answer(204),
        { variables: { v: 'a&b=c' } },
      );
      expect(outcome.pin).toBe('ok');
      expect(request).toEqual({
        method: 'GET',
        url: 'https://crm.example.com/lookup?number=%2B12025550123&name=Ada%20Lovelace&v=a%26b%3Dc',
        headers: {},
        timeoutMs: 5000,
      });
    });

    it('escapes values in a JSON body so it stays JSON, and says it is JSON', async () => {
      const facts = factsFor({ contact: { name: 'Miles "Bird" O\\Brien\n' } });
      const { request } = await send(
        { body: '{"name": "{{contact.name}}", "number": "{{caller.number}}"}' },
        answer(200),
        { facts },
      );
      expect(JSON.parse(request?.body ?? '')).toEqual({
        name: 'Miles "Bird" O\\Brien\n',
        number: '+12025550123',
      });
      expect(request?.headers).toEqual({ 'Content-Type': 'application/json' });
    });

    it('form-encodes values in a form body', async () => {
      const { request } = await send(
        { body: 'caller={{caller.number}}&name={{contact.name}}', bodyFormat: 'form' },
        answer(200),
      );
      expect(request?.body).toBe('caller=%2B12025550123&name=Ada%20Lovelace');
      expect(request?.headers['Content-Type']).toBe('application/x-www-form-urlencoded');
    });

    it('keeps a text body as written and a Content-Type the user set', async () => {
      const { request } = await send(
        {
          method: 'PUT',
          body: 'Call from {{contact.name}} "{{caller.number}}"',
          bodyFormat: 'text',
          headers: { 'content-type': 'text/x-note' },
        },
        answer(200),
      );
      expect(request?.method).toBe('PUT');
      expect(request?.body).toBe('Call from Ada Lovelace "+12025550123"');
      expect(request?.headers).toEqual({ 'content-type': 'text/x-note' });
    });

    it('renders header values and keeps line breaks out of them', async () => {
      const { request } = await send(
        { headers: { Authorization: 'Bearer s3cret', 'X-Caller': '{{vars.who}}' } },
        answer(200),
        { variables: { who: 'Ada\r\nX-Evil: 1' } },
      );
      expect(request?.headers).toEqual({
        Authorization: 'Bearer s3cret',
        'X-Caller': 'Ada X-Evil: 1',
      });
    });

    it('leaves by failed without sending when the URL is no good after templating', async () => {
      for (const [url, variables, error] of [
        ['https://{{vars.host}}/x', { host: 'a b' }, /not a valid web address/],
        ['http://{{vars.host}}', {}, /not a valid web address/],
        ['https://{{vars.cred}}@example.com/', { cred: 'user:pw' }, /user name or password/],
      ] as const) {
        const { outcome, http } = await send({ url }, answer(200), { variables });
        expect(outcome.pin, url).toBe('failed');
        expect(String(outcome.detail?.error), url).toMatch(error);
        expect(http.requests).toEqual([]);
      }
    });
  });

  describe('the answer', () => {
    it('is ok on 2xx and keeps status, body and JSON values in variables', async () => {
      const body = JSON.stringify({
        account: { tier: 'gold', balance: 12.5, active: true, manager: null, tags: ['a', 'b'] },
        items: [{ id: 'first' }, { id: 'second' }],
      });
      const { outcome } = await send(
        {
          capture: [
            { variable: 'status', from: 'status' },
            { variable: 'raw', from: 'body' },
            { variable: 'tier', path: 'account.tier' },
            { variable: 'balance', path: 'account.balance' },
            { variable: 'active', path: 'account.active' },
            { variable: 'manager', path: 'account.manager' },
            { variable: 'tags', path: 'account.tags' },
            { variable: 'second', path: 'items.1.id' },
            { variable: 'nothing', path: 'account.missing.deeper' },
          ],
        },
        answer(201, body),
      );
      expect(outcome.pin).toBe('ok');
      expect(outcome.variables).toEqual({
        status: '201',
        raw: body,
        tier: 'gold',
        balance: '12.5',
        active: 'true',
        manager: '',
        tags: '["a","b"]',
        second: 'second',
        nothing: '',
      });
      expect(outcome.detail).toMatchObject({ status: 201, missing: ['account.missing.deeper'] });
    });

    it('is failed on a non-2xx status, still keeping what it captured', async () => {
      const { outcome } = await send(
        { capture: [{ variable: 'code', from: 'status' }] },
        answer(503, 'down for maintenance'),
      );
      expect(outcome).toEqual({
        pin: 'failed',
        detail: { status: 503, captured: ['code'], error: 'HTTP status 503' },
        variables: { code: '503' },
      });
      expect((await send({}, answer(302))).outcome.pin).toBe('failed');
      expect((await send({}, answer(199))).outcome.pin).toBe('failed');
    });

    it('is failed when a JSON capture meets a body that is not JSON', async () => {
      const { outcome } = await send(
        { capture: [{ variable: 'tier', path: 'tier' }] },
        answer(200, '<html>'),
      );
      expect(outcome.pin).toBe('failed');
      expect(outcome.detail).toMatchObject({ status: 200, error: 'the answer is not JSON' });
      expect(outcome.variables).toEqual({ tier: '' });
      // Without a JSON capture the same answer is fine.
      const bodyOnly = await send(
        { capture: [{ variable: 'page', from: 'body' }] },
        answer(200, '<html>'),
      );
      expect(bodyOnly.outcome.pin).toBe('ok');
    });

    it('cuts a long body to the variable limit', async () => {
      const { outcome } = await send(
        { capture: [{ variable: 'page', from: 'body' }] },
        answer(200, 'z'.repeat(MAX_VARIABLE_LENGTH * 3)),
      );
      expect(outcome.variables?.page).toHaveLength(MAX_VARIABLE_LENGTH);
    });

    it('follows only own properties of the JSON', () => {
      expect(valueAt({}, 'constructor')).toBeUndefined();
      expect(valueAt({ a: [] }, 'a.length')).toBeUndefined();
      expect(valueAt(JSON.parse('{"__proto__": {"x": 1}}'), '__proto__.x')).toBe('1');
      expect(valueAt('plain', undefined)).toBe('plain');
      expect(valueAt({ a: 1 }, undefined)).toBe('{"a":1}');
    });
  });

  describe('failures', () => {
    it('is failed on a network error, with its message', async () => {
      const { outcome } = await send({}, () =>
        Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9')),
      );
      expect(outcome).toEqual({
        pin: 'failed',
        detail: { error: 'connect ECONNREFUSED 127.0.0.1:9' },
      });
      const odd = await send({}, () => Promise.reject(new Error('')));
      expect(odd.outcome.detail).toEqual({ error: 'Error' });
    });

    it('is failed when the timeout passes first, and cancels the request', async () => {
      let requestSignal: AbortSignal | undefined;
      const { outcome } = await send(
        { timeoutSeconds: 7 },
        (request, signal) => {
          requestSignal = signal;
          return neverResponds(request, signal);
        },
        { timers: elapsedTimers() },
      );
      expect(outcome).toEqual({ pin: 'failed', detail: { error: 'no answer within 7 s' } });
      expect(requestSignal?.aborted).toBe(true);
    });

    it('passes the timeout to the client and stops its timer once answered', async () => {
      let requestSignal: AbortSignal | undefined;
      const { request } = await send({ timeoutSeconds: 9 }, (_request, signal) => {
        requestSignal = signal;
        return { status: 200, body: '' };
      });
      expect(request?.timeoutMs).toBe(9000);
      expect(requestSignal?.aborted).toBe(true);
    });
  });

  describe('abort', () => {
    it('lets the call’s abort through and cancels the request', async () => {
      const controller = new AbortController();
      const stop = new Error('hang-up');
      let requestSignal: AbortSignal | undefined;
      const http = fakeHttp((request, signal) => {
        requestSignal = signal;
        queueMicrotask(() => {
          controller.abort(stop);
        });
        return neverResponds(request, signal);
      });
      const run = httpRequestElement.run(
        contextFor(parse({ url: URL_ }), { http, signal: controller.signal }),
      );
      await expect(run).rejects.toBe(stop);
      expect(requestSignal?.aborted).toBe(true);
    });

    it('does not wait for a client that ignores the abort', async () => {
      const controller = new AbortController();
      const stop = new Error('override');
      const http = fakeHttp(() => {
        queueMicrotask(() => {
          controller.abort(stop);
        });
        return new Promise<HttpResponseSpec>(() => undefined);
      });
      const run = httpRequestElement.run(
        contextFor(parse({ url: URL_ }), { http, signal: controller.signal }),
      );
      await expect(run).rejects.toBe(stop);
    });

    it('lets the abort through even when the client answered as it came', async () => {
      const controller = new AbortController();
      const stop = new Error('hang-up');
      const http = fakeHttp(() => {
        controller.abort(stop);
        return { status: 200, body: '' };
      });
      const run = httpRequestElement.run(
        contextFor(parse({ url: URL_ }), { http, signal: controller.signal }),
      );
      await expect(run).rejects.toBe(stop);
    });

    it('sends nothing when the call is already over', async () => {
      const controller = new AbortController();
      controller.abort(new Error('gone'));
      const http = fakeHttp();
      await expect(
        httpRequestElement.run(
          contextFor(parse({ url: URL_ }), { http, signal: controller.signal }),
        ),
      ).rejects.toThrow('gone');
      expect(http.requests).toEqual([]);
    });
  });
});
