/**
 * One call leg's media: an RTP/RTCP port pair, G.711 in and out, RFC 4733 DTMF both ways, driven
 * by the shared pacing clock. Implements the MediaEndpoint contract of frames.ts for the player,
 * the recorder and the bridge.
 *
 * Sending (RFC 3550 §5.1, RFC 3551 §4.1): every 20 ms tick the session pulls one frame from its
 * source, encodes it into a reused buffer and sends it. The SSRC and the initial sequence number
 * and timestamp are random; the sequence number grows by one per packet and the timestamp by 160
 * per tick whether or not anything was sent, so changing the source (prompt, silence, bridge)
 * never breaks continuity. The first packet after a pause carries the marker bit (talk-spurt).
 * A far end that asked for another ptime gets the frames repacketized to it.
 *
 * Receiving: packets are parsed into a reused header, checked against the negotiated payload
 * types and the latched source, decoded straight into a 160-sample frame (whatever the far end's
 * ptime) and handed to the sinks. Nothing on the per-packet and per-tick paths allocates,
 * throws, or creates closures.
 *
 * Symmetric RTP (RFC 4961; common NAT practice): the session latches to the address of the first
 * valid packet and sends there. Packets from elsewhere are dropped while the latched source is
 * active; after it has been silent for `relatchAfterMs` the next valid source is accepted. It
 * never flips back and forth per packet.
 */
import { randomFillSync, randomInt } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import {
  sharedPacingClock,
  type PacerMembership,
  type PacingClock,
} from '../clock/pacing-clock.js';
import type { MonotonicClock } from '../clock/scheduler.js';
import { DtmfError, eventOfDigit } from '../dtmf/events.js';
import { TelephoneEventDecoder } from '../dtmf/telephone-event-decoder.js';
import { TelephoneEventSender } from '../dtmf/telephone-event-sender.js';
import {
  FRAME_SAMPLES,
  type Detach,
  type DtmfEvent,
  type FrameSink,
  type FrameSource,
  type MediaEndpoint,
  type PcmFrame,
} from '../frames.js';
import { receives, sends } from '../sdp/direction.js';
import type { MediaDirection } from '../sdp/types.js';
import { g711Tables, type G711Tables } from './g711-tables.js';
import { silentMediaLogger, type MediaLogger } from './media-logger.js';
import type { PortPair } from './port-pool.js';
import { ReceiveStats } from './receive-stats.js';
import { RtcpReporter } from './rtcp-reporter.js';
import { parseRtp, RtpHeader, RTP_HEADER_SIZE, writeRtpHeader } from './rtp-packet.js';
import type {
  MediaTimeout,
  RemoteMedia,
  RtpSessionOptions,
  RtpSessionStats,
} from './session-types.js';

/** What a payload type number means for this session. */
const KIND_UNKNOWN = 0;
const KIND_PCMU = 1;
const KIND_PCMA = 2;
const KIND_EVENT = 3;
const KIND_CN = 4;
/** RFC 3389 comfort noise, static payload type 13 (RFC 3551 table 4). */
const CN_PAYLOAD_TYPE = 13;

/** Send buffers per session: a buffer is reused only after this many later packets (see send). */
const SEND_RING = 4;
/** Largest packet we send: 60 ms of G.711. */
const MAX_PAYLOAD = 480;
/** The longest pause filled with silence on receive: 10 s at 8 kHz (see `fillGap`). */
const MAX_GAP_FILL_SAMPLES = 80_000;

const PCMU_DECODE = g711Tables('PCMU').decode;
const PCMA_DECODE = g711Tables('PCMA').decode;

/** Random bytes for CNAMEs, filled 64 at a time (one system call per 64 sessions, not one each). */
const cnameBytes = Buffer.alloc(12 * 64);
let cnameOffset = cnameBytes.length;

/** A random 96-bit CNAME, base64 (RFC 7022 §4.2: short-term persistent, per session). */
function randomCname(): string {
  if (cnameOffset === cnameBytes.length) {
    randomFillSync(cnameBytes);
    cnameOffset = 0;
  }
  const cname = cnameBytes.toString('base64', cnameOffset, cnameOffset + 12);
  cnameOffset += 12;
  return cname;
}

/** Thrown (as a rejection) by operations on a closed session. */
export class MediaSessionClosedError extends Error {
  override readonly name = 'MediaSessionClosedError';
}

interface Remote {
  readonly address: string;
  readonly port: number;
  readonly rtcpAddress: string;
  readonly rtcpPort: number;
  readonly payloadType: number;
  readonly eventPayloadType: number | undefined;
  readonly tables: G711Tables;
  /** Samples per packet we send (ptime × 8). */
  readonly packetSamples: number;
}

export class RtpSession implements MediaEndpoint {
  /** Our synchronization source (random, RFC 3550 §8.1). */
  readonly ssrc: number;
  readonly localPort: number;
  readonly localRtcpPort: number;

  private readonly pair: PortPair;
  private readonly pacer: PacingClock;
  private readonly clock: MonotonicClock;
  private readonly logger: MediaLogger;
  private readonly symmetric: boolean;
  private readonly relatchAfterMs: number;
  private readonly mediaTimeoutMs: number;
  private readonly holdTimeoutMs: number;
  /** Our place in the pacing loop: `wake()` whenever there may be something to send. */
  private readonly pacing: PacerMembership;
  private readonly onClosed: (() => void) | undefined;

