/**
 * `npm run bench:media`: how many sessions can play a prompt at once on one core while the 20 ms
 * pacing stays on schedule, and what a session costs in memory.
 *
 * N RtpSessions on 127.0.0.1 each play a prompt (a looped synthetic two-tone PCM prompt, shared
 * by all sessions as frame views, the way the player's cache shares a WAV) through the one pacing
 * clock to a receiving socket in a child process, which counts the packets (and with `--duplex`
 * sends each one back, so every session also receives and decodes 50 packets/s like a call
 * whose caller talks). N steps up (100, 250, 500, 750, 1000, ...) until the p99 lateness of the
 * pacing ticks goes over 2 ms. Because the machine may be shared, a failing step is measured once
 * more, and the run stops only after two steps in a row fail; the result is the largest N that
 * passed.
 *
 * Before the ramp it prints the per-call figures of bench/calls.ts: CPU of `--calls` (1000) held
 * bridged calls with no audio, and CPU µs per call of media setup + teardown (`--setup-calls`
 * calls, 2000).
 *
 * Options: --max N (default 4000), --seconds S per step (default 5), --duplex, --steps 100,250,...,
 * --all (measure every step whatever the results), --calls N, --setup-calls N, --calls-only (skip
 * the ramp), --no-calls (only the ramp), --no-warm-pool (setup with a bind and close per session).
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { spawn } from 'node:child_process';
import { PacingClock } from '../src/clock/pacing-clock.js';
import {
  FRAME_SAMPLES,
  SAMPLE_RATE,
  type FrameSink,
  type FrameSource,
  type PcmFrame,
} from '../src/frames.js';
import { PortPool } from '../src/rtp/port-pool.js';
import { RtpSession } from '../src/rtp/rtp-session.js';
import { measureHeldCalls, measureSetup } from './calls.js';

const LIMIT_P99_MS = 2;

interface Options {
  max: number;
  seconds: number;
  duplex: boolean;
  all: boolean;
  steps: number[];
  calls: number;
  setupCalls: number;
  ramp: boolean;
  callFigures: boolean;
  warmPool: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    max: 4000,
    seconds: 5,
    duplex: false,
    all: false,
    steps: [],
    calls: 1000,
    setupCalls: 2000,
    ramp: true,
    callFigures: true,
    warmPool: true,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--max' && value !== undefined) {
      options.max = Number(value);
      i += 1;
    } else if (arg === '--seconds' && value !== undefined) {
      options.seconds = Number(value);
      i += 1;
    } else if (arg === '--steps' && value !== undefined) {
      options.steps = value.split(',').map(Number);
      i += 1;
    } else if (arg === '--calls' && value !== undefined) {
      options.calls = Number(value);
      i += 1;
    } else if (arg === '--setup-calls' && value !== undefined) {
      options.setupCalls = Number(value);
      i += 1;
    } else if (arg === '--calls-only') {
      options.ramp = false;
    } else if (arg === '--no-warm-pool') {
      options.warmPool = false;
    } else if (arg === '--no-calls') {
      options.callFigures = false;
    } else if (arg === '--duplex') {
      options.duplex = true;
    } else if (arg === '--all') {
      options.all = true;
    } else {
      throw new Error(
        `unknown option ${String(arg)} (use --max N, --seconds S, --steps a,b,c, --duplex, --all,` +
          ' --calls N, --setup-calls N, --calls-only, --no-calls, --no-warm-pool)',
      );
    }
  }
  if (options.steps.length === 0) {
    const steps = [100, 250, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000];
    options.steps = steps.filter((n) => n <= options.max);
  }
  return options;
}

/** One second of a two-tone prompt, cut into frame views once and shared by every session. */
function promptFrames(): PcmFrame[] {
  const seconds = 1;
  const pcm = new Int16Array(SAMPLE_RATE * seconds);
  for (let i = 0; i < pcm.length; i += 1) {
    const t = i / SAMPLE_RATE;
    pcm[i] = Math.round(
      6000 * Math.sin(2 * Math.PI * 440 * t) + 3000 * Math.sin(2 * Math.PI * 1200 * t),
    );
  }
  const frames: PcmFrame[] = [];
  for (let offset = 0; offset + FRAME_SAMPLES <= pcm.length; offset += FRAME_SAMPLES) {
    frames.push(pcm.subarray(offset, offset + FRAME_SAMPLES));
  }
  return frames;
}

