/**
 * The UAS the SIP benchmarks drive: it answers SIPp's built-in `uac` scenario with 180 and 200
 * with SDP to INVITE, takes the ACK, and answers 200 to BYE.
 *
 * `ua` (default) is what users run: `createSipStack` with an `onInvite` that rings and answers
 * (the user agent core: dialogs, 2xx retransmission until the ACK, BYE in the dialog). `test` is
 * the `TestUas` of the stack's tests (the transaction layer under a small call table), kept to
 * tell the cost of the UA core from that of the layers below.
 */
import { createSipStack } from '../src/sip-stack.js';
import { TestUas } from '../src/stack/test-support/test-uas.js';

export interface BenchUas {
  /** The UDP port it answers on. */
  readonly port: number;
  /** Server transactions live (Timer L and J keep them 32 s after each call), when known. */
  serverTransactions(): number | undefined;
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

/** The one place that says which UAS the benchmarks drive. */
export async function startUas(port: number, kind: UasKind): Promise<BenchUas> {
  if (kind === 'test') {
    const uas = await TestUas.start({ host: HOST, port });
    return { port: uas.port, serverTransactions: () => undefined, close: () => uas.close() };
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
  return {
    port: sip.port,
    serverTransactions: () => sip.stack.transactions.serverCount,
    close: () => sip.close(),
  };
}