  // Sending.
  private remote: Remote | undefined;
  private currentDirection: MediaDirection = 'sendrecv';
  private currentSource: FrameSource | undefined;
  /** The source tells us when it has frames again (FrameSource.onFrameReady): we may sleep. */
  private sourceWakes = false;
  private sequence: number;
  private timestampCursor: number;
  private lastTick = -1;
  private talkSpurtStart = true;
  private readonly sendBuffers: Buffer[] = [];
  /** Views of exactly one 20 ms packet on each send buffer (Node then sends without slicing). */
  private readonly frameViews: Buffer[] = [];
  private sendIndex = 0;
  private fifo: Uint8Array | undefined;
  private fifoFill = 0;
  private fifoTimestamp = 0;
  private destinationAddress: string | undefined;
  private destinationPort = 0;
  private readonly dtmfSender: TelephoneEventSender;

  // Receiving.
  private readonly payloadKinds = new Uint8Array(128);
  private readonly header = new RtpHeader();
  private readonly receiveStats = new ReceiveStats();
  private readonly dtmfDecoder: TelephoneEventDecoder;
  private readonly frame: PcmFrame = new Int16Array(FRAME_SAMPLES);
  private frameFill = 0;
  /** RTP timestamp the next audio packet carries when none is missing (see `fillGap`). */
  private expectedTimestamp = 0;
  private haveExpectedTimestamp = false;
  private remoteSsrc = 0;
  private haveRemoteSsrc = false;
  private latchedAddress: string | undefined;
  private latchedPort = 0;
  private latchedAt = 0;
  private rtcpLatchedAddress: string | undefined;
  private rtcpLatchedPort = 0;
  private rtcpAddress = '';
  private rtcpPort = 0;
  private sinks: readonly FrameSink[] = [];
  private dtmfListeners: readonly ((event: DtmfEvent) => void)[] = [];
  private dtmfStartListeners: readonly ((digit: string) => void)[] = [];

  // Liveness.
  private lastRtpAt: number;
  private lastRtcpAt: number;
  private timedOut = false;
  private timeoutListeners: readonly ((timeout: MediaTimeout) => void)[] = [];
  private timeoutPromise: Promise<MediaTimeout> | undefined;
  private resolveTimeout: ((timeout: MediaTimeout) => void) | undefined;
  private firedTimeout: MediaTimeout | undefined;

  private readonly rtcp: RtcpReporter;
  private closed = false;
  private closing: Promise<void> | undefined;

  // Counters.
  private packetsSent = 0;
  private bytesSent = 0;
  private packetsReceived = 0;
  private bytesReceived = 0;
  private malformed = 0;
  private unknownPayloadType = 0;
  private foreignSource = 0;
  private relatches = 0;
  private ssrcChanges = 0;
  private comfortNoise = 0;
  private dtmfReceived = 0;
  private sendErrors = 0;
  private rtcpSent = 0;
  private callbackErrors = 0;
  private loggedSocketError = false;

  private readonly onRtpMessage = (packet: Buffer, from: RemoteInfo): void => {
    this.receiveRtp(packet, from.address, from.port);
  };
  private readonly onRtcpMessage = (packet: Buffer, from: RemoteInfo): void => {
    this.receiveRtcp(packet, from.address, from.port);
  };
  private readonly onSocketError = (error: Error): void => {
    this.sendErrors += 1;
    if (this.loggedSocketError) return;
    this.loggedSocketError = true;
    this.logger.warn(
      { err: error, port: this.localPort },
      'RTP socket error (counting further ones)',
    );
  };

  /** Binds a port pair from the pool and joins the pacing loop. */
  static async open(options: RtpSessionOptions): Promise<RtpSession> {
    const pair = await options.pool.allocate();
    return new RtpSession(pair, options);
  }

