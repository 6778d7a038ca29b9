import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildApp, type ApiDeps } from '../api/app.js';
import type { User } from '../domain/model/index.js';
import type { Clock } from '../domain/ports/clock.js';
import type { Store } from '../domain/ports/store.js';
import { EventBus } from '../domain/services/event-bus.js';
import { hashPassword } from '../domain/services/passwords.js';
import { openTestStore, type Dialect, type TestStore } from './stores.js';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private current = Date.parse('2026-11-21T09:00:00.000Z')) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export const PASSWORDS = {
  admin: 'admin-secret-pass',
  alice: 'alice-secret-pass',
  bob: 'bob-secret-pass',
} as const;

// scrypt is deliberately slow; hash each test password once per test file.
const hashes = new Map<string, Promise<string>>();
function hashOnce(password: string): Promise<string> {
  let hash = hashes.get(password);
  if (!hash) {
    hash = hashPassword(password);
    hashes.set(password, hash);
  }
  return hash;
}

export interface ApiHarness {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly events: EventBus;
  readonly clock: ManualClock;
  readonly metrics: Registry;
  readonly admin: User;
  readonly alice: User;
  readonly bob: User;
  /** Signs in through the API and returns the `Cookie` header value for the session. */
  login(email: string, password: string): Promise<string>;
  /** Closes the app, the store and removes the data directory; safe to call twice. */
  close(): Promise<void>;
}

export type HarnessOptions = Partial<
  Omit<ApiDeps, 'store' | 'events' | 'clock' | 'logger' | 'metrics'>
> & {
  /** Engine of the store; SQLite unless a suite runs on both. */
  dialect?: Dialect;
  /** Wraps the real store (to make parts of it fail). */
  wrapStore?: (store: Store) => Store;
};

/**
 * A real app over a real, fresh store (SQLite, or PostgreSQL when asked), with an admin (US,
 * New York) and two users, alice (US) and bob (GB). Everything it starts is stopped by close().
 */
export async function startApiHarness(options: HarnessOptions = {}): Promise<ApiHarness> {
  const { wrapStore, dialect = 'sqlite', ...appOptions } = options;
  const clock = new ManualClock();
  let testStore: TestStore | undefined;
  let app: FastifyInstance | undefined;
  const close = async (): Promise<void> => {
    const [a, s] = [app, testStore];
    app = undefined;
    testStore = undefined;
    try {
      await a?.close();
    } finally {
      await s?.close();
    }
  };
  try {
    testStore = await openTestStore(dialect, { clock });
    const store = testStore.store;
    const base = {
      timezone: 'America/New_York',
      country: 'US',
      attendantId: null,
      defaultHandling: 'builtin:ring-all',
      unknownHandling: 'builtin:ring-all',
    };
    const admin = await store.users.put({
      ...base,
      id: 'u-admin',
      name: 'Ada Admin',
      email: 'admin@example.test',
      passwordHash: await hashOnce(PASSWORDS.admin),
      role: 'admin',
    });
    const alice = await store.users.put({
      ...base,
      id: 'u-alice',
      name: 'Alice',
      email: 'alice@example.test',
      passwordHash: await hashOnce(PASSWORDS.alice),
      role: 'user',
    });
    const bob = await store.users.put({
      ...base,
      id: 'u-bob',
      name: 'Bob',
      email: 'bob@example.test',
      passwordHash: await hashOnce(PASSWORDS.bob),
      role: 'user',
      timezone: 'Europe/London',
      country: 'GB',
    });
    const events = new EventBus();
    const metrics = new Registry();
    const builtApp = await buildApp({
      store: wrapStore ? wrapStore(store) : store,
      events,
      clock,
      logger: pino({ level: 'silent' }),
      metrics,
      version: '9.9.9-test',
      ...appOptions,
    });
    app = builtApp;
    const harness: ApiHarness = {
      app: builtApp,
      store,
      events,
      clock,
      metrics,
      admin,
      alice,
      bob,
      async login(email, password) {
        const response = await builtApp.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email, password },
        });
        if (response.statusCode !== 200) {
          throw new Error(`login as ${email} failed: ${response.statusCode} ${response.body}`);
        }
        return sessionCookie(response);
      },
      close,
    };
    return harness;
  } catch (error) {
    await close();
    throw error;
  }
}

/** `sb_session=<value>` from a login reply, ready for a Cookie header. */
export function sessionCookie(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === 'sb_session');
  if (!cookie) throw new Error(`no session cookie in the reply: ${response.body}`);
  return `sb_session=${cookie.value}`;
}
