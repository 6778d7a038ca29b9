/**
 * What one call costs our UAS in JavaScript alone, without the network: the UAS of bench/uas.ts
 * (`createSipStack`, the real user agent path) gets the datagrams of SIPp's `uac` scenario
 * (INVITE with SDP, ACK, BYE) straight from this process, handed to its UDP socket's `message`
 * listener, and what it sends is kept by a stub instead of going through `sendto`. No SIPp, no
 * kernel, no second process: the figure moves far less with the load of the machine than
 * call-cost.ts does, which makes it the one to compare two versions of the stack with. It
 * leaves out what the network costs (about three `sendto` and three `recvmsg` a call, and
 * Node's per-datagram work), which `npm run bench:sip` includes.
 *
 *   node --expose-gc --import tsx packages/sip/bench/js-cost.ts [--calls 60000] [--batch 50]
 *
 * The calls run in rounds of `--batch` calls a macrotask (datagrams arrive together), after a
 * warm-up of 20,000 calls, in three measured runs; each prints CPU µs per call (user + system
 * of this process, its garbage collection included), then the heap the calls left (their
 * transactions wait out Timer L and J for 32 s).
 */
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { startUas } from './uas.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '60000' },
    batch: { type: 'string', default: '50' },
  },
});
const calls = Number(values.calls);
const batch = Number(values.batch);
if (!Number.isInteger(calls) || calls < 3) throw new Error('--calls takes an integer ≥ 3');
if (!Number.isInteger(batch) || batch < 1) throw new Error('--batch takes a positive integer');
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

type MessageListener = (datagram: Buffer, remote: dgram.RemoteInfo) => void;
type SendCallback = (error: Error | null) => void;

// The UAS's socket is made inside createSipStack: its `message` listener is caught as it is
// added, and every socket's send is replaced by one that keeps the last datagram.
const prototype = dgram.Socket.prototype as unknown as {
  on: (this: dgram.Socket, event: string, listener: MessageListener) => dgram.Socket;
  send: (...args: unknown[]) => void;
};
const on = prototype.on;
let deliver: MessageListener | undefined;
prototype.on = function (this: dgram.Socket, event: string, listener: MessageListener) {
  if (event === 'message') deliver = listener;
  return on.call(this, event, listener);
};
let lastSent: Buffer | undefined;
let sent = 0;
prototype.send = (...args: unknown[]): void => {
  lastSent = args[0] as Buffer;
  sent += 1;
  const callback = args.find((arg) => typeof arg === 'function') as SendCallback | undefined;
  if (callback !== undefined) process.nextTick(callback, null);
};

const uas = await startUas(0, 'ua');
const listener = deliver;
if (listener === undefined) throw new Error('the UAS added no message listener');
const remote: dgram.RemoteInfo = { address: '127.0.0.1', family: 'IPv4', port: 5061, size: 0 };
const target = `sip:service@127.0.0.1:${String(uas.port)}`;
const SDP = [
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

/** A request as SIPp's `uac` scenario writes it (`toTag` for the ACK and BYE). */
function request(call: number, method: string, branch: string, cseq: number, toTag = ''): Buffer {
  const body = method === 'INVITE' ? SDP : '';
  return Buffer.from(
    [
      `${method} ${target} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-4242-${String(call)}-${branch}`,
      `From: sipp <sip:sipp@127.0.0.1:5061>;tag=4242SIPpTag00${String(call)}`,
      `To: service <${target}>${toTag === '' ? '' : `;tag=${toTag}`}`,
      `Call-ID: ${String(call)}-4242@127.0.0.1`,
      `CSeq: ${String(cseq)} ${method}`,
      'Contact: sip:sipp@127.0.0.1:5061',
      'Max-Forwards: 70',
      'Subject: Performance Test',
      ...(body === '' ? [] : ['Content-Type: application/sdp']),
      `Content-Length: ${String(Buffer.byteLength(body))}`,
      '',
      body,
    ].join('\r\n'),
  );
}

/** The To tag of the last response sent (our 200 to the INVITE). */
function toTag(): string {
  const text = lastSent?.toString('latin1') ?? '';
  const to = text.indexOf('\r\nTo:');
  const tag = text.indexOf(';tag=', to);
  if (to < 0 || tag < 0) throw new Error('the UAS answered without a To tag');
  return text.slice(tag + 5, text.indexOf('\r\n', tag));
}

function call(n: number): void {
  listener?.(request(n, 'INVITE', '0', 1), remote);
  const tag = toTag();
  listener?.(request(n, 'ACK', '6', 1, tag), remote);
  listener?.(request(n, 'BYE', '7', 2, tag), remote);
}

/** CPU µs per call over `count` calls numbered from `first`. */
async function run(count: number, first: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < count; i += batch) {
    const end = Math.min(count, i + batch);
    for (let j = i; j < end; j += 1) call(first + j);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

try {
  await run(20_000, 0);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const perRun = Math.floor(calls / 3);
  const results: number[] = [];
  for (let k = 1; k <= 3; k += 1) results.push(await run(perRun, k * 1_000_000));
  gc();
  gc();
  const retained = (process.memoryUsage().heapUsed - heapBefore) / (3 * perRun);
  const live = uas.serverTransactions();
  console.log(
    `CPU per call: ${results.map((r) => r.toFixed(1)).join(', ')} µs ` +
      `(best ${Math.min(...results).toFixed(1)}); ${String(sent)} datagrams sent; ` +
      `retained per call ${retained.toFixed(0)} B` +
      (live === undefined ? '' : `; ${String(live)} server transactions live`),
  );
} finally {
  prototype.on = on;
  await uas.close();
}
