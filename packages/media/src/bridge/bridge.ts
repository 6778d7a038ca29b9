/**
 * Media anchoring for a B2BUA: audio received on one leg becomes what the other leg sends, both
 * ways, through a small FrameQueue per direction. Everything crosses as PCM frames, so a PCMU leg
 * bridged to a PCMA leg is transcoded for free. DTMF received on one leg (RFC 4733 or SIP INFO)
 * is sent on the other as RFC 4733 events. `unbridge()` detaches everything and gives each leg
 * back the source it had, unless something else (a player) replaced the bridge's meanwhile.
 */
import type { Detach, DtmfEvent, FrameSource, MediaEndpoint } from '../frames.js';
import { FrameQueue, type FrameQueueStats } from './frame-queue.js';

/** A leg the bridge can restore: MediaEndpoint plus the source it currently sends from. */
export interface BridgeEndpoint extends MediaEndpoint {
  readonly source: FrameSource | undefined;
}

export interface BridgeOptions {
  /** Frames each direction may queue (20 ms each) before dropping the oldest. Default 5. */
  readonly queueFrames?: number;
  /** Frames to collect before playing, after the queue ran dry. Default 2. */
  readonly prefillFrames?: number;
  /** Relay DTMF between the legs. Default true. */
  readonly relayDtmf?: boolean;
  /** Duration for relayed digits whose duration is unknown (SIP INFO). Default 100 ms. */
  readonly defaultDtmfDurationMs?: number;
  /** A relayed digit could not be sent (for example no telephone-event on the other leg). */
  readonly onDtmfRelayError?: (error: unknown, event: DtmfEvent) => void;
}

export interface BridgeStats {
  /** Audio from leg a to leg b. */
  readonly aToB: FrameQueueStats;
  readonly bToA: FrameQueueStats;
  readonly dtmfRelayed: number;
  readonly dtmfFailed: number;
}

export interface Bridge {
  readonly active: boolean;
  stats(): BridgeStats;
  /** Stops relaying and restores both legs. Idempotent. */
  unbridge(): void;
}

export function bridge(a: BridgeEndpoint, b: BridgeEndpoint, options: BridgeOptions = {}): Bridge {
  if (a === b) throw new TypeError('cannot bridge a media endpoint to itself');
  const capacity = options.queueFrames ?? 5;
  const prefill = Math.min(options.prefillFrames ?? 2, capacity);
  const aToB = new FrameQueue(capacity, prefill);
  const bToA = new FrameQueue(capacity, prefill);
  const previousA = a.source;
  const previousB = b.source;
  let dtmfRelayed = 0;
  let dtmfFailed = 0;
  let active = true;

  const relay = (to: BridgeEndpoint) => (event: DtmfEvent) => {
    if (!active) return;
    const duration =
      event.durationMs > 0 ? event.durationMs : (options.defaultDtmfDurationMs ?? 100);
    to.sendDtmf(event.digit, duration).then(
      () => {
        dtmfRelayed += 1;
      },
      (error: unknown) => {
        dtmfFailed += 1;
        options.onDtmfRelayError?.(error, event);
      },
    );
  };

  const detachers: Detach[] = [a.addSink(aToB), b.addSink(bToA)];
  if (options.relayDtmf ?? true) detachers.push(a.onDtmf(relay(b)), b.onDtmf(relay(a)));
  b.setSource(aToB);
  a.setSource(bToA);

  return {
    get active() {
      return active;
    },
    stats: () => ({ aToB: aToB.stats(), bToA: bToA.stats(), dtmfRelayed, dtmfFailed }),
    unbridge() {
      if (!active) return;
      active = false;
      for (const detach of detachers) detach();
      if (a.source === bToA) a.setSource(previousA);
      if (b.source === aToB) b.setSource(previousB);
      aToB.clear();
      bToA.clear();
    },
  };
}
