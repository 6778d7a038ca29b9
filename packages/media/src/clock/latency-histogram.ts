/**
 * Fixed-size histogram of small durations (tick lateness, tick work time) so the pacing loop can
 * record one value per tick forever without allocating, and still report percentiles.
 * Resolution is `binMs` up to `maxMs`; larger values land in an overflow bin (their exact maximum
 * is kept separately).
 */
export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export class LatencyHistogram {
  private readonly bins: Uint32Array;
  private count = 0;
  private sum = 0;
  private max = 0;

  constructor(
    private readonly binMs = 0.05,
    private readonly maxMs = 100,
  ) {
    this.bins = new Uint32Array(Math.ceil(maxMs / binMs) + 1);
  }

  record(valueMs: number): void {
    const value = valueMs > 0 ? valueMs : 0;
    const last = this.bins.length - 1;
    const index = value >= this.maxMs ? last : Math.floor(value / this.binMs);
    this.bins[index] = (this.bins[index] ?? 0) + 1;
    this.count += 1;
    this.sum += value;
    if (value > this.max) this.max = value;
  }

  reset(): void {
    this.bins.fill(0);
    this.count = 0;
    this.sum = 0;
    this.max = 0;
  }

  /**
   * The value below which `fraction` of the samples fall, to the bin's upper edge (so a p99 of
   * 1.05 means "99 % were at most 1.05 ms"); never more than the recorded maximum.
   */
  percentile(fraction: number): number {
    if (this.count === 0) return 0;
    const wanted = Math.max(1, Math.ceil(this.count * fraction));
    let seen = 0;
    for (let i = 0; i < this.bins.length; i += 1) {
      seen += this.bins[i] ?? 0;
      if (seen >= wanted) {
        if (i === this.bins.length - 1) return this.max;
        return Math.min(this.max, (i + 1) * this.binMs);
      }
    }
    return this.max;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      meanMs: this.count === 0 ? 0 : this.sum / this.count,
      p50Ms: this.percentile(0.5),
      p90Ms: this.percentile(0.9),
      p99Ms: this.percentile(0.99),
      maxMs: this.max,
    };
  }
}
