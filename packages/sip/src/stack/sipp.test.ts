/**
 * The first real calls through the whole stack (transport ⇄ adapter ⇄ transactions ⇄ a small
 * UAS), driven by SIPp 3.6.1 on 127.0.0.1. Without /usr/bin/sipp they fail, saying what to install.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runSipp, sippInstalled, type SippResult } from './test-support/sipp.js';
import { TestUas } from './test-support/test-uas.js';

const CANCEL_SCENARIO = fileURLToPath(new URL('./test-support/sipp/cancel.xml', import.meta.url));

async function withUas(run: (uas: TestUas) => Promise<void>): Promise<void> {
  const uas = await TestUas.start({ host: '127.0.0.1', port: 0 });
  try {
    await run(uas);
  } finally {
    await uas.close();
  }
}

/** Everything SIPp said, for a failing assertion's message. */
function explain(result: SippResult): string {
  return `exit ${String(result.exitCode)}\n${result.stderr}\n${result.errors}\n${result.stdout.slice(-3000)}`;
}

function expectAllSucceeded(result: SippResult, calls: number): void {
  expect(result.exitCode, explain(result)).toBe(0);
  expect(result.successfulCalls, explain(result)).toBe(calls);
  expect(result.failedCalls, explain(result)).toBe(0);
}

describe('calls from SIPp', () => {
  // A real peer is the point of these tests: missing SIPp is a failure, never a silent skip.
  beforeAll(() => {
    if (!sippInstalled)
      throw new Error('SIPp is not installed: apt-get install sip-tester (.ci/run does it)');
  });

  it('completes 20 calls at 10 calls/s over UDP (built-in uac)', async () => {
    await withUas(async (uas) => {
      const result = await runSipp({
        args: ['-sn', 'uac'],
        remote: `127.0.0.1:${String(uas.port)}`,
        calls: 20,
        rate: 10,
        timeoutSeconds: 20,
      });
      expectAllSucceeded(result, 20);
      expect(uas.counts).toMatchObject({ invites: 20, answered: 20, acked: 20, byes: 20 });
      expect(uas.counts.unknownByes).toBe(0);
      expect(uas.activeCalls).toBe(0);
    });
  }, 40_000);

  it('completes 20 calls at 10 calls/s over TCP (built-in uac, -t t1)', async () => {
    await withUas(async (uas) => {
      const result = await runSipp({
        args: ['-sn', 'uac', '-t', 't1'],
        remote: `127.0.0.1:${String(uas.port)}`,
        calls: 20,
        rate: 10,
        timeoutSeconds: 20,
      });
      expectAllSucceeded(result, 20);
      expect(uas.counts).toMatchObject({ invites: 20, answered: 20, acked: 20, byes: 20 });
      expect(uas.counts.retransmitted2xx).toBe(0); // reliable: no 2xx retransmissions
      expect(uas.activeCalls).toBe(0);
    });
  }, 40_000);

  // SIPp 3.6.1 has no seed option for -lost: it drops 10% of the messages it sends and receives
  // at random (rand() seeded by the clock), so each run loses different ones. With 20 calls of
  // 7 messages about 14 are lost per run; SIPp retransmits INVITE and BYE (T1 = 500 ms), our
  // transactions answer retransmissions, and the test UAS retransmits its 2xx until the ACK.
  it('completes every call over UDP with 10% packet loss, thanks to retransmissions', async () => {
    await withUas(async (uas) => {
      const result = await runSipp({
        args: ['-sn', 'uac', '-lost', '10'],
        remote: `127.0.0.1:${String(uas.port)}`,
        calls: 20,
        rate: 10,
        timeoutSeconds: 60,
      });
      expectAllSucceeded(result, 20);
      expect(uas.counts.invites).toBe(20);
      expect(uas.counts.answered).toBe(20);
      expect(uas.counts.unknownByes).toBe(0);
      expect(uas.counts.failures).toBe(0);
      // SIPp's built-in uac does not check a response's CSeq: when both its ACK and its BYE are
      // lost, our retransmitted 2xx can pass for the BYE's 200, and that call stays open here
      // (retransmitting its 2xx) although SIPp counts it done. Every call is one or the other.
      expect(uas.counts.byes + uas.activeCalls).toBe(20);
      expect(uas.counts.byes).toBeGreaterThanOrEqual(18);
    });
  }, 90_000);

  it('cancels a call before it is answered: 200 for the CANCEL, 487 for the INVITE', async () => {
    await withUas(async (uas) => {
      const result = await runSipp({
        args: ['-sf', CANCEL_SCENARIO, '-s', 'slow'],
        remote: `127.0.0.1:${String(uas.port)}`,
        calls: 5,
        rate: 5,
        timeoutSeconds: 20,
      });
      expectAllSucceeded(result, 5);
      expect(uas.counts).toMatchObject({ invites: 5, answered: 0, cancelled: 5, failures: 0 });
      expect(uas.activeCalls).toBe(0);
    });
  }, 40_000);
});
