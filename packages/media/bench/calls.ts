/**
 * The per-call figures of `npm run bench:media`, for a B2BUA that anchors the media of every
 * forwarded call (issue 6: 1,000 calls/s on one core):
 *
 * - held calls: N bridged calls (2 N sessions, each leg negotiated with a far end on 127.0.0.1)
 *   with no audio flowing: the CPU they cost per second while merely up (pacing ticks,
 *   housekeeping, RTCP reports);
 * - setup + teardown: CPU µs per call for what the call layer does (media-leg.ts): open the
 *   caller's session and answer its offer, open the outgoing leg's session with our offer and
 *   read the answer, bridge, unbridge, close both; with the SDP work and the session open/close
 *   also measured alone.
 *
 * CPU time (process.cpuUsage), not wall clock: the machine may be shared.
 */
import { performance } from 'node:perf_hooks';
import { createSocket, type Socket } from 'node:dgram';
import { bridge } from '../src/bridge/bridge.js';
import { FakeScheduler } from '../src/clock/fake-scheduler.js';
import { PacingClock, type PacingClockOptions } from '../src/clock/pacing-clock.js';
import { MediaEngine } from '../src/rtp/media-engine.js';
import type { RtpSession } from '../src/rtp/rtp-session.js';
import { answerOffer, createOffer, parseAnswer } from '../src/sdp/index.js';

const ADDRESS = '127.0.0.1';

/** What a SIPp carrier (uac scenario) offers, with telephone-event as phones add it. */
function carrierOffer(port: number): string {
  return [
    'v=0',
    'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${String(port)} RTP/AVP 0 8 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=ptime:20',
    '',
  ].join('\r\n');
}

/** What a trunk (SIPp uas) answers to our offer. */
function trunkAnswer(port: number): string {
  return [
    'v=0',
    'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${String(port)} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    '',
  ].join('\r\n');
}

interface Call {
  readonly caller: RtpSession;
  readonly callee: RtpSession;
  unbridge(): void;
}

/** One call's media, the way apps/server/src/telephony/media-leg.ts sets it up. */
async function setUpCall(engine: MediaEngine, farPort: number): Promise<Call> {
  const caller = await engine.openSession();
  const answer = answerOffer(carrierOffer(farPort), { address: ADDRESS, port: caller.localPort });
  caller.setRemote(answer.media);
  const callee = await engine.openSession();
  const offer = createOffer({ address: ADDRESS, port: callee.localPort });
  callee.setRemote(parseAnswer(trunkAnswer(farPort), offer.sdp));
  const joined = bridge(caller, callee);
  return {
    caller,
    callee,
    unbridge: () => {
      joined.unbridge();
    },
  };
}

async function tearDown(call: Call): Promise<void> {
  call.unbridge();
  await Promise.all([call.caller.close(), call.callee.close()]);
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A far end that never sends: RTCP reports land here and are dropped. */
async function openSink(): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.on('message', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, ADDRESS, resolve));
  return socket;
}

export interface HeldCallsResult {
  readonly calls: number;
  readonly seconds: number;
  readonly cpuPercent: number;
  readonly microsPerCallSecond: number;
  readonly rtcpSent: number;
}

/** CPU of `calls` bridged calls that are up with no audio, over `seconds` after a 1 s warm-up. */
export async function measureHeldCalls(
  calls: number,
  seconds: number,
  tuning: { readonly pacer?: PacingClockOptions; readonly rtcpIntervalMs?: number } = {},
): Promise<HeldCallsResult> {
  const sink = await openSink();
  const farPort = (sink.address() as { port: number }).port;
  const pacer = new PacingClock(tuning.pacer);
  const engine = new MediaEngine({
    ports: { min: 20_000, max: 60_000, host: ADDRESS },
    pacer,
    rtcpIntervalMs: tuning.rtcpIntervalMs,
  });
  const up: Call[] = [];
  try {
    for (let i = 0; i < calls; i += 1) up.push(await setUpCall(engine, farPort));
    await sleep(1000);
    const rtcpBefore = totalRtcp(up);
    const cpu = process.cpuUsage();
    const started = performance.now();
    await sleep(seconds * 1000);
    const micros = cpuMicros(cpu);
    const elapsed = (performance.now() - started) / 1000;
    return {
      calls,
      seconds: elapsed,
      cpuPercent: micros / 1e4 / elapsed,
      microsPerCallSecond: micros / calls / elapsed,
      rtcpSent: totalRtcp(up) - rtcpBefore,
    };
  } finally {
    await Promise.all(up.map(tearDown));
    await engine.close();
    sink.close();
  }
}