/** Loops the shared prompt: no allocation per frame. */
class PromptLoop implements FrameSource {
  private index: number;
  constructor(
    private readonly frames: readonly PcmFrame[],
    start: number,
  ) {
    this.index = start % frames.length;
  }
  nextFrame(): PcmFrame | undefined {
    const frame = this.frames[this.index];
    this.index = (this.index + 1) % this.frames.length;
    return frame;
  }
}

const nullSink: FrameSink = { writeFrame: () => undefined };

/**
 * The receiving end, in a child process (so this process's CPU time is the sessions' alone):
 * counts packets, optionally echoes them.
 */
const RECEIVER = `
const dgram = require('node:dgram');
const duplex = process.argv[1] === 'duplex';
const socket = dgram.createSocket('udp4');
let packets = 0;
socket.on('message', (msg, from) => {
  packets += 1;
  if (duplex) socket.send(msg, from.port, from.address);
});
socket.bind(0, '127.0.0.1', () => {
  try { socket.setRecvBufferSize(16 * 1024 * 1024); socket.setSendBufferSize(16 * 1024 * 1024); } catch {}
  process.send({ port: socket.address().port });
});
process.on('message', (message) => {
  if (message === 'count') process.send({ packets });
  if (message === 'close') socket.close(() => process.exit(0));
});
`;

interface Receiver {
  port: number;
  count(): Promise<number>;
  close(): Promise<void>;
}

async function startReceiver(duplex: boolean): Promise<Receiver> {
  const child = spawn(process.execPath, ['-e', RECEIVER, duplex ? 'duplex' : 'simplex'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => {
      resolve(message.port);
    });
    child.once('error', reject);
  });
  return {
    port,
    count: () =>
      new Promise((resolve) => {
        child.once('message', (message: { packets: number }) => {
          resolve(message.packets);
        });
        child.send('count');
      }),
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('close');
      await exited;
    },
  };
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function memory(): { rss: number; heap: number } {
  gc();
  gc();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heap: usage.heapUsed };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  sessions: number;
  'p50 late ms': string;
  'p99 late ms': string;
  'max late ms': string;
  'tick work p50 ms': string;
  'tick work p99 ms': string;
  'CPU % of a core': string;
  'CPU µs/session-tick': string;
  'skipped ticks': number;
  'delivered %': string;
  'heap KiB/session': string;
  'RSS KiB/session': string;
  'p99 <= 2 ms': string;
}