  private constructor(pair: PortPair, options: RtpSessionOptions) {
    this.pair = pair;
    this.localPort = pair.port;
    this.localRtcpPort = pair.rtcpPort;
    this.pacer = options.pacer ?? sharedPacingClock();
    this.clock = options.clock ?? this.pacer.scheduler;
    this.logger = options.logger ?? silentMediaLogger;
    this.symmetric = options.symmetric ?? true;
    this.relatchAfterMs = options.relatchAfterMs ?? 1000;
    this.mediaTimeoutMs = options.mediaTimeoutMs ?? 30_000;
    this.holdTimeoutMs = options.holdTimeoutMs ?? 0;
    this.onClosed = options.onClosed;
    this.ssrc = randomInt(0, 2 ** 32);
    this.sequence = randomInt(0, 0x10000);
    this.timestampCursor = randomInt(0, 2 ** 32);
    this.dtmfSender = new TelephoneEventSender(options.interDigitGapMs);
    this.dtmfDecoder = new TelephoneEventDecoder(
      {
        onDigit: (digit, durationMs) => {
          this.dtmfReceived += 1;
          this.emitDtmf({ digit, durationMs, via: 'rfc4733' });
        },
        onStart: (digit) => {
          this.emitDtmfStart(digit);
        },
      },
      options.dtmfEndTimeoutMs,
    );
    this.rtcp = new RtcpReporter(
      options.cname ?? randomCname(),
      options.wallClock ?? { now: () => Date.now() },
      options.rtcpIntervalMs,
    );
    // One slice of Node's shared buffer pool for the whole ring (one allocation, no ArrayBuffer
    // of its own); every byte of a packet is written before it is sent.
    const ring = Buffer.allocUnsafe(SEND_RING * (RTP_HEADER_SIZE + MAX_PAYLOAD));
    for (let i = 0; i < SEND_RING; i += 1) {
      const start = i * (RTP_HEADER_SIZE + MAX_PAYLOAD);
      const buffer = ring.subarray(start, start + RTP_HEADER_SIZE + MAX_PAYLOAD);
      this.sendBuffers.push(buffer);
      this.frameViews.push(buffer.subarray(0, RTP_HEADER_SIZE + FRAME_SAMPLES));
    }
    // Before the SDP exchange completes only the static G.711 types are understood (early media).
    this.payloadKinds[0] = KIND_PCMU;
    this.payloadKinds[8] = KIND_PCMA;
    this.payloadKinds[CN_PAYLOAD_TYPE] = KIND_CN;
    const now = this.clock.now();
    this.lastRtpAt = now;
    this.lastRtcpAt = now;
    pair.rtp.on('message', this.onRtpMessage);
    pair.rtcp.on('message', this.onRtcpMessage);
    pair.rtp.on('error', this.onSocketError);
    pair.rtcp.on('error', this.onSocketError);
    // Asleep: a new session has nothing to send until a source, DTMF or its remote wakes it.
    this.pacing = this.pacer.join(this, { asleep: true });
  }

  // ---------------------------------------------------------------- configuration

  /**
   * Applies the negotiated media (first answer, or a re-INVITE's). A changed address or port
   * drops the latch so the new far end is learnt afresh. Throws TypeError when the address family
   * cannot be reached from our socket (an IPv6 far end on an IPv4-only session).
   */
  setRemote(media: RemoteMedia): void {
    if (this.closed) throw new MediaSessionClosedError('the RTP session is closed');
    checkRemote(media);
    const address = this.reachable(media.remoteAddress);
    const rtcpAddress = this.reachable(media.remoteRtcpAddress ?? media.remoteAddress);
    const previous = this.remote;
    const ptime = [10, 20, 30, 40, 50, 60].includes(media.ptime) ? media.ptime : 20;
    this.remote = {
      address,
      port: media.remotePort,
      rtcpAddress,
      rtcpPort: media.remoteRtcpPort ?? media.remotePort + 1,
      payloadType: media.payloadType & 0x7f,
      eventPayloadType: media.telephoneEventPayloadType,
      tables: g711Tables(media.codec),
      packetSamples: ptime * 8,
    };
    this.payloadKinds.fill(KIND_UNKNOWN);
    const receive = media.receivePayloadTypes ?? [
      { payloadType: media.payloadType, kind: media.codec },
      ...(media.telephoneEventPayloadType === undefined
        ? []
        : [{ payloadType: media.telephoneEventPayloadType, kind: 'telephone-event' as const }]),
    ];
    this.payloadKinds[CN_PAYLOAD_TYPE] = KIND_CN;
    for (const entry of receive) {
      const kind =
        entry.kind === 'PCMU' ? KIND_PCMU : entry.kind === 'PCMA' ? KIND_PCMA : KIND_EVENT;
      this.payloadKinds[entry.payloadType & 0x7f] = kind;
    }
    if (this.remote.packetSamples !== FRAME_SAMPLES)
      this.fifo ??= new Uint8Array(MAX_PAYLOAD + FRAME_SAMPLES);
    this.fifoFill = 0;
    if (previous?.address !== address || previous.port !== media.remotePort) {
      this.latchedAddress = undefined;
      this.rtcpLatchedAddress = undefined;
    }
    this.updateDestination();
    const now = this.clock.now();
    this.setDirectionAt(media.direction, now);
    if (previous === undefined) {
      // Silence is measured from the moment we know the far end.
      this.lastRtpAt = now;
      this.lastRtcpAt = now;
      this.rtcp.start(now);
    }
    this.wakeIfSendable(); // a source set before the answer may be sendable now
  }

  /** Our direction (hold: `sendonly`/`inactive`; resume: `sendrecv`). */
  setDirection(direction: MediaDirection): void {
    this.setDirectionAt(direction, this.clock.now());
    this.wakeIfSendable();
  }

  /**
   * Wakes the session if it may have something to send at the next tick. A session with
   * nothing to send stays asleep: with a thousand calls set up each second, waking each one
   * for a tick would keep the pacing loop in its precise (spinning) wait all the time. A source
   * that says when it has frames is asked again instead: it answers at once if it has some.
   */
  private wakeIfSendable(): void {
    const source = this.currentSource;
    if (this.dtmfSender.busy || this.fifoFill > 0 || (source !== undefined && !this.sourceWakes)) {
      this.pacing.wake();
    } else if (source !== undefined) {
      source.onFrameReady?.(this.pacing.wake);
    }
  }

