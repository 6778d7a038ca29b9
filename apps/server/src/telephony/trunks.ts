/**
 * The trunks as the SIP side needs them: which source addresses are a carrier we trust (their
 * calls are believed, P-Asserted-Identity included, RFC 3325 §5: a trust domain), and which
 * trunk calls to external numbers leave through. Trunks change rarely and are read on every
 * INVITE, so the list is cached for a few seconds.
 */
import { BlockList, isIP } from 'node:net';
import type { Trunk } from '../domain/model/index.js';
import type { Clock } from '../domain/ports/clock.js';
import type { TrunkRepository } from '../domain/ports/store.js';

/** How long a read of the trunk table is reused; a changed trunk is seen within this time. */
const CACHE_MS = 5000;

interface TrunkEntry {
  readonly trunk: Trunk;
  /** The trunk's `inbound` addresses and networks. */
  readonly trusted: BlockList;
}

export interface TrunkDirectoryOptions {
  /** Id of the trunk calls to external numbers go through; the first by id when unset. */
  readonly outboundTrunk?: string;
  readonly cacheMs?: number;
}

export class TrunkDirectory {
  private cached:
    { readonly at: number; readonly entries: Promise<readonly TrunkEntry[]> } | undefined;
  private readonly cacheMs: number;

  constructor(
    private readonly trunks: TrunkRepository,
    private readonly clock: Clock,
    private readonly options: TrunkDirectoryOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? CACHE_MS;
  }

  /** The trunk whose `inbound` list holds `address` (the source of a request), if any. */
  async trustedFor(address: string): Promise<Trunk | undefined> {
    const host = plainAddress(address);
    const family = ipFamily(host);
    if (family === undefined) return undefined;
    for (const entry of await this.entries()) {
      if (entry.trusted.check(host, family)) return entry.trunk;
    }
    return undefined;
  }

  /**
   * Where calls to external numbers go: the configured trunk, else the first by id. Undefined
   * when there is none (or the configured one does not exist): such calls fail, and say why.
   */
  async outbound(): Promise<Trunk | undefined> {
    const entries = await this.entries();
    const wanted = this.options.outboundTrunk;
    if (wanted !== undefined) return entries.find((e) => e.trunk.id === wanted)?.trunk;
    return entries[0]?.trunk;
  }

  /** Forgets the cached list (tests, and after provisioning in the same process). */
  invalidate(): void {
    this.cached = undefined;
  }

  private entries(): Promise<readonly TrunkEntry[]> {
    const now = this.clock.now();
    if (this.cached === undefined || now - this.cached.at >= this.cacheMs) {
      const entries = this.trunks.list().then((trunks) => trunks.map(toEntry));
      // A failed read is not cached: the next INVITE tries again.
      entries.catch(() => {
        if (this.cached?.entries === entries) this.cached = undefined;
      });
      this.cached = { at: now, entries };
    }
    return this.cached.entries;
  }
}

function toEntry(trunk: Trunk): TrunkEntry {
  const trusted = new BlockList();
  for (const item of trunk.inbound) {
    const [address = '', prefix] = item.split('/');
    const host = plainAddress(address);
    const family = ipFamily(host);
    // Provisioning checked every entry; an address stored otherwise is skipped, never trusted.
    if (family === undefined) continue;
    if (prefix === undefined) trusted.addAddress(host, family);
    else trusted.addSubnet(host, Number(prefix), family);
  }
  return { trunk, trusted };
}

/** An address without IPv6 brackets, and an IPv4-mapped IPv6 address as plain IPv4. */
export function plainAddress(address: string): string {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  return mapped?.[1] ?? bare;
}

function ipFamily(address: string): 'ipv4' | 'ipv6' | undefined {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}
