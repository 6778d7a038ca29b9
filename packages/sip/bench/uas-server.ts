/**
 * The UAS under test of `npm run bench:sip`, alone in its own Node process (the harness pins it
 * to one core with `taskset`). It answers SIPp's built-in `uac` scenario: 180 and 200 with SDP
 * to INVITE, the ACK taken, 200 to BYE.
 *
 *   node --import tsx packages/sip/bench/uas-server.ts <port> [ua|test]
 *
 * `ua` (default) is what users run: `createSipStack` with an `onInvite` that rings and answers
 * (the user agent core: dialogs, 2xx retransmission until the ACK, BYE in the dialog). `test` is
 * the `TestUas` of the stack's tests (the transaction layer under a small call table), kept to
 * tell the cost of the UA core from that of the layers below.
 *
 * Prints `listening <port>` once the socket is bound, and closes cleanly on SIGTERM or SIGINT
 * (or when its standard input ends, so a harness that dies does not leave it running).
 */
import { createSipStack } from '../src/sip-stack.js';
import { TestUas } from '../src/stack/test-support/test-uas.js';

export interface BenchUas {
  /** The UDP port it answers on. */
  readonly port: number;
  close(): Promise<void>;
}

export type UasKind = 'ua' | 'test';

const HOST = '127.0.0.1';

/** The SDP answer to SIPp's offer (PCMU); the benchmark moves no media. */
const SDP = [
  'v=0',
  `o=- 1 1 IN IP4 ${HOST}`,
  's=-',
  `c=IN IP4 ${HOST}`,
  't=0 0',
  'm=audio 40000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

/** The one place that says which UAS the benchmark drives. */
async function startUas(port: number, kind: UasKind): Promise<BenchUas> {
  if (kind === 'test') {
    const uas = await TestUas.start({ host: HOST, port });
    return { port: uas.port, close: () => uas.close() };
  }
  let errors = 0;
  const sip = await createSipStack({
    host: HOST,
    port,
    tcp: false,
    userAgent: 'Switchboard-bench',
    onError: (error) => {
      // Counted, and the first few printed: a bench that hides its errors measures nothing.
      errors += 1;
      if (errors <= 5) console.error('uas-server:', error);
    },
    delegate: {
      onInvite(invite) {
        invite.progress(180);
        // The dialog's BYE is answered 200 by the core; accept() settles once the ACK came.
        invite.accept({ sdp: SDP }).catch((error: unknown) => {
          errors += 1;
          if (errors <= 5) console.error('uas-server: call not set up:', error);
        });
      },
    },
  });
  return { port: sip.port, close: () => sip.close() };
}

function portArgument(raw: string | undefined): number {
  const port = Number(raw ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`uas-server: the port must be an integer from 0 to 65535, got "${raw ?? ''}"`);
  }
  return port;
}

function kindArgument(raw: string | undefined): UasKind {
  if (raw === undefined || raw === 'ua') return 'ua';
  if (raw === 'test') return 'test';
  throw new Error(`uas-server: the UAS is "ua" or "test", not "${raw}"`);
}

const uas = await startUas(portArgument(process.argv[2]), kindArgument(process.argv[3]));
let closing = false;
const stop = (): void => {
  if (closing) return;
  closing = true;
  void uas.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop).resume();
process.stdout.write(`listening ${String(uas.port)}\n`);