async function callFigures(options: Options): Promise<void> {
  console.log(`bench:media — per-call figures; Node ${process.version}`);
  const setup = await measureSetup(options.setupCalls, 1.5, options.warmPool ? undefined : 0);
  console.log(
    `  media setup + teardown (open 2 sessions, answer/offer/answer, bridge, unbridge, close):` +
      ` ${setup.fullMicros.toFixed(0)} µs CPU per call (target < 150);` +
      ` of which SDP alone ${setup.sdpMicros.toFixed(0)} µs,` +
      ` 2 sessions opened and closed alone ${setup.sessionsMicros.toFixed(0)} µs` +
      ` (${String(setup.calls)} calls each at ~1,000 calls/s; port pairs reused from the warm` +
      ` pool ${String(setup.pool.reused)}, bound ${String(setup.pool.bound)})`,
  );
  const held = await measureHeldCalls(options.calls, options.seconds);
  console.log(
    `  ${String(held.calls)} held bridged calls, no audio: ${held.cpuPercent.toFixed(1)} % of a core` +
      ` (target < 3), ${held.microsPerCallSecond.toFixed(1)} µs CPU per call-second,` +
      ` ${String(held.rtcpSent)} RTCP reports in ${held.seconds.toFixed(1)} s`,
  );
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.callFigures) await callFigures(options);
  if (!options.ramp) return;
  const frames = promptFrames();
  const pacer = new PacingClock();
  const pool = new PortPool({ min: 20_000, max: 60_000, host: '127.0.0.1' });
  const receiver = await startReceiver(options.duplex);
  const sessions: RtpSession[] = [];
  const rows: Row[] = [];
  let best = 0;
  let failedInARow = 0;

  console.log(
    `bench:media — sessions playing a prompt on one pacing loop (${options.duplex ? 'duplex: each also receives 50 packets/s' : 'send only'}),` +
      ` ${String(options.seconds)} s per step, limit p99 lateness ${String(LIMIT_P99_MS)} ms; Node ${process.version}`,
  );
  const base = memory();

  try {
    for (const n of options.steps) {
      process.stdout.write(`  ${String(n).padStart(5)} sessions: opening...`);
      while (sessions.length < n) {
        const session = await RtpSession.open({ pool, pacer, mediaTimeoutMs: 0 });
        session.setRemote({
          codec: 'PCMU',
          payloadType: 0,
          telephoneEventPayloadType: 101,
          remoteAddress: '127.0.0.1',
          remotePort: receiver.port,
          direction: 'sendrecv',
          ptime: 20,
        });
        session.setSource(new PromptLoop(frames, sessions.length));
        if (options.duplex) session.addSink(nullSink);
        sessions.push(session);
      }
      const mem = memory();
      let attempt = 0;
      let row: Row | undefined;
      let passed = false;
      while (attempt < 2 && !passed) {
        attempt += 1;
        process.stdout.write(attempt === 1 ? ' warming up...' : ' re-measuring...');
        await sleep(1000);
        pacer.resetStats();
        const before = await receiver.count();
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        process.stdout.write(' measuring...');
        await sleep(options.seconds * 1000);
        const elapsed = (performance.now() - started) / 1000;
        const cpu = process.cpuUsage(cpuBefore);
        const cpuSeconds = (cpu.user + cpu.system) / 1e6;
        const received = (await receiver.count()) - before;
        const stats = pacer.stats();
        const expected = n * 50 * elapsed;
        passed = stats.lateness.p99Ms <= LIMIT_P99_MS;
        row = {
          sessions: n,
          'p50 late ms': stats.lateness.p50Ms.toFixed(2),
          'p99 late ms': stats.lateness.p99Ms.toFixed(2),
          'max late ms': stats.lateness.maxMs.toFixed(2),
          'tick work p50 ms': stats.work.p50Ms.toFixed(2),
          'tick work p99 ms': stats.work.p99Ms.toFixed(2),
          'CPU % of a core': ((100 * cpuSeconds) / elapsed).toFixed(0),
          'CPU µs/session-tick': ((cpuSeconds * 1e6) / (n * 50 * elapsed)).toFixed(1),
          'skipped ticks': stats.skippedTicks,
          'delivered %': ((100 * received) / expected).toFixed(1),
          'heap KiB/session': ((mem.heap - base.heap) / n / 1024).toFixed(1),
          'RSS KiB/session': ((mem.rss - base.rss) / n / 1024).toFixed(1),
          'p99 <= 2 ms': passed ? 'yes' : 'no',
        };
        process.stdout.write(
          ` p50 ${row['p50 late ms']} ms, p99 ${row['p99 late ms']} ms, tick work p99` +
            ` ${row['tick work p99 ms']} ms, CPU ${row['CPU % of a core']} %${passed ? '' : ' (over the limit)'}`,
        );
      }
      process.stdout.write('\n');
      if (row !== undefined) rows.push(row);
      if (passed) {
        best = n;
        failedInARow = 0;
      } else {
        failedInARow += 1;
      }
      if (failedInARow >= 2 && !options.all) break;
    }
  } finally {
    process.stdout.write('  closing sessions...\n');
    await Promise.all(sessions.map((session) => session.close()));
    await receiver.close();
  }

  console.table(rows);
  console.log(
    best > 0
      ? `Largest N with p99 tick lateness <= ${String(LIMIT_P99_MS)} ms: ${String(best)} sessions (target: 500).`
      : `Even ${String(options.steps[0])} sessions missed the ${String(LIMIT_P99_MS)} ms p99 target.`,
  );
  console.log(
    'Lateness: how late each 20 ms tick started against its absolute schedule; tick work: how long' +
      ' one tick took for all sessions (the last session of a tick sends that much after the first);' +
      ' CPU: this process only (the receiver runs in a child process). On a shared machine the' +
      ' lateness mostly measures the other load; CPU µs per session-tick does not.',
  );
}

await main();
