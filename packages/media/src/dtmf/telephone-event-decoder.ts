/**
 * Receiving RFC 4733 telephone-events (§2.3 payload, §2.5.2 receiver rules).
 *
 *   |     event     |E|R| volume    |          duration             |
 *
 * One key press is many packets with the same RTP timestamp: a start (marker bit), updates with a
 * growing duration, and the end packet (E bit) sent three times (§2.5.1.4). Retransmissions and
 * duplicates are recognised by that timestamp, so each press is reported exactly once, at its
 * end, with its duration. When every end packet is lost, the event ends when the next event
 * starts, or `endTimeoutMs` after its last packet (checked from `poll`, which the session calls
 * every tick). Events above 15 (flash, tones) are tracked for deduplication but not reported.
 *
 * Long presses past 8 s (duration field overflow, §2.5.1.3) are reported as separate presses.
 */
import { digitOfEvent } from './events.js';

/** Timestamp units per millisecond: telephone-event is negotiated at 8000 Hz. */
const UNITS_PER_MS = 8;
/** How many ended events are remembered to drop their late retransmissions. */
const RECENT = 8;

export interface TelephoneEventHandlers {
  /** A press ended: its digit and duration. */
  onDigit(digit: string, durationMs: number): void;
  /** A press started (first packet of a new event); optional early notice for barge-in. */
  onStart?(digit: string): void;
}

export class TelephoneEventDecoder {
  private active = false;
  private ended = true;
  private timestamp = 0;
  private event = 0;
  private duration = 0;
  private lastAt = 0;
  private readonly recent = new Float64Array(RECENT).fill(-1);
  private recentNext = 0;
  /** Payloads shorter than 4 bytes. */
  malformed = 0;

  constructor(
    private readonly handlers: TelephoneEventHandlers,
    private readonly endTimeoutMs = 400,
  ) {}

  /** One telephone-event packet: payload at `packet[offset .. offset + length)`. */
  handle(
    packet: Uint8Array,
    offset: number,
    length: number,
    timestamp: number,
    nowMs: number,
  ): void {
    if (length < 4) {
      this.malformed += 1;
      return;
    }
    const event = packet[offset] ?? 0;
    const end = ((packet[offset + 1] ?? 0) & 0x80) !== 0;
    const duration = ((packet[offset + 2] ?? 0) << 8) | (packet[offset + 3] ?? 0);
    if (this.active && timestamp === this.timestamp) {
      if (this.ended) return; // a retransmitted end, or a late update
      if (duration > this.duration) this.duration = duration;
      this.lastAt = nowMs;
      if (end) this.finish();
      return;
    }
    if (this.wasRecent(timestamp)) return; // a late packet of an event already reported
    if (this.active && !this.ended) this.finish(); // its end packets were lost
    this.active = true;
    this.ended = false;
    this.timestamp = timestamp;
    this.event = event;
    this.duration = duration;
    this.lastAt = nowMs;
    const digit = digitOfEvent(event);
    if (digit !== undefined) this.handlers.onStart?.(digit);
    if (end) this.finish();
  }

  /** A press has started and not ended yet: `poll` must run to time it out. */
  get pressOpen(): boolean {
    return this.active && !this.ended;
  }

  /** Ends an event whose end packets never came (called every tick while a press is open). */
  poll(nowMs: number): void {
    if (this.active && !this.ended && nowMs - this.lastAt > this.endTimeoutMs) this.finish();
  }

  /** Forgets the current event without reporting it (the source changed). */
  reset(): void {
    this.active = false;
    this.ended = true;
  }

  private finish(): void {
    this.ended = true;
    this.recent[this.recentNext] = this.timestamp;
    this.recentNext = (this.recentNext + 1) % RECENT;
    const digit = digitOfEvent(this.event);
    if (digit !== undefined) this.handlers.onDigit(digit, Math.round(this.duration / UNITS_PER_MS));
  }

  private wasRecent(timestamp: number): boolean {
    for (let i = 0; i < RECENT; i += 1) if (this.recent[i] === timestamp) return true;
    return false;
  }
}
