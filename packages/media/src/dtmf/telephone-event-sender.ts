/**
 * Sending RFC 4733 telephone-events, one packet per pacing tick (§2.5.1):
 *
 * - the first packet of a press has the marker bit and every packet of the press carries the RTP
 *   timestamp of its start;
 * - updates follow at the audio packet interval, 20 ms (the RFC asks for every 50 ms or the
 *   packet interval of the audio codec), each with the duration so far;
 * - the end packet (E bit, final duration) is sent three times, one per interval (§2.5.1.4);
 * - then a pause before the next digit of the string (`interDigitGapMs`).
 *
 * The session mutes its audio while a press is on the wire, as most senders do (§2.2: a receiver
 * that also got the tone in the audio would hear it twice), and asks `tick()` once per 20 ms for
 * the packet to send.
 */
import { FRAME_MS, FRAME_SAMPLES } from '../frames.js';
import { DtmfError, eventsOfDigits } from './events.js';

/** Default key press length; ITU-T Q.24 receivers need at least 40 ms. */
export const DEFAULT_DTMF_DURATION_MS = 100;
const MIN_DURATION_MS = 40;
/** The duration field is 16 bits of 8 kHz units (8.19 s); longer presses would need segments. */
const MAX_DURATION_MS = 8000;
const END_PACKETS = 3;
/** Volume field: -10 dBm0, a typical DTMF level (§2.3.4). */
const VOLUME = 10;

interface Job {
  readonly events: number[];
  readonly durationUnits: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class TelephoneEventSender {
  /** The payload of the packet `tick()` asked for (4 bytes, rewritten every time). */
  readonly payload = new Uint8Array(4);
  /** Marker bit for that packet. */
  marker = false;
  /** RTP timestamp for that packet (the start of the press). */
  timestamp = 0;

  private readonly queue: Job[] = [];
  private eventIndex = 0;
  /** Ticks since the current press started; -1 when no press is on the wire. */
  private tickInPress = -1;
  private endsSent = 0;
  private gapTicksLeft = 0;
  private readonly gapTicks: number;

  constructor(interDigitGapMs = 80) {
    this.gapTicks = Math.max(0, Math.ceil(interDigitGapMs / FRAME_MS));
  }

  /**
   * Queues digits; resolves once the last end packet of the last digit is sent. Rejects with a
   * DtmfError for anything that is not a DTMF digit.
   */
  enqueue(digits: string, durationMs = DEFAULT_DTMF_DURATION_MS): Promise<void> {
    let events: number[];
    try {
      events = eventsOfDigits(digits);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new DtmfError(String(error)));
    }
    if (!Number.isFinite(durationMs)) {
      return Promise.reject(
        new DtmfError(`DTMF duration must be a number of ms, got ${String(durationMs)}`),
      );
    }
    if (events.length === 0) return Promise.resolve();
    const clamped = Math.min(MAX_DURATION_MS, Math.max(MIN_DURATION_MS, durationMs));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({
        events,
        durationUnits: Math.round((clamped * FRAME_SAMPLES) / FRAME_MS),
        resolve,
        reject,
      });
    });
  }

  /** True while a press is on the wire (the session mutes audio then). */
  get sending(): boolean {
    return this.tickInPress >= 0;
  }

  /** True when there is anything left to do (a press, a pause, queued digits). */
  get busy(): boolean {
    return this.tickInPress >= 0 || this.gapTicksLeft > 0 || this.queue.length > 0;
  }

  /**
   * One pacing tick at RTP timestamp `timestampNow`. Returns true when a packet is to be sent
   * (payload, marker and timestamp are then set).
   */
  tick(timestampNow: number): boolean {
    if (this.tickInPress < 0) {
      if (this.gapTicksLeft > 0) {
        this.gapTicksLeft -= 1;
        return false;
      }
      if (this.queue.length === 0) return false;
      this.tickInPress = 0;
      this.endsSent = 0;
      this.timestamp = timestampNow >>> 0;
    }
    const job = this.queue[0];
    if (job === undefined) return false;
    const event = job.events[this.eventIndex] ?? 0;
    const elapsed = (this.tickInPress + 1) * FRAME_SAMPLES;
    const end = elapsed >= job.durationUnits;
    const duration = end ? job.durationUnits : elapsed;
    this.marker = this.tickInPress === 0;
    this.payload[0] = event;
    this.payload[1] = (end ? 0x80 : 0) | VOLUME;
    this.payload[2] = (duration >>> 8) & 0xff;
    this.payload[3] = duration & 0xff;
    this.tickInPress += 1;
    if (end) {
      this.endsSent += 1;
      if (this.endsSent >= END_PACKETS) this.finishPress(job);
    }
    return true;
  }

  /** Drops everything queued, rejecting the pending promises with `error`. */
  cancel(error: Error): void {
    const jobs = this.queue.splice(0);
    this.tickInPress = -1;
    this.eventIndex = 0;
    this.gapTicksLeft = 0;
    for (const job of jobs) job.reject(error);
  }

  private finishPress(job: Job): void {
    this.tickInPress = -1;
    this.eventIndex += 1;
    // The two end retransmissions already kept the line quiet for 40 ms of the pause.
    this.gapTicksLeft = Math.max(0, this.gapTicks - (END_PACKETS - 1));
    if (this.eventIndex >= job.events.length) {
      this.queue.shift();
      this.eventIndex = 0;
      job.resolve();
    }
  }
}
