// Replay protection for stateless nonces: the nonce-count a client sends with each use of a
// nonce must not repeat (RFC 7616 §3.4, §5.12; RFC 2617 §3.2.2: "the server can detect request
// replays by maintaining its own copy of this count").
//
// A strictly increasing count would refuse requests that merely overtook one another (a phone
// sending REGISTER and SUBSCRIBE at once over UDP), so, as IPsec's anti-replay window does
// (RFC 4303 §3.4.3), each entry keeps the highest count seen plus a bitmap of the 32 counts
// below it: a count is accepted once, and a count older than the window is refused.

/** Counts below the highest one seen that are still accepted once each. */
const WINDOW = 32;

interface Entry {
  highest: number;
  /** Bit i set: count (highest - i) was seen. */
  seen: number;
}

export type NonceCountOutcome =
  /** First use of this count: accepted and remembered. */
  | 'fresh'
  /** The count was seen before, or is older than the window. */
  | 'replay'
  /** The nonce is not in the table and the count is above 1: cannot tell (evicted, restarted). */
  | 'unknown';

/**
 * Highest nonce-count seen per (username, nonce), in a table of bounded size; the entry used
 * least recently goes first. Only requests that proved knowledge of the password are recorded,
 * so the table cannot be flooded by guessers.
 */
export class NonceCountTable {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** Records `count` for `key` unless it is a replay. */
  use(key: string, count: number): NonceCountOutcome {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      if (count !== 1) return 'unknown';
      this.insert(key, { highest: 1, seen: 1 });
      return 'fresh';
    }
    // Move to the young end of the LRU order (a Map iterates in insertion order).
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (count > entry.highest) {
      const shift = count - entry.highest;
      entry.seen = shift >= WINDOW ? 1 : ((entry.seen << shift) | 1) >>> 0;
      entry.highest = count;
      return 'fresh';
    }
    const age = entry.highest - count;
    if (age >= WINDOW) return 'replay';
    const bit = (1 << age) >>> 0;
    if ((entry.seen & bit) !== 0) return 'replay';
    entry.seen = (entry.seen | bit) >>> 0;
    return 'fresh';
  }

  private insert(key: string, entry: Entry): void {
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, entry);
  }
}