  get direction(): MediaDirection {
    return this.currentDirection;
  }

  /** The far end as last set, for the call layer's re-INVITE logic. */
  get remoteAddress(): { readonly address: string; readonly port: number } | undefined {
    return this.remote === undefined
      ? undefined
      : { address: this.remote.address, port: this.remote.port };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ---------------------------------------------------------------- MediaEndpoint

  setSource(source: FrameSource | undefined): void {
    const previous = this.currentSource;
    if (previous !== source) {
      previous?.onFrameReady?.(undefined);
      this.currentSource = source;
      // A source that can say when it has frames lets the session sleep while it has none.
      this.sourceWakes = source?.onFrameReady !== undefined;
      source?.onFrameReady?.(this.pacing.wake);
    }
    // A source that says when it has frames has just been asked (and answered if it had some).
    if (!this.sourceWakes) this.wakeIfSendable();
  }

  /** The source set last (the bridge restores it when it ends). */
  get source(): FrameSource | undefined {
    return this.currentSource;
  }

  addSink(sink: FrameSink): Detach {
    this.sinks = [...this.sinks, sink];
    return () => {
      this.sinks = this.sinks.filter((candidate) => candidate !== sink);
    };
  }

  onDtmf(listener: (event: DtmfEvent) => void): Detach {
    this.dtmfListeners = [...this.dtmfListeners, listener];
    return () => {
      this.dtmfListeners = this.dtmfListeners.filter((candidate) => candidate !== listener);
    };
  }

  /** A key went down (first RFC 4733 packet of a press): earlier than `onDtmf`, for barge-in. */
  onDtmfStart(listener: (digit: string) => void): Detach {
    this.dtmfStartListeners = [...this.dtmfStartListeners, listener];
    return () => {
      this.dtmfStartListeners = this.dtmfStartListeners.filter(
        (candidate) => candidate !== listener,
      );
    };
  }

  /**
   * Sends digits as RFC 4733 events on the pacing clock; resolves after the last end packet.
   * Rejects with DtmfError when a digit is invalid, telephone-event was not negotiated, or the
   * stream stops sending (hold) before the digits are out; with MediaSessionClosedError on close.
   */
  sendDtmf(digits: string, durationMs?: number): Promise<void> {
    if (this.closed)
      return Promise.reject(new MediaSessionClosedError('the RTP session is closed'));
    if (this.remote?.eventPayloadType === undefined) {
      return Promise.reject(
        new DtmfError(
          'cannot send DTMF: telephone-event (RFC 4733) was not negotiated with the far end',
        ),
      );
    }
    if (!sends(this.currentDirection)) {
      return Promise.reject(
        new DtmfError(`cannot send DTMF while the stream is ${this.currentDirection}`),
      );
    }
    const sent = this.dtmfSender.enqueue(digits, durationMs);
    this.pacing.wake();
    return sent;
  }

  /**
   * A digit that arrived in signalling (SIP INFO, see parseSipInfoDtmf): reported to `onDtmf`
   * listeners like RFC 4733 ones. Throws DtmfError for anything that is not a DTMF digit.
   */
  injectDtmf(event: { readonly digit: string; readonly durationMs?: number }): void {
    if (eventOfDigit(event.digit) < 0) {
      throw new DtmfError(`"${event.digit}" is not a DTMF digit (0-9, *, #, A-D)`);
    }
    this.dtmfReceived += 1;
    this.emitDtmf({
      digit: event.digit.toUpperCase(),
      durationMs: Math.max(0, event.durationMs ?? 0),
      via: 'sip-info',
    });
  }

  // ---------------------------------------------------------------- liveness

  /** Called once when media stops arriving (see RtpSessionOptions.mediaTimeoutMs). */
  onMediaTimeout(listener: (timeout: MediaTimeout) => void): Detach {
    this.timeoutListeners = [...this.timeoutListeners, listener];
    return () => {
      this.timeoutListeners = this.timeoutListeners.filter((candidate) => candidate !== listener);
    };
  }

  /** Resolves when media stops arriving; never rejects (stays pending if it never happens). */
  get mediaTimeout(): Promise<MediaTimeout> {
    if (this.timeoutPromise === undefined) {
      const fired = this.firedTimeout;
      this.timeoutPromise =
        fired === undefined
          ? new Promise((resolve) => {
              this.resolveTimeout = resolve;
            })
          : Promise.resolve(fired);
    }
    return this.timeoutPromise;
  }

  stats(): RtpSessionStats {
    return {
      packetsSent: this.packetsSent,
      bytesSent: this.bytesSent,
      packetsReceived: this.packetsReceived,
      bytesReceived: this.bytesReceived,
      packetsLost: Math.max(0, this.receiveStats.cumulativeLost),
      jitterMs: this.receiveStats.jitter / 8,
      malformed: this.malformed,
      unknownPayloadType: this.unknownPayloadType,
      foreignSource: this.foreignSource,
      relatches: this.relatches,
      ssrcChanges: this.ssrcChanges,
      comfortNoise: this.comfortNoise,
      dtmfReceived: this.dtmfReceived,
      rtcpSent: this.rtcpSent,
      rtcpReceived: this.rtcp.packetsReceived,
      rtcpMalformed: this.rtcp.malformed,
      sendErrors: this.sendErrors,
      callbackErrors: this.callbackErrors,
      destination:
        this.destinationAddress === undefined
          ? undefined
          : { address: this.destinationAddress, port: this.destinationPort },
      remoteReport: this.rtcp.remoteReport,
      byeReceived: this.rtcp.byeReceived,
    };
  }

  /** Sends RTCP BYE, leaves the pacing loop, closes the sockets and frees the ports. Idempotent. */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closed = true;
    this.pacing.remove();
    this.currentSource?.onFrameReady?.(undefined);
    // An Error captures a stack trace: only build one when a promise is there to reject.
    if (this.dtmfSender.busy) {
      this.dtmfSender.cancel(
        new MediaSessionClosedError('the RTP session closed before the digits were sent'),
      );
    }
    // RFC 3550 §6.3.7: a participant that never sent an RTP or RTCP packet MUST NOT send a BYE
    // (a short call that was only ever silent, or closed before its first report).
    const sentAnything = this.packetsSent > 0 || this.rtcpSent > 0;
    if (sentAnything && this.remote !== undefined && this.destinationAddress !== undefined) {
      this.sendRtcp(this.rtcp.bye(this.ssrc));
    }
    this.rtcp.stop();
    this.pair.rtp.off('message', this.onRtpMessage);
    this.pair.rtcp.off('message', this.onRtcpMessage);
    const onClosed = this.onClosed;
    this.closing = this.pair.release().then(() => {
      onClosed?.();
    });
    return this.closing;
  }

