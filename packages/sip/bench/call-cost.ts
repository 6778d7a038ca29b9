/**
 * What one call costs our UAS, the other view next to the call rates of `npm run bench:sip`:
 * CPU time per call, and the memory a call leaves behind while its transactions wait out their
 * timers (Timer L of the INVITE, Timer J of the BYE: 64·T1 = 32 s). SIPp's `uac` scenario makes
 * `--calls` calls at `--rate` against the UAS of bench/uas.ts, run in this process (not pinned
 * to a core); once SIPp is done (every call ended, its transactions still live) the heap is
 * collected, measured and compared with the heap before the calls.
 *
 *   node --expose-gc --import tsx packages/sip/bench/call-cost.ts [--calls 8000] [--rate 2000]
 *                                             [--uas ua|test] [--snapshot FILE]
 *
 * CPU: user + system time of this process over the calls (the stack's work and its garbage
 * collection, plus a little of the harness's). `--snapshot` writes a V8 heap snapshot once the
 * calls are done (open it in Chrome DevTools, Memory tab).
 */
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { runSipp, sippInstalled } from '../src/stack/test-support/sipp.js';
import { startUas } from './uas.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '8000' },
    rate: { type: 'string', default: '2000' },
    uas: { type: 'string', default: 'ua' },
    snapshot: { type: 'string' },
  },
});
const calls = Number(values.calls);
const rate = Number(values.rate);
const kind = values.uas;
if (!Number.isInteger(calls) || calls < 1) throw new Error('--calls takes a positive integer');
if (!Number.isInteger(rate) || rate < 1) throw new Error('--rate takes a positive integer');
if (kind !== 'ua' && kind !== 'test') throw new Error('--uas takes "ua" or "test"');
if (!sippInstalled) throw new Error('SIPp is missing: apt-get install sip-tester');
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

function heap(): { used: number; external: number } {
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return { used: usage.heapUsed, external: usage.external };
}

const uas = await startUas(0, kind);
try {
  const before = heap();
  const cpuBefore = process.cpuUsage();
  const result = await runSipp({
    args: ['-sn', 'uac'],
    remote: `127.0.0.1:${String(uas.port)}`,
    calls,
    rate,
    timeoutSeconds: Math.ceil(calls / rate) + 30,
  });
  const cpu = process.cpuUsage(cpuBefore);
  const after = heap();
  const live = uas.serverTransactions();
  console.log(
    `${String(result.successfulCalls)} calls ok, ${String(result.failedCalls)} failed` +
      (live === undefined ? '' : `; ${String(live)} server transactions still live`),
  );
  const perCall = (value: number): string => (value / calls).toFixed(1);
  console.log(
    `CPU per call: ${perCall(cpu.user + cpu.system)} µs ` +
      `(user ${perCall(cpu.user)}, system ${perCall(cpu.system)})`,
  );
  console.log(
    `retained per call: heap ${perCall(after.used - before.used)} B, ` +
      `external ${perCall(after.external - before.external)} B`,
  );
  if (values.snapshot !== undefined) console.log(`snapshot: ${writeHeapSnapshot(values.snapshot)}`);
} finally {
  await uas.close();
}
