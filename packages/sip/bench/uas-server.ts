/**
 * The UAS under test of `npm run bench:sip` (see uas.ts), alone in its own Node process (the
 * harness pins it to one core with `taskset`).
 *
 *   node --import tsx packages/sip/bench/uas-server.ts <port> [ua|test]
 *
 * Prints `listening <port>` once the socket is bound, and closes cleanly on SIGTERM or SIGINT
 * (or when its standard input ends, so a harness that dies does not leave it running).
 */
import { startUas, type UasKind } from './uas.js';

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
