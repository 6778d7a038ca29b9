/**
 * A small test UAS built the way the server's telephony layer will be: the SIP user agent of
 * packages/sip (`createSipStack`) for signalling, the media engine of packages/media for audio,
 * joined only by SDP strings. It answers every INVITE with an SDP answer from `answerOffer` on a
 * fresh RtpSession, hands the answered call to the test (`onCall`), and can place calls itself
 * (`call`, an offer from `createOffer`). A call's media session is closed when its dialog ends;
 * `close()` ends everything (sessions, sockets) whatever state the calls are in.
 */
import {
  answerOffer,
  createOffer,
  MediaEngine,
  parseAnswer,
  SdpNegotiationError,
  type RtpSession,
} from '@switchboard/media';
import {
  createSipStack,
  type Dialog,
  type DialogEnd,
  type IncomingInvite,
  type SipUserAgent,
} from '@switchboard/sip';
import { freeUdpRange } from './ports.js';
import { delay } from './wait.js';

const HOST = '127.0.0.1';
/** How long `close()` waits for the BYEs of calls still up to be answered. */
const BYE_WAIT_MS = 2000;
/** A call the UAS places and nobody answers is cancelled after this long. */
const ANSWER_WAIT_MS = 10_000;

/** One call leg with its media: an answered incoming call or a call the UAS placed. */
export interface UasCall {
  readonly direction: 'incoming' | 'outgoing';
  readonly dialog: Dialog;
  readonly session: RtpSession;
  /** Resolves when the dialog ends (BYE either way, or the UAS closing). */
  readonly ended: Promise<DialogEnd>;
  /** Aborted when the dialog ends: for players and recorders (`signal`, `hangupSignal`). */
  readonly hangup: AbortSignal;
}

export interface MediaUasOptions {
  /** An incoming call has been answered and acknowledged (its RTP session is live). */
  onCall(call: UasCall, uas: MediaUas): void | Promise<void>;
  /** How long the far end may stay silent before the session reports a media timeout. */
  readonly mediaTimeoutMs?: number;
}

export interface MediaUas {
  readonly sip: SipUserAgent;
  readonly engine: MediaEngine;
  /** The UDP port SIP listens on (127.0.0.1). */
  readonly port: number;
  /** Incoming and outgoing calls so far, in the order they were set up. */
  readonly calls: readonly UasCall[];
  /** Errors from `onCall`, from answering, and SDP refusals: a test expects none. */
  readonly errors: readonly unknown[];
  /**
   * Places a call to `uri` (PCMU/PCMA + telephone-event offer); resolves once it is answered,
   * rejects when it is refused or not answered within 10 s (it is then cancelled).
   */
  call(uri: string): Promise<UasCall>;
  close(): Promise<void>;
}

export async function startMediaUas(options: MediaUasOptions): Promise<MediaUas> {
  const ports = await freeUdpRange(40);
  const engine = new MediaEngine({
    ports: { ...ports, host: HOST },
    mediaTimeoutMs: options.mediaTimeoutMs ?? 10_000,
  });
  const calls: UasCall[] = [];
  const errors: unknown[] = [];
  const self: { uas?: MediaUas } = {};

  const track = (direction: UasCall['direction'], dialog: Dialog, session: RtpSession) => {
    const hangup = new AbortController();
    const ended = dialog.ended.then(async (end) => {
      hangup.abort(new Error(`call ended: ${end.cause} by ${end.by}`));
      await session.close();
      return end;
    });
    const call: UasCall = { direction, dialog, session, ended, hangup: hangup.signal };
    calls.push(call);
    return call;
  };

  const onInvite = async (invite: IncomingInvite): Promise<void> => {
    const offer = invite.offer;
    if (offer === undefined) {
      invite.reject(488);
      errors.push(new Error('INVITE without an SDP offer'));
      return;
    }
    const session = await engine.openSession();
    let answer;
    try {
      answer = answerOffer(offer, { address: HOST, port: session.localPort });
    } catch (error) {
      await session.close();
      invite.reject(error instanceof SdpNegotiationError ? error.status : 500);
      errors.push(error);
      return;
    }
    session.setRemote(answer.media);
    let dialog: Dialog;
    try {
      dialog = await invite.accept({ sdp: answer.sdp });
    } catch (error) {
      await session.close();
      errors.push(error);
      return;
    }
    const call = track('incoming', dialog, session);
    if (self.uas === undefined) throw new Error('the UAS is not started yet');
    await options.onCall(call, self.uas);
  };

  const sip = await createSipStack({
    host: HOST,
    port: 0,
    tcp: false,
    userAgent: 'Switchboard-media-test',
    identity: `<sip:media-test@${HOST}>`,
    delegate: {
      onInvite(invite) {
        onInvite(invite).catch((error: unknown) => {
          errors.push(error);
        });
      },
    },
    onError: (error) => {
      errors.push(error);
    },
  });

  const uas: MediaUas = {
    sip,
    engine,
    port: sip.port,
    calls,
    errors,
    async call(uri) {
      const session = await engine.openSession();
      try {
        const offer = createOffer({ address: HOST, port: session.localPort });
        const dialog = await sip.invite({
          uri,
          sdp: offer.sdp,
          signal: AbortSignal.timeout(ANSWER_WAIT_MS),
        });
        const answerSdp = dialog.remoteSdp;
        if (answerSdp === undefined) throw new Error(`the 200 OK from ${uri} carried no SDP`);
        session.setRemote(parseAnswer(answerSdp, offer.sdp));
        return track('outgoing', dialog, session);
      } catch (error) {
        await session.close();
        throw error;
      }
    },
    async close() {
      // Hang up what is still up (best effort: the peer may be gone, and a BYE nobody answers
      // would wait 64·T1), then close everything.
      const byes = Promise.all(
        calls
          .filter((call) => call.dialog.state !== 'terminated')
          .map((call) => call.dialog.bye().catch(() => undefined)),
      );
      await Promise.race([byes, delay(BYE_WAIT_MS)]);
      await engine.close();
      await sip.close();
    },
  };
  self.uas = uas;
  return uas;
}
