/**
 * The UAS under test of `npm run bench:sip`, alone in its own Node process (the harness pins it
 * to one core with `taskset`). It answers SIPp's built-in `uac` scenario: 180 and 200 with SDP
 * to INVITE, the ACK taken, 200 to BYE.
 *
 *   node --import tsx packages/sip/bench/uas-server.ts <port>
 *
 * Prints `listening <port>` once the socket is bound, and closes cleanly on SIGTERM or SIGINT
 * (or when its standard input ends, so a harness that dies does not leave it running).
 *
 * Which UAS is measured is decided in `startUas` only: today the `TestUas` of the stack's tests
 * (the transaction layer under a small call table); switch it to the `createSipStack` facade
 * there when that exists.
 */
import { TestUas } from '../src/stack/test-support/test-uas.js';

export interface BenchUas {
  /** The UDP port it answers on. */
  readonly port: number;
  close(): Promise<void>;
}

/** The one place that says which UAS the benchmark drives. */
async function startUas(port: number): Promise<BenchUas> {
  const uas = await TestUas.start({ host: '127.0.0.1', port });
  return {
    port: uas.port,
    close: () => uas.close(),
  };
}

function portArgument(raw: string | undefined): number {
  const port = Number(raw ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`uas-server: the port must be an integer from 0 to 65535, got "${raw ?? ''}"`);
  }
  return port;
}

const uas = await startUas(portArgument(process.argv[2]));
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