  // ---------------------------------------------------------------- pacing (hot path)

  /**
   * One pacing tick: DTMF or audio out, then timeouts and RTCP. Returns false when there is
   * nothing to send on the next tick (no frame, no DTMF, nothing half-packetized, no received
   * press to time out): the clock then only sweeps the session for its housekeeping until
   * something wakes it (a source with frames, setSource, sendDtmf, setRemote, an event packet).
   * The ticks it sleeps through still advance the RTP timestamp (the `skipped` path below).
   */
  onTick(tick: number, nowMs: number): boolean {
    if (this.closed) return false;
    const skipped = this.lastTick < 0 ? 0 : tick - this.lastTick - 1;
    this.lastTick = tick;
    if (skipped > 0) {
      // The loop stalled: time went on, so does the timestamp (RFC 3550 §5.1), and the next
      // packet starts a new talk-spurt.
      this.timestampCursor = (this.timestampCursor + skipped * FRAME_SAMPLES) >>> 0;
      this.talkSpurtStart = true;
      this.fifoFill = 0;
    }
    const timestamp = this.timestampCursor;
    this.timestampCursor = (timestamp + FRAME_SAMPLES) >>> 0;

    let frame: PcmFrame | undefined;
    const source = this.currentSource;
    if (source !== undefined) {
      try {
        frame = source.nextFrame();
      } catch (error) {
        this.callbackFailed(error, 'frame source');
      }
    }

    const remote = this.remote;
    const canSend =
      remote !== undefined &&
      remote.port !== 0 &&
      this.destinationAddress !== undefined &&
      sends(this.currentDirection);

    let muted = false;
    if (this.dtmfSender.busy) {
      if (!canSend || remote.eventPayloadType === undefined) {
        this.dtmfSender.cancel(
          new DtmfError('the stream stopped sending before the DTMF digits were out'),
        );
      } else {
        if (this.dtmfSender.tick(timestamp)) {
          this.sendEvent(remote.eventPayloadType);
        }
        muted = this.dtmfSender.sending;
        if (muted) {
          this.talkSpurtStart = true;
          this.fifoFill = 0;
        }
      }
    }

    if (!muted) {
      if (!canSend) {
        this.talkSpurtStart = true;
        this.fifoFill = 0;
      } else if (frame === undefined) {
        if (this.fifoFill > 0) this.flushFifo(remote);
        this.talkSpurtStart = true;
      } else if (remote.packetSamples === FRAME_SAMPLES) {
        this.sendFrame(remote, frame, timestamp);
      } else {
        this.queueFrame(remote, frame, timestamp);
      }
    }

    this.dtmfDecoder.poll(nowMs);
    this.checkTimeout(nowMs);
    this.reportIfDue(remote, timestamp, nowMs);
    return (
      frame !== undefined ||
      this.dtmfSender.busy ||
      this.fifoFill > 0 ||
      this.dtmfDecoder.pressOpen ||
      (source !== undefined && !this.sourceWakes)
    );
  }

  /** RTCP SR/RR when the interval has passed (RFC 3550 §6.2; a sweep's delay is well within). */
  private reportIfDue(remote: Remote | undefined, timestamp: number, nowMs: number): void {
    if (remote !== undefined && this.rtcp.isDue(nowMs) && this.findRtcpDestination()) {
      const report = this.rtcp.due(
        nowMs,
        {
          ssrc: this.ssrc,
          packetsSent: this.packetsSent,
          octetsSent: this.bytesSent,
          rtpTimestamp: timestamp,
        },
        this.haveRemoteSsrc ? { remoteSsrc: this.remoteSsrc, stats: this.receiveStats } : undefined,
      );
      this.sendRtcp(report);
    }
  }

