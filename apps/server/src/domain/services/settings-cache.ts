import type { Repositories, Store } from '../ports/store.js';

/**
 * The lookups a call makes before anything rings — the number's user, the user, their handling
 * codes, devices, status, today's calendar, their flows — kept between calls while nothing they
 * come from changes. They change seldom (a user edits a setting, a calendar sync runs) and every
 * call reads them: about ten queries per call, a fifth of a call's CPU in `npm run
 * bench:call-path`. The contact lookup is not cached: 100,000 contacts, each caller a new one.
 *
 * `lookups()` reads the store's settings version once (one single-row query: migration 0007's
 * triggers bump it on every change to those tables, from this process, the CLI or another
 * instance) and gives the call a view of the store whose lookups answer from the cache while the
 * version holds. A call thus sees one consistent snapshot of its settings, as fresh as its start.
 * Everything else in the view goes to the store.
 */

export interface SettingsCacheOptions {
  /** Entries kept at most (each a lookup's answer); past that the cache starts over. */
  readonly maxEntries?: number;
}

/** Calendar reads are widened to whole hours, so calls in the same hour share one. */
const CALENDAR_SLOT_MS = 60 * 60 * 1000;

export class SettingsCache {
  private readonly entries = new Map<string, Promise<unknown>>();
  private readonly maxEntries: number;
  private version: string | undefined;
  private view: Repositories | undefined;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly store: Store,
    options: SettingsCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** The store, with its settings lookups answered from the cache while they hold. */
  async lookups(): Promise<Repositories> {
    const version = await this.store.settingsVersion();
    if (version !== this.version) {
      this.entries.clear();
      this.version = version;
    }
    this.view ??= this.createView();
    return this.view;
  }

  /** Lookups answered from the cache, and read from the store: for metrics and tests. */
  stats(): { readonly hits: number; readonly misses: number; readonly entries: number } {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size };
  }

  /**
   * The answer cached under `key`, or `read()`'s. A failed read is not kept: the next lookup
   * tries the store again.
   */
  private cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    const found = this.entries.get(key) as Promise<T> | undefined;
    if (found !== undefined) {
      this.hits += 1;
      return found;
    }
    this.misses += 1;
    // Unknown numbers dialled by scanners would otherwise grow the map without bound.
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const version = this.version;
    const reading = read();
    this.entries.set(key, reading);
    reading.catch(() => {
      if (this.version === version && this.entries.get(key) === reading) this.entries.delete(key);
    });
    return reading;
  }

  private createView(): Repositories {
    const { store } = this;
    const cached = this.cached.bind(this);
    return {
      ...pick(store),
      numbers: extend(store.numbers, {
        get: (e164) => cached(`number ${e164}`, () => store.numbers.get(e164)),
      }),
      users: extend(store.users, {
        get: (id) => cached(`user ${id}`, () => store.users.get(id)),
      }),
      handlingCodes: extend(store.handlingCodes, {
        listByUser: (userId) =>
          cached(`codes ${userId}`, () => store.handlingCodes.listByUser(userId)),
      }),
      devices: extend(store.devices, {
        get: (userId, id) => cached(`device ${userId} ${id}`, () => store.devices.get(userId, id)),
        listByUser: (userId) => cached(`devices ${userId}`, () => store.devices.listByUser(userId)),
      }),
      statuses: extend(store.statuses, {
        get: (userId) => cached(`status ${userId}`, () => store.statuses.get(userId)),
      }),
      flows: extend(store.flows, {
        get: (userId, id) => cached(`flow ${userId} ${id}`, () => store.flows.get(userId, id)),
        getPublished: (userId, id) =>
          cached(`published ${userId} ${id}`, () => store.flows.getPublished(userId, id)),
      }),
      calendar: extend(store.calendar, {
        // The events overlapping [from, to): read for whole hours and filtered here, with the
        // store's own rule (starts before `to`, ends after `from`) and order kept.
        listByUser: async (userId, from, to) => {
          const start = Math.floor(from / CALENDAR_SLOT_MS) * CALENDAR_SLOT_MS;
          const end = Math.ceil(to / CALENDAR_SLOT_MS) * CALENDAR_SLOT_MS;
          const events = await cached(`calendar ${userId} ${String(start)} ${String(end)}`, () =>
            store.calendar.listByUser(userId, start, end),
          );
          return events.filter((event) => event.startsAt < to && event.endsAt > from);
        },
      }),
    };
  }
}

/** The store's repositories alone (a Store is also the transaction and close()). */
function pick(store: Store): Repositories {
  return {
    users: store.users,
    numbers: store.numbers,
    devices: store.devices,
    trunks: store.trunks,
    handlingCodes: store.handlingCodes,
    flows: store.flows,
    contacts: store.contacts,
    calendar: store.calendar,
    calls: store.calls,
    voicemails: store.voicemails,
    greetings: store.greetings,
    auth: store.auth,
    statuses: store.statuses,
    registrations: store.registrations,
  };
}

/**
 * `base` with some methods answered otherwise: the other methods are `base`'s own, called on
 * `base` (the prototype chain finds them, and their `this` reaches `base`'s fields through it).
 */
function extend<T extends object>(base: T, methods: Partial<T>): T {
  return Object.assign(Object.create(base) as T, methods);
}
