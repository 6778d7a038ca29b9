import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../domain/services/event-bus.js';
import { hashPassword } from '../domain/services/passwords.js';
import { ManualClock, sessionCookie } from '../test-support/api-harness.js';
import { openTestStore, type TestStore } from '../test-support/stores.js';
import { buildApp } from './app.js';
import { redactUrl } from './request-log.js';

describe('redactUrl', () => {
  it('replaces credential values in the query and keeps the rest as sent', () => {
    expect(redactUrl('/api/events?token=sbt_abc&v=2')).toBe('/api/events?token=[Redacted]&v=2');
    expect(redactUrl('/x?a=1&access_token=s3cr3t&TOKEN=x#frag')).toBe(
      '/x?a=1&access_token=[Redacted]&TOKEN=[Redacted]#frag',
    );
    // Escaped names are recognised too; names that merely contain "token" are not secrets.
    expect(redactUrl('/x?%74oken=s3cr3t&tokens=3&token')).toBe(
      '/x?%74oken=[Redacted]&tokens=3&token=[Redacted]',
    );
    expect(redactUrl('/api/health')).toBe('/api/health');
    expect(redactUrl('/x?%E0%A4%A=1')).toBe('/x?%E0%A4%A=1');
  });
});

describe('request log', () => {
  let testStore: TestStore | undefined;
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    try {
      await app?.close();
    } finally {
      await testStore?.close();
      app = undefined;
      testStore = undefined;
    }
  });

  it('keeps tokens, cookies and Authorization headers out of the log', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      {
        write(line: string) {
          lines.push(line);
        },
      },
    );
    const clock = new ManualClock();
    testStore = await openTestStore('sqlite', { clock });
    const password = 'alice-secret-pass';
    await testStore.store.users.put({
      id: 'u-alice',
      name: 'Alice',
      email: 'alice@example.test',
      passwordHash: await hashPassword(password),
      timezone: 'UTC',
      country: 'US',
      role: 'user',
      attendantId: null,
      defaultHandling: 'builtin:ring-all',
      unknownHandling: 'builtin:ring-all',
    });
    app = await buildApp({
      store: testStore.store,
      events: new EventBus(),
      clock,
      logger,
      metrics: new Registry(),
      version: '9.9.9-test',
    });

    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'alice@example.test', password },
    });
    const cookie = sessionCookie(login);
    const created = await app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie },
      payload: { name: 'ws' },
    });
    const { token } = created.json<{ token: string }>();
    expect(token).toMatch(/^sbt_/);

    // A plain GET of the event stream authenticates with ?token= and answers 426.
    const events = await app.inject({ url: `/api/events?v=2&token=${encodeURIComponent(token)}` });
    expect(events.statusCode).toBe(426);
    const me = await app.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
    // Whoever logs headers later gets them redacted.
    app.log.info({ headers: { authorization: `Bearer ${token}`, cookie } }, 'headers seen');

    const log = lines.join('');
    expect(log).toContain('"url":"/api/events?v=2&token=[Redacted]"');
    expect(log).toContain('headers seen');
    expect(log).not.toContain(token);
    expect(log).not.toContain(token.slice(4));
    expect(log).not.toContain(cookie.slice('sb_session='.length));
    expect(log).not.toContain(password);
  });
});
