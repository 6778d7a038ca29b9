/**
 * What one call costs our UAS, steadier than the call rates of `npm run bench:sip` on a busy
 * machine: CPU time per call, and the memory a call leaves behind while its transactions wait
 * out their timers (Timer L of the INVITE, Timer J of the BYE: 64·T1 = 32 s). SIPp's `uac`
 * scenario makes `--calls` calls at `--rate` against a createSipStack UAS answering like the
 * one of bench/uas-server.ts, run in this process; once SIPp is done (every call ended, every
 * transaction still live) the heap is collected, measured and compared with the heap before.
 *
 *   npm run bench:sip-call [-- --calls 5000] [--rate 1000] [--snapshot FILE]
 *
 * CPU: user + system time of this process over the calls (the stack's work, GC included, and
 * a little of the harness). `--snapshot` writes a V8 heap snapshot once the calls are done
 * (open it in Chrome DevTools, Memory).
 */
import { writeHeapSnapshot } from 'node:v8';
import { parseArgs } from 'node:util';
import { createSipStack } from '../src/sip-stack.js';
import { runSipp, sippInstalled } from '../src/stack/test-support/sipp.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '5000' },
    rate: { type: 'string', default: '1000' },
    snapshot: { type: 'string' },
  },
});
const calls = Number(values.calls);
const rate = Number(values.rate);
if (!Number.isInteger(calls) || calls < 1) throw new Error('--calls takes a positive integer');
if (!Number.isInteger(rate) || rate < 1) throw new Error('--rate takes a positive integer');
if (!sippInstalled) throw new Error('SIPp is missing: apt-get install sip-tester');
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';

function measure(): { heap: number; external: number } {
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, external: usage.external };
}

const sip = await createSipStack({
  host: '127.0.0.1',
  port: 0,
  tcp: false,
  delegate: {
    onInvite(invite) {
      invite.progress(180);
      invite.accept({ sdp: SDP }).catch(() => undefined);
    },
  },
});
try {
  const before = measure();
  const cpuBefore = process.cpuUsage();
  const result = await runSipp({
    args: ['-sn', 'uac'],
    remote: `127.0.0.1:${String(sip.port)}`,
    calls,
    rate,
    timeoutSeconds: Math.ceil(calls / rate) + 30,
  });
  const cpu = process.cpuUsage(cpuBefore);
  const after = measure();
  const { serverCount, clientCount } = sip.stack.transactions;
  console.log(
    `${String(result.successfulCalls)} calls ok, ${String(result.failedCalls)} failed; ` +
      `${String(serverCount)} server and ${String(clientCount)} client transactions live, ` +
      `${String(sip.ua.dialogs.size)} dialogs`,
  );
  const perCall = (bytes: number): string => (bytes / calls).toFixed(0);
  console.log(
    `CPU per call: ${((cpu.user + cpu.system) / calls).toFixed(1)} µs ` +
      `(user ${(cpu.user / calls).toFixed(1)}, system ${(cpu.system / calls).toFixed(1)})`,
  );
  console.log(
    `retained per call: heap ${perCall(after.heap - before.heap)} B, ` +
      `external ${perCall(after.external - before.external)} B`,
  );
  if (values.snapshot !== undefined) console.log(`snapshot: ${writeHeapSnapshot(values.snapshot)}`);
} finally {
  await sip.close();
}
