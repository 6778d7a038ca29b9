/**
 * Reception statistics for one remote source, straight from RFC 3550: sequence tracking with
 * wrap-around and restart detection (appendix A.1), loss counts and the fraction lost since the
 * last report (A.3), and interarrival jitter (§6.4.1, A.8). Per-packet work is a few integer
 * operations; nothing allocates.
 *
 * Simplification: A.1 keeps a new source "on probation" until two packets in sequence arrive;
 * here the first packet initialises the state (the session has already latched to the source,
 * and a restart is caught by the large-jump rule below).
 */

const SEQ_MOD = 0x10000;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

export class ReceiveStats {
  private initialised = false;
  private baseSeq = 0;
  private maxSeq = 0;
  private badSeq = SEQ_MOD + 1;
  private cycles = 0;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private lastTransitValid = false;
  private lastArrival = 0;
  private lastTimestamp = 0;
  /** A.8 jitter estimate in timestamp units (kept as a float, reported rounded). */
  private jitterUnits = 0;

  /** Forget everything (a new SSRC). */
  reset(): void {
    this.initialised = false;
    this.badSeq = SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
    this.lastTransitValid = false;
    this.jitterUnits = 0;
  }

  /**
   * Accounts for a packet's sequence number (A.1). Returns false for a packet that looks like a
   * source restart in progress or a very late one (it still may be decoded by the caller).
   */
  updateSequence(seq: number): boolean {
    if (!this.initialised) {
      this.initSequence(seq);
      this.initialised = true;
      this.received = 1;
      return true;
    }
    const delta = (seq - this.maxSeq + SEQ_MOD) % SEQ_MOD;
    if (delta < MAX_DROPOUT) {
      // In order, with a permissible gap.
      if (seq < this.maxSeq) this.cycles += SEQ_MOD;
      this.maxSeq = seq;
    } else if (delta <= SEQ_MOD - MAX_MISORDER) {
      // A very large jump: two sequential packets after it mean the source restarted.
      if (seq === this.badSeq) {
        this.initSequence(seq);
      } else {
        this.badSeq = (seq + 1) & (SEQ_MOD - 1);
        return false;
      }
    }
    // else: duplicate or reordered packet, counted as received (A.1 does the same).
    this.received += 1;
    return true;
  }

  /**
   * Interarrival jitter (A.8) from the arrival time in timestamp units and the packet's RTP
   * timestamp. Differences are taken modulo 2^32 so a timestamp wrap does not spike it.
   */
  updateJitter(arrivalUnits: number, timestamp: number): void {
    if (this.lastTransitValid) {
      const arrivalDelta = arrivalUnits - this.lastArrival;
      const timestampDelta = (timestamp - this.lastTimestamp) | 0;
      let d = arrivalDelta - timestampDelta;
      if (d < 0) d = -d;
      this.jitterUnits += (d - this.jitterUnits) / 16;
    }
    this.lastArrival = arrivalUnits;
    this.lastTimestamp = timestamp;
    this.lastTransitValid = true;
  }

  /** Jitter estimate, timestamp units. */
  get jitter(): number {
    return this.jitterUnits;
  }

  get packetsReceived(): number {
    return this.received;
  }

  /** Extended highest sequence number received (cycles + max). */
  get extendedHighest(): number {
    return (this.cycles + this.maxSeq) >>> 0;
  }

  get hasData(): boolean {
    return this.initialised;
  }

  /** Packets expected minus received since the first one (A.3); negative with duplicates. */
  get cumulativeLost(): number {
    if (!this.initialised) return 0;
    return this.expected() - this.received;
  }

  /**
   * The loss fraction since the previous call (A.3), 0-255 as in a report block, and moves the
   * "prior" counters forward: call it once per report sent.
   */
  takeFractionLost(): number {
    if (!this.initialised) return 0;
    const expected = this.expected();
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    if (expectedInterval === 0 || lostInterval <= 0) return 0;
    return Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
  }

  private expected(): number {
    return this.cycles + this.maxSeq - this.baseSeq + 1;
  }

  private initSequence(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }
}
