/**
 * The location service of RFC 3261 §10: bindings of an address-of-record to contact
 * addresses. The registrar writes it; a proxy or B2BUA reads it. The server implements
 * `LocationStore` on its database so registrations survive a restart; `InMemoryLocationStore`
 * serves tests and a single process without persistence.
 */

/** Where the REGISTER that created or refreshed a binding came from (for NAT traversal). */
export interface BindingSource {
  readonly transport: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
  /** Source IP address of the REGISTER (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** The connection it arrived on (TCP...), to reach the phone back through its NAT. */
  readonly connectionId?: string;
}

/** One contact address bound to an address-of-record (RFC 3261 §10.3). */
export interface Binding {
  /** The canonical address-of-record (see `canonicalAor`): `sip:alice@example.org`. */
  readonly aor: string;
  /**
   * What makes two Contacts the same binding, unique within the AOR: the `+sip.instance` of
   * the Contact when it has one (RFC 5627 §7.1.2.1), else the contact URI as first registered
   * (the registrar matches later Contacts by the URI comparison of RFC 3261 §19.1.4).
   * Opaque to stores.
   */
  readonly key: string;
  /** The contact URI as text, as last registered. */
  readonly contact: string;
  /** When the binding lapses, epoch milliseconds. */
  readonly expiresAt: number;
  /** Call-ID and CSeq of the REGISTER that last wrote it (RFC 3261 §10.3 step 7 ordering). */
  readonly callId: string;
  readonly cseq: number;
  /** Preference 0 to 1 (the Contact's `q`), absent when the Contact gave none. */
  readonly q?: number;
  /** The `+sip.instance` value without its quotes: `<urn:uuid:...>` (RFC 5626 §4.1). */
  readonly instanceId?: string;
  /** Path header values to route requests to the contact through (RFC 3327 §5.3). */
  readonly path?: readonly string[];
  readonly source: BindingSource;
  readonly userAgent?: string;
  /** When the binding was last written, epoch milliseconds. */
  readonly updatedAt: number;
}

/** One atomic change of an AOR's bindings: `remove` lists binding keys. */
export interface BindingChanges {
  readonly put: readonly Binding[];
  readonly remove: readonly string[];
}

/**
 * Persistence of bindings. The registrar serialises the REGISTERs of one AOR within a
 * process, reads with `list`, decides, then writes with `update`, so `update` need only be
 * atomic (all of it or none of it, RFC 3261 §10.3 step 7). Several processes sharing one
 * database would need `update` to re-check the Call-ID/CSeq it is based on; not a case today.
 */
export interface LocationStore {
  /** The bindings of `aor` that have not expired at `now` (any order). */
  list(aor: string, now: number): Promise<Binding[]>;
  /** Applies `changes` to `aor` atomically: a `put` replaces the binding with the same key. */
  update(aor: string, changes: BindingChanges): Promise<void>;
  /** Deletes every binding expired at `now` (expiresAt <= now); resolves how many went. */
  purgeExpired(now: number): Promise<number>;
}

/** A `LocationStore` in memory: for tests, and a server without a database. */
export class InMemoryLocationStore implements LocationStore {
  /** AOR → key → binding. */
  private readonly byAor = new Map<string, Map<string, Binding>>();

  list(aor: string, now: number): Promise<Binding[]> {
    const bindings = this.byAor.get(aor);
    if (bindings === undefined) return Promise.resolve([]);
    return Promise.resolve([...bindings.values()].filter((b) => b.expiresAt > now));
  }

  update(aor: string, changes: BindingChanges): Promise<void> {
    for (const binding of changes.put) {
      if (binding.aor !== aor) {
        // Checked before anything is written: a wrong change leaves the store as it was.
        return Promise.reject(
          new RangeError(`binding for ${binding.aor} given in an update of ${aor}`),
        );
      }
    }
    let bindings = this.byAor.get(aor);
    if (bindings === undefined) {
      bindings = new Map();
      this.byAor.set(aor, bindings);
    }
    for (const key of changes.remove) bindings.delete(key);
    for (const binding of changes.put) bindings.set(binding.key, binding);
    if (bindings.size === 0) this.byAor.delete(aor);
    return Promise.resolve();
  }

  purgeExpired(now: number): Promise<number> {
    let purged = 0;
    for (const [aor, bindings] of this.byAor) {
      for (const [key, binding] of bindings) {
        if (binding.expiresAt <= now) {
          bindings.delete(key);
          purged += 1;
        }
      }
      if (bindings.size === 0) this.byAor.delete(aor);
    }
    return Promise.resolve(purged);
  }

  /** Every binding held, expired or not (for tests and diagnostics). */
  get size(): number {
    let total = 0;
    for (const bindings of this.byAor.values()) total += bindings.size;
    return total;
  }
}
