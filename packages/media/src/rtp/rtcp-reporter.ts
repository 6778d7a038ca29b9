/**
 * The RTCP side of one session: when to send a report, what goes in it, and what the far end's
 * reports say about us.
 *
 * Interval (RFC 3550 §6.2, simplified): a call has two participants and G.711 leaves RTCP far
 * more than the 5 % bandwidth share a report every few seconds needs, so the computed interval is
 * always the 5 s minimum. We keep the parts that matter: the first report after half the minimum
 * (§6.2), and each interval randomised over [0.5, 1.5] × 5 s (§6.3.1) so sessions started together
 * do not report in lockstep. SR when we sent RTP since the last report, else RR (§6.4).
 */
import { randomInt } from 'node:crypto';
import {
  buildBye,
  buildReport,
  ntpFromUnixMs,
  ntpMiddle,
  parseRtcp,
  type RtcpReportBlock,
} from './rtcp.js';
import type { ReceiveStats } from './receive-stats.js';

export const RTCP_INTERVAL_MS = 5000;

/** What the far end reported about the stream we send (from its SR/RR blocks about our SSRC). */
export interface RemoteReport {
  /** Fraction of our packets it lost in its last interval, 0-1. */
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  /** Its jitter estimate of our stream, ms. */
  readonly jitterMs: number;
  /** Round trip from LSR/DLSR (§6.4.1), ms; undefined until it echoed one of our SRs. */
  readonly roundTripMs: number | undefined;
}

export interface RtcpSenderState {
  readonly ssrc: number;
  readonly packetsSent: number;
  readonly octetsSent: number;
  /** RTP timestamp matching "now" on the sending clock. */
  readonly rtpTimestamp: number;
}

/** The remote source we receive from, when there is one. */
export interface RtcpReceiveState {
  readonly remoteSsrc: number;
  readonly stats: ReceiveStats;
}

export class RtcpReporter {
  private nextAt: number | undefined;
  private sentRtpSinceReport = false;
  private lastSrMiddle = 0;
  private lastSrArrivalMs = 0;
  remoteReport: RemoteReport | undefined;
  byeReceived = false;
  packetsReceived = 0;
  malformed = 0;

  constructor(
    private readonly cname: string,
    private readonly wallClock: { now(): number },
    private readonly intervalMs = RTCP_INTERVAL_MS,
  ) {}

  /** Starts (or restarts) reporting: first report after half an interval, randomised. */
  start(nowMs: number): void {
    this.nextAt = nowMs + jittered(this.intervalMs / 2);
  }

  stop(): void {
    this.nextAt = undefined;
  }

  noteRtpSent(): void {
    this.sentRtpSinceReport = true;
  }

  /** True when a report is due (checked every tick: no allocation). */
  isDue(nowMs: number): boolean {
    return this.nextAt !== undefined && nowMs >= this.nextAt;
  }

  /** The report due at `nowMs` (see isDue); schedules the next one. */
  due(nowMs: number, sender: RtcpSenderState, receive: RtcpReceiveState | undefined): Uint8Array {
    this.nextAt = nowMs + jittered(this.intervalMs);
    return this.build(nowMs, sender, receive);
  }

  /** A report for now, whatever the schedule (tests, and the report before BYE). */
  build(nowMs: number, sender: RtcpSenderState, receive: RtcpReceiveState | undefined): Uint8Array {
    const reports: RtcpReportBlock[] = [];
    if (receive?.stats.hasData) {
      const stats = receive.stats;
      reports.push({
        ssrc: receive.remoteSsrc,
        fractionLost: stats.takeFractionLost(),
        cumulativeLost: stats.cumulativeLost,
        highestSequence: stats.extendedHighest,
        jitter: stats.jitter,
        lastSr: this.lastSrMiddle,
        delaySinceLastSr:
          this.lastSrMiddle === 0
            ? 0
            : Math.round(((nowMs - this.lastSrArrivalMs) / 1000) * 65536) >>> 0,
      });
    }
    let senderInfo;
    if (this.sentRtpSinceReport) {
      const ntp = ntpFromUnixMs(this.wallClock.now());
      senderInfo = {
        ntpSeconds: ntp.seconds,
        ntpFraction: ntp.fraction,
        rtpTimestamp: sender.rtpTimestamp >>> 0,
        packetCount: sender.packetsSent >>> 0,
        octetCount: sender.octetsSent >>> 0,
      };
    }
    this.sentRtpSinceReport = false;
    return buildReport({ ssrc: sender.ssrc, sender: senderInfo, reports, cname: this.cname });
  }

  bye(ssrc: number): Uint8Array {
    return buildBye(ssrc, this.cname, 'session closed');
  }

  /** An incoming compound packet. Returns false when it was malformed (counted). */
  receive(packet: Uint8Array, nowMs: number, ourSsrc: number): boolean {
    const parsed = parseRtcp(packet);
    if (!parsed.ok) {
      this.malformed += 1;
      return false;
    }
    this.packetsReceived += 1;
    for (const item of parsed.packets) {
      if (item.type === 'sr') {
        this.lastSrMiddle = ntpMiddle(item.sender.ntpSeconds, item.sender.ntpFraction);
        this.lastSrArrivalMs = nowMs;
        this.readBlocks(item.reports, ourSsrc);
      } else if (item.type === 'rr') {
        this.readBlocks(item.reports, ourSsrc);
      } else if (item.type === 'bye') {
        this.byeReceived = true;
      }
    }
    return true;
  }

  private readBlocks(blocks: readonly RtcpReportBlock[], ourSsrc: number): void {
    const block = blocks.find((candidate) => candidate.ssrc === ourSsrc);
    if (block === undefined) return;
    let roundTripMs: number | undefined;
    if (block.lastSr !== 0) {
      const now = ntpFromUnixMs(this.wallClock.now());
      const units =
        (ntpMiddle(now.seconds, now.fraction) - block.lastSr - block.delaySinceLastSr) | 0;
      if (units >= 0) roundTripMs = (units / 65536) * 1000;
    }
    this.remoteReport = {
      fractionLost: block.fractionLost / 256,
      cumulativeLost: block.cumulativeLost,
      jitterMs: block.jitter / 8,
      roundTripMs,
    };
  }
}

/** `base` × a random factor in [0.5, 1.5] (§6.3.1). */
function jittered(base: number): number {
  return base * (0.5 + randomInt(0, 1_000_001) / 1_000_000);
}