  /** ptime 20: encode the frame straight into a packet. */
  private sendFrame(remote: Remote, frame: PcmFrame, timestamp: number): void {
    const view = this.frameViews[this.sendIndex] as Buffer;
    const buffer = this.nextSendBuffer();
    writeRtpHeader(
      buffer,
      this.talkSpurtStart,
      remote.payloadType,
      this.sequence,
      timestamp,
      this.ssrc,
    );
    const encode = remote.tables.encode;
    const n = frame.length < FRAME_SAMPLES ? frame.length : FRAME_SAMPLES;
    let o = RTP_HEADER_SIZE;
    for (let i = 0; i < n; i += 1) buffer[o++] = encode[(frame[i] ?? 0) + 32768] ?? 0;
    for (let i = n; i < FRAME_SAMPLES; i += 1) buffer[o++] = remote.tables.silence;
    this.transmitView(view, FRAME_SAMPLES);
  }

  /** Other ptimes: encode into the FIFO and send every full packet. */
  private queueFrame(remote: Remote, frame: PcmFrame, timestamp: number): void {
    const fifo = this.fifo;
    if (fifo === undefined) return;
    if (this.fifoFill === 0) this.fifoTimestamp = timestamp;
    const encode = remote.tables.encode;
    const n = frame.length < FRAME_SAMPLES ? frame.length : FRAME_SAMPLES;
    let o = this.fifoFill;
    for (let i = 0; i < n; i += 1) fifo[o++] = encode[(frame[i] ?? 0) + 32768] ?? 0;
    for (let i = n; i < FRAME_SAMPLES; i += 1) fifo[o++] = remote.tables.silence;
    this.fifoFill = o;
    const size = remote.packetSamples;
    while (this.fifoFill >= size) {
      this.sendPayload(remote, fifo, size);
      fifo.copyWithin(0, size, this.fifoFill);
      this.fifoFill -= size;
    }
  }

  /** The source paused mid-packet: send what is there (a shorter packet is valid RTP). */
  private flushFifo(remote: Remote): void {
    const fifo = this.fifo;
    if (fifo === undefined) return;
    this.sendPayload(remote, fifo, this.fifoFill);
    this.fifoFill = 0;
  }

  private sendPayload(remote: Remote, payload: Uint8Array, size: number): void {
    const buffer = this.nextSendBuffer();
    writeRtpHeader(
      buffer,
      this.talkSpurtStart,
      remote.payloadType,
      this.sequence,
      this.fifoTimestamp,
      this.ssrc,
    );
    for (let i = 0; i < size; i += 1) buffer[RTP_HEADER_SIZE + i] = payload[i] ?? 0;
    this.fifoTimestamp = (this.fifoTimestamp + size) >>> 0;
    this.transmit(buffer, RTP_HEADER_SIZE + size, size);
  }

  private sendEvent(payloadType: number): void {
    const sender = this.dtmfSender;
    const buffer = this.nextSendBuffer();
    writeRtpHeader(buffer, sender.marker, payloadType, this.sequence, sender.timestamp, this.ssrc);
    buffer.set(sender.payload, RTP_HEADER_SIZE);
    this.transmit(buffer, RTP_HEADER_SIZE + 4, 4);
  }

  /**
   * Node copies the datagram into the kernel during `send` when the socket can take it; only when
   * the kernel queue is full does libuv keep a pointer to our buffer until later. Rotating
   * through SEND_RING buffers keeps such a pending packet intact for that many packets (80 ms).
   */
  private nextSendBuffer(): Buffer {
    const buffer = this.sendBuffers[this.sendIndex] as Buffer;
    this.sendIndex = (this.sendIndex + 1) % SEND_RING;
    return buffer;
  }