function totalRtcp(calls: readonly Call[]): number {
  let n = 0;
  for (const call of calls) n += call.caller.stats().rtcpSent + call.callee.stats().rtcpSent;
  return n;
}

export interface SetupResult {
  readonly calls: number;
  /** Everything: open two sessions, negotiate, bridge, unbridge, close both. */
  readonly fullMicros: number;
  /** answerOffer + createOffer + parseAnswer alone. */
  readonly sdpMicros: number;
  /** Two sessions opened and closed, nothing else. */
  readonly sessionsMicros: number;
  /** The port pool afterwards: pairs reused from the warm pool vs bound. */
  readonly pool: { readonly reused: number; readonly bound: number };
}

/**
 * CPU µs per call of media setup and teardown, at a steady ~1,000 calls per second (batches of
 * 50 calls back to back every 50 ms) the way a loaded server sees them: first `warmUpSeconds`
 * of calls (JIT, and the port pool's warm pairs out of their quarantine), then `calls` measured
 * calls (CPU counted during the batches only). The sessions join a pacing clock that never ticks
 * (a FakeScheduler nobody advances), so the figure is the setup work alone, not the 20 ms loop.
 */
export async function measureSetup(
  calls: number,
  warmUpSeconds = 1.5,
  warmPairs?: number,
): Promise<SetupResult> {
  const sink = await openSink();
  const farPort = (sink.address() as { port: number }).port;
  const pacer = new PacingClock({ scheduler: new FakeScheduler() });
  const engine = new MediaEngine({
    ports: { min: 20_000, max: 60_000, host: ADDRESS, warmPairs },
    pacer,
  });
  const batch = 50;
  try {
    const full = async (): Promise<void> => {
      await tearDown(await setUpCall(engine, farPort));
    };
    const sessions = async (): Promise<void> => {
      const a = await engine.openSession();
      const b = await engine.openSession();
      await Promise.all([a.close(), b.close()]);
    };
    const sdp = (): void => {
      answerOffer(carrierOffer(farPort), { address: ADDRESS, port: 30_000 });
      const offer = createOffer({ address: ADDRESS, port: 30_002 });
      parseAnswer(trunkAnswer(farPort), offer.sdp);
    };
    /** Runs `count` calls in batches; CPU µs spent in the batches. */
    const paced = async (run: () => Promise<void> | void, count: number): Promise<number> => {
      let micros = 0;
      for (let done = 0; done < count; done += batch) {
        const cpu = process.cpuUsage();
        for (let i = 0; i < batch; i += 1) await run();
        micros += cpuMicros(cpu);
        await sleep(batch);
      }
      return micros;
    };
    const perCall = async (run: () => Promise<void> | void): Promise<number> => {
      await paced(run, Math.ceil((warmUpSeconds * 1000) / batch) * batch);
      return (await paced(run, calls)) / (Math.ceil(calls / batch) * batch);
    };
    const fullMicros = await perCall(full);
    const sdpMicros = await perCall(sdp);
    const sessionsMicros = await perCall(sessions);
    return { calls, fullMicros, sdpMicros, sessionsMicros, pool: engine.pool.stats };
  } finally {
    await engine.close();
    sink.close();
  }
}
