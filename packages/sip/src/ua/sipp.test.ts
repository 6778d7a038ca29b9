/**
 * The user agent layer against a real peer, SIPp 3.6.1, on 127.0.0.1: SIPp calls a UAS built on
 * `createSipStack`, SIPp answers calls the facade places, and a B2BUA built on the facade joins a
 * SIPp caller to a SIPp callee. Without /usr/bin/sipp they fail, saying what to install.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dialog } from '../dialog/index.js';
import { createSipStack, type SipUserAgent } from '../sip-stack.js';
import { runSipp, sippInstalled, type SippResult } from '../stack/test-support/sipp.js';
import { linkDialogs, type B2buaEnd } from './b2bua-pair.js';
import type { IncomingInvite } from './incoming-invite.js';
import { startSippUas, type SippUas, type SippUasResult } from './test-support/sipp-uas.js';

const CANCEL_SCENARIO = fileURLToPath(
  new URL('../stack/test-support/sipp/cancel.xml', import.meta.url),
);

const ANSWER = [
  'v=0',
  'o=switchboard 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

function explain(result: SippResult | SippUasResult): string {
  const text =
    'output' in result ? result.output : `${result.stderr}\n${result.stdout.slice(-3000)}`;
  return `exit ${String(result.exitCode)}\n${result.errors}\n${text}`;
}

async function withStack(
  onInvite: (invite: IncomingInvite, stack: SipUserAgent) => void,
  run: (stack: SipUserAgent) => Promise<void>,
): Promise<void> {
  const created: { stack?: SipUserAgent } = {};
  const stack = await createSipStack({
    host: '127.0.0.1',
    port: 0,
    userAgent: 'Switchboard-test',
    delegate: {
      onInvite: (invite) => {
        if (created.stack === undefined) invite.reject(503);
        else onInvite(invite, created.stack);
      },
    },
  });
  created.stack = stack;
  try {
    await run(stack);
  } finally {
    await stack.close();
  }
}

async function withSippUas(
  transport: 'udp' | 'tcp',
  calls: number,
  run: (uas: SippUas) => Promise<void>,
): Promise<void> {
  const uas = await startSippUas({ transport, calls, timeoutSeconds: 20 });
  try {
    await run(uas);
  } finally {
    await uas.stop();
  }
}

describe('the user agent against SIPp', () => {
  // A real peer is the point of these tests: missing SIPp is a failure, never a silent skip.
  beforeAll(() => {
    if (!sippInstalled)
      throw new Error('SIPp is not installed: apt-get install sip-tester (.ci/run does it)');
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`answers 20 calls from SIPp's uac: INVITE/180/200/ACK/BYE (${transport.toUpperCase()})`, async () => {
      const dialogs: Dialog[] = [];
      const answers: Promise<void>[] = [];
      await withStack(
        (invite) => {
          invite.progress(180);
          answers.push(
            invite.accept({ sdp: ANSWER }).then((dialog) => {
              dialogs.push(dialog);
            }),
          );
        },
        async (stack) => {
          const result = await runSipp({
            args: ['-sn', 'uac', ...(transport === 'tcp' ? ['-t', 't1'] : [])],
            remote: `127.0.0.1:${String(stack.port)}`,
            calls: 20,
            rate: 10,
            timeoutSeconds: 20,
          });
          expect(result.exitCode, explain(result)).toBe(0);
          expect(result.successfulCalls, explain(result)).toBe(20);
          await Promise.all(answers);
          expect(dialogs).toHaveLength(20);
          await Promise.all(dialogs.map((dialog) => dialog.ended));
          expect(
            dialogs.every((dialog) => dialog.end?.by === 'remote' && dialog.end.cause === 'bye'),
          ).toBe(true);
          expect(stack.ua.dialogs.size).toBe(0);
        },
      );
    }, 40_000);

    it(`places 5 calls that SIPp answers, then hangs them up (${transport.toUpperCase()})`, async () => {
      await withSippUas(transport, 5, async (uas) => {
        await withStack(
          () => undefined,
          async (stack) => {
            const target = `sip:service@127.0.0.1:${String(uas.port)}${transport === 'tcp' ? ';transport=tcp' : ''}`;
            const ringing: number[] = [];
            const dialogs = await Promise.all(
              Array.from({ length: 5 }, () =>
                stack.invite({
                  uri: target,
                  sdp: ANSWER,
                  onProgress: (progress) => ringing.push(progress.status),
                }),
              ),
            );
            expect(ringing.filter((status) => status === 180)).toHaveLength(5);
            expect(
              dialogs.every(
                (dialog) => dialog.state === 'confirmed' && dialog.remoteSdp !== undefined,
              ),
            ).toBe(true);
            expect(dialogs.every((dialog) => dialog.transport === transport)).toBe(true);
            await Promise.all(dialogs.map((dialog) => dialog.bye()));
            const result = await uas.finished;
            expect(result.exitCode, explain(result)).toBe(0);
            expect(result.successfulCalls, explain(result)).toBe(5);
            expect(result.failedCalls).toBe(0);
          },
        );
      });
    }, 40_000);
  }

  // SIPp 3.6.1 drops 10% of what it sends and receives at random (no seed): INVITE and BYE are
  // retransmitted by SIPp, our 200 by the AnswerRetransmitter until the ACK (§13.3.1.4).
  it('completes every call from SIPp with 10% packet loss, thanks to retransmissions (UDP)', async () => {
    const invites: IncomingInvite[] = [];
    await withStack(
      (invite) => {
        invites.push(invite);
        invite.progress(180);
        invite.accept({ sdp: ANSWER }).catch(() => undefined); // the states tell below
      },
      async (stack) => {
        const result = await runSipp({
          args: ['-sn', 'uac', '-lost', '10'],
          remote: `127.0.0.1:${String(stack.port)}`,
          calls: 20,
          rate: 10,
          timeoutSeconds: 60,
        });
        expect(result.exitCode, explain(result)).toBe(0);
        expect(result.successfulCalls, explain(result)).toBe(20);
        expect(invites).toHaveLength(20); // SIPp retransmits a lost INVITE
        // Every call is one of three: up (the ACK came, possibly after our 200 was sent again)
        // and then ended by SIPp's BYE; ended by the BYE before its lost ACK (accept() rejects);
        // or, when SIPp lost both its ACK and its BYE, still waiting for the ACK here: SIPp's
        // built-in uac does not check CSeq and takes our retransmitted 200 for the BYE's.
        for (const invite of invites) {
          if (invite.state === 'confirmed') {
            expect(invite.dialog?.end).toMatchObject({ by: 'remote', cause: 'bye' });
          } else if (invite.state === 'cancelled') {
            expect(invite.abortCause).toBe('bye');
          } else {
            expect(invite.state).toBe('accepted');
          }
        }
        expect(invites.filter((invite) => invite.state === 'confirmed').length).toBeGreaterThan(10);
      },
    );
  }, 90_000);

  it("cancels a ringing call on SIPp's CANCEL: 200 for the CANCEL, 487 for the INVITE (§9.2)", async () => {
    const invites: IncomingInvite[] = [];
    await withStack(
      (invite) => {
        invites.push(invite);
        invite.progress(180); // and never answers: SIPp cancels
      },
      async (stack) => {
        const result = await runSipp({
          args: ['-sf', CANCEL_SCENARIO, '-s', 'slow'],
          remote: `127.0.0.1:${String(stack.port)}`,
          calls: 5,
          rate: 5,
          timeoutSeconds: 20,
        });
        expect(result.exitCode, explain(result)).toBe(0);
        expect(result.successfulCalls, explain(result)).toBe(5);
        expect(invites.map((invite) => [invite.state, invite.abortCause])).toEqual(
          Array.from({ length: 5 }, () => ['cancelled', 'cancel']),
        );
        expect(invites.every((invite) => invite.signal.aborted)).toBe(true);
        expect(stack.ua.dialogs.size).toBe(0);
      },
    );
  }, 40_000);

  it('joins a SIPp caller to a SIPp callee through a B2BUA; the caller’s BYE ends both legs', async () => {
    const pairs: Promise<B2buaEnd>[] = [];
    await withSippUas('udp', 5, async (callee) => {
      await withStack(
        (incoming, stack) => {
          const call = async (): Promise<void> => {
            // The callee leg: a new call with its own Call-ID; media would be anchored by the
            // media engine, here a fixed SDP stands in for it on both sides.
            const outgoing = await stack.invite({
              uri: `sip:service@127.0.0.1:${String(callee.port)}`,
              sdp: ANSWER,
              signal: incoming.signal,
              onProgress: (progress) => {
                if (progress.status === 180) incoming.progress(180);
              },
            });
            const caller = await incoming.accept({ sdp: ANSWER });
            pairs.push(linkDialogs(caller, outgoing, { onOffer: () => ({ sdp: ANSWER }) }).ended);
          };
          call().catch(() => {
            incoming.reject(502);
          });
        },
        async (b2bua) => {
          const caller = await runSipp({
            args: ['-sn', 'uac'],
            remote: `127.0.0.1:${String(b2bua.port)}`,
            calls: 5,
            rate: 5,
            timeoutSeconds: 20,
          });
          expect(caller.exitCode, explain(caller)).toBe(0);
          expect(caller.successfulCalls, explain(caller)).toBe(5);
          const ends = await Promise.all(pairs);
          expect(ends.map((end) => end.by)).toEqual(['a', 'a', 'a', 'a', 'a']);
          const answered = await callee.finished;
          expect(answered.exitCode, explain(answered)).toBe(0);
          expect(answered.successfulCalls, explain(answered)).toBe(5);
          expect(b2bua.ua.dialogs.size).toBe(0);
        },
      );
    });
  }, 40_000);
});