  private transmit(buffer: Buffer, length: number, payloadBytes: number): void {
    try {
      this.pair.rtp.send(buffer, 0, length, this.destinationPort, this.destinationAddress);
    } catch (error) {
      this.onSocketError(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.afterSend(payloadBytes);
  }

  /** The same for a buffer that is exactly the packet. */
  private transmitView(packet: Buffer, payloadBytes: number): void {
    try {
      this.pair.rtp.send(packet, this.destinationPort, this.destinationAddress);
    } catch (error) {
      this.onSocketError(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.afterSend(payloadBytes);
  }

  private afterSend(payloadBytes: number): void {
    this.sequence = (this.sequence + 1) & 0xffff;
    this.packetsSent += 1;
    this.bytesSent += payloadBytes;
    this.talkSpurtStart = false;
    this.rtcp.noteRtpSent();
  }

  // ---------------------------------------------------------------- receiving (hot path)

  private receiveRtp(packet: Buffer, address: string, port: number): void {
    if (this.closed) return;
    const header = this.header;
    if (parseRtp(packet, packet.length, header) !== 'ok') {
      this.malformed += 1;
      return;
    }
    const kind = this.payloadKinds[header.payloadType] ?? KIND_UNKNOWN;
    if (kind === KIND_UNKNOWN) {
      this.unknownPayloadType += 1;
      return;
    }
    const now = this.clock.now();
    if (!this.acceptSource(address, port, now)) {
      this.foreignSource += 1;
      return;
    }
    this.packetsReceived += 1;
    this.bytesReceived += header.payloadLength;
    this.lastRtpAt = now;
    if (kind === KIND_EVENT) {
      // Some gateways send events with an SSRC of their own: they neither reset the audio
      // statistics nor count in them; the decoder tells presses apart by timestamp anyway.
      if (this.haveRemoteSsrc && header.ssrc === this.remoteSsrc) {
        this.receiveStats.updateSequence(header.sequence);
      }
      this.dtmfDecoder.handle(
        packet,
        header.payloadOffset,
        header.payloadLength,
        header.timestamp,
        now,
      );
      // Ticks poll the press for its end timeout (lost end packets): stay awake while it is open.
      if (this.dtmfDecoder.pressOpen) this.pacing.wake();
      return;
    }
    if (!this.haveRemoteSsrc || header.ssrc !== this.remoteSsrc) {
      // A new source (the far end restarted, or another sender took over): fresh statistics.
      if (this.haveRemoteSsrc) this.ssrcChanges += 1;
      this.haveRemoteSsrc = true;
      this.remoteSsrc = header.ssrc;
      this.receiveStats.reset();
      this.frameFill = 0;
      this.haveExpectedTimestamp = false;
    }
    this.receiveStats.updateSequence(header.sequence);
    if (kind === KIND_CN) {
      this.comfortNoise += 1;
      return;
    }
    // Only audio feeds the jitter estimate: event packets carry the start time of their press.
    this.receiveStats.updateJitter(now * 8, header.timestamp);
    if (!receives(this.currentDirection)) return; // we declared we do not want media now
    const decode = kind === KIND_PCMU ? PCMU_DECODE : PCMA_DECODE;
    const frame = this.frame;
    let fill = this.fillGap(header.timestamp, header.payloadLength);
    const end = header.payloadOffset + header.payloadLength;
    for (let i = header.payloadOffset; i < end; i += 1) {
      frame[fill++] = decode[packet[i] ?? 0] ?? 0;
      if (fill === FRAME_SAMPLES) {
        this.deliver(frame);
        fill = 0;
      }
    }
    this.frameFill = fill;
  }

  /**
   * Silence for the samples a sender skipped: a phone with voice activity detection sends nothing
   * while the caller pauses, and its next packet's timestamp jumps by the pause (RFC 3551 §4.1,
   * RFC 3389 §1). Sinks get the pause as silence, so a recording keeps the caller's timing and
   * its length is time on the line, not only audio received. Forward jumps up to
   * `MAX_GAP_FILL_SAMPLES` are filled; a larger one is a discontinuity (a restarted sender, a
   * rewrite by a middlebox) and fills nothing. A late or reordered packet fills nothing and
   * leaves the cursor ahead. Returns the frame fill after the silence.
   */
  private fillGap(timestamp: number, samples: number): number {
    let fill = this.frameFill;
    if (this.haveExpectedTimestamp) {
      const gap = (timestamp - this.expectedTimestamp) >>> 0;
      if (gap >= 2 ** 31) return fill;
      if (gap <= MAX_GAP_FILL_SAMPLES) {
        const frame = this.frame;
        for (let i = 0; i < gap; i += 1) {
          frame[fill++] = 0;
          if (fill === FRAME_SAMPLES) {
            this.deliver(frame);
            fill = 0;
          }
        }
      }
    }
    this.expectedTimestamp = (timestamp + samples) >>> 0;
    this.haveExpectedTimestamp = true;
    return fill;
  }

  private deliver(frame: PcmFrame): void {
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i += 1) {
      try {
        sinks[i]?.writeFrame(frame);
      } catch (error) {
        this.callbackFailed(error, 'frame sink');
      }
    }
  }

  /** Symmetric RTP latching (see the file comment). */
  private acceptSource(address: string, port: number, now: number): boolean {
    if (!this.symmetric) return true;
    if (this.latchedAddress === undefined) {
      this.latch(address, port, now);
      return true;
    }
    if (address === this.latchedAddress && port === this.latchedPort) {
      this.latchedAt = now;
      return true;
    }
    if (now - this.latchedAt >= this.relatchAfterMs) {
      this.relatches += 1;
      this.rtcpLatchedAddress = undefined;
      this.latch(address, port, now);
      return true;
    }
    return false;
  }

  private latch(address: string, port: number, now: number): void {
    this.latchedAddress = address;
    this.latchedPort = port;
    this.latchedAt = now;
    this.updateDestination();
  }

  private updateDestination(): void {
    if (this.latchedAddress !== undefined) {
      this.destinationAddress = this.latchedAddress;
      this.destinationPort = this.latchedPort;
      return;
    }
    const remote = this.remote;
    const unspecified =
      remote === undefined || remote.address === '0.0.0.0' || remote.address === '::';
    this.destinationAddress = unspecified ? undefined : remote.address;
    this.destinationPort = remote?.port ?? 0;
  }

  // ---------------------------------------------------------------- RTCP

  private receiveRtcp(packet: Buffer, address: string, port: number): void {
    if (this.closed) return;
    const now = this.clock.now();
    if (!this.rtcp.receive(packet, now, this.ssrc)) return;
    this.lastRtcpAt = now;
    // Symmetric RTCP: follow the far end's RTCP source when it comes from the media address.
    if (this.symmetric && this.rtcpLatchedAddress === undefined) {
      const mediaAddress = this.latchedAddress ?? this.remote?.address;
      if (address === mediaAddress) {
        this.rtcpLatchedAddress = address;
        this.rtcpLatchedPort = port;
      }
    }
  }

  /** Where RTCP goes now (fields set), or false when nowhere. */
  private findRtcpDestination(): boolean {
    const remote = this.remote;
    if (remote === undefined || remote.port === 0) return false; // rejected stream: no RTCP
    if (this.rtcpLatchedAddress !== undefined) {
      this.rtcpAddress = this.rtcpLatchedAddress;
      this.rtcpPort = this.rtcpLatchedPort;
    } else if (this.latchedAddress !== undefined) {
      this.rtcpAddress = this.latchedAddress;
      this.rtcpPort = this.latchedPort + 1;
    } else {
      this.rtcpAddress = remote.rtcpAddress;
      this.rtcpPort = remote.rtcpPort;
    }
    const address = this.rtcpAddress;
    return address !== '0.0.0.0' && address !== '::' && this.rtcpPort > 0 && this.rtcpPort <= 65535;
  }

  private sendRtcp(packet: Uint8Array): void {
    if (!this.findRtcpDestination()) return;
    try {
      this.pair.rtcp.send(packet, this.rtcpPort, this.rtcpAddress);
      this.rtcpSent += 1;
    } catch (error) {
      this.onSocketError(error instanceof Error ? error : new Error(String(error)));
    }
  }

  // ---------------------------------------------------------------- helpers

  private setDirectionAt(direction: MediaDirection, now: number): void {
    if (direction !== this.currentDirection) {
      this.currentDirection = direction;
      this.talkSpurtStart = true;
      // The expectations changed (hold/resume): measure silence from now.
      this.lastRtpAt = now;
      this.lastRtcpAt = now;
    }
  }

  private checkTimeout(now: number): void {
    if (this.timedOut || this.remote === undefined) return;
    const expectMedia = receives(this.currentDirection);
    const limit = expectMedia ? this.mediaTimeoutMs : this.holdTimeoutMs;
    if (limit <= 0) return;
    const last = expectMedia ? this.lastRtpAt : Math.max(this.lastRtpAt, this.lastRtcpAt);
    const silentForMs = now - last;
    if (silentForMs <= limit) return;
    this.timedOut = true;
    const timeout: MediaTimeout = { silentForMs, onHold: !expectMedia };
    for (const listener of this.timeoutListeners) {
      try {
        listener(timeout);
      } catch (error) {
        this.callbackFailed(error, 'media timeout listener');
      }
    }
    this.firedTimeout = timeout;
    this.resolveTimeout?.(timeout);
  }

  private emitDtmf(event: DtmfEvent): void {
    for (const listener of this.dtmfListeners) {
      try {
        listener(event);
      } catch (error) {
        this.callbackFailed(error, 'DTMF listener');
      }
    }
  }

  private emitDtmfStart(digit: string): void {
    for (const listener of this.dtmfStartListeners) {
      try {
        listener(digit);
      } catch (error) {
        this.callbackFailed(error, 'DTMF start listener');
      }
    }
  }

  private callbackFailed(error: unknown, what: string): void {
    this.callbackErrors += 1;
    if (this.callbackErrors <= 3) {
      this.logger.warn({ err: error, port: this.localPort }, `${what} threw; it must not`);
    }
  }

  /**
   * Our socket's view of an address: IPv4 far ends on a dual-stack socket (bound to `::`) become
   * ::ffff:a.b.c.d; other family mismatches cannot be sent to.
   */
  private reachable(address: string): string {
    if (address === '0.0.0.0' || address === '::') return address; // hold: nowhere to send
    if (this.pair.family === 'IPv6') {
      if (isIPv6(address)) return address;
      if (isIPv4(address) && this.pair.bindAddress === '::') return `::ffff:${address}`;
    } else if (isIPv4(address)) {
      return address;
    }
    throw new TypeError(
      `RTP far end ${address} cannot be reached from a session bound to an ${this.pair.family} address`,
    );
  }
}

/** Rejects numbers that cannot be on the wire, with the field named. */
function checkRemote(media: RemoteMedia): void {
  const port = (name: string, value: number | undefined, min: number): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > 65535)) {
      throw new RangeError(`${name} must be an integer ${String(min)}-65535, got ${String(value)}`);
    }
  };
  port('remotePort', media.remotePort, 0);
  port('remoteRtcpPort', media.remoteRtcpPort, 1);
  const types = [media.payloadType, media.telephoneEventPayloadType];
  for (const pt of [
    ...types,
    ...(media.receivePayloadTypes ?? []).map((entry) => entry.payloadType),
  ]) {
    if (pt !== undefined && (!Number.isInteger(pt) || pt < 0 || pt > 127)) {
      throw new RangeError(`RTP payload types are 0-127, got ${String(pt)}`);
    }
  }
}
