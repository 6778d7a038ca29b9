/**
 * A SIP endpoint for the telephony tests, built from the same packages as the server but as an
 * outside party would use them: a carrier that calls our numbers, a phone that registers and
 * is rung, a carrier's far end behind a trunk. Each peer listens on its own loopback address
 * (127.0.0.x), so the server tells them apart by source address as it would tell real hosts.
 * Calls carry real RTP through media sessions of their own; `close()` ends everything.
 */
import {
  answerOffer,
  createOffer,
  MediaEngine,
  parseAnswer,
  type RtpSession,
} from '@switchboard/media';
import {
  createSipStack,
  type Dialog,
  type DialogEnd,
  type HeaderField,
  type IncomingInvite,
  type InviteProgress,
  type SipRequest,
  type SipResponse,
  type SipUserAgent,
} from '@switchboard/sip';
import { CollectingSink, ToneSource } from './audio.js';
import { delay } from './wait.js';

/** What the peer does with an INVITE it receives. */
export type UasMode =
  | { readonly kind: 'answer'; readonly afterMs?: number }
  /** 180 Ringing, then nothing until the caller cancels. */
  | { readonly kind: 'ring' }
  | { readonly kind: 'reject'; readonly status: number; readonly afterMs?: number };

/** A call with media: one the peer placed, or one it answered. */
export interface PeerCall {
  readonly dialog: Dialog;
  readonly session: RtpSession;
  /** Everything the peer has heard on this call. */
  readonly sink: CollectingSink;
  readonly ended: Promise<DialogEnd>;
}

export interface ReceivedInvite {
  readonly request: SipRequest;
  readonly invite: IncomingInvite;
  /** Set once the call was answered. */
  call?: PeerCall;
}

export interface PeerCallOptions {
  readonly from?: string;
  readonly to?: string;
  readonly headers?: readonly HeaderField[];
  readonly credentials?: { readonly username: string; readonly password: string };
  readonly signal?: AbortSignal;
  /** Send no SDP (a late offer); an SDP string of our own; our offer by default. */
  readonly sdp?: string | false;
  readonly onProgress?: (progress: InviteProgress) => void;
}

const RTP_RANGE = 40;

export class SipPeer {
  mode: UasMode;
  readonly received: ReceivedInvite[] = [];
  readonly calls: PeerCall[] = [];
  readonly errors: unknown[] = [];

  private constructor(
    readonly name: string,
    readonly host: string,
    readonly sip: SipUserAgent,
    readonly engine: MediaEngine,
    mode: UasMode,
  ) {
    this.mode = mode;
  }

  static async start(options: {
    readonly name: string;
    readonly host: string;
    readonly mode?: UasMode;
  }): Promise<SipPeer> {
    const min = 30000 + 2 * Math.floor(Math.random() * 14000);
    const engine = new MediaEngine({
      ports: { min, max: min + RTP_RANGE - 1, host: options.host },
      mediaTimeoutMs: 0,
    });
    const holder: { peer?: SipPeer } = {};
    const sip = await createSipStack({
      host: options.host,
      port: 0,
      tcp: false,
      userAgent: `test-${options.name}`,
      identity: `<sip:${options.name}@${options.host}>`,
      delegate: {
        onInvite(invite) {
          const peer = holder.peer;
          if (peer === undefined) {
            invite.reject(503);
            return;
          }
          peer.onInvite(invite).catch((error: unknown) => {
            peer.errors.push(error);
          });
        },
      },
      onError: (error) => {
        holder.peer?.errors.push(error);
      },
    });
    const peer = new SipPeer(
      options.name,
      options.host,
      sip,
      engine,
      options.mode ?? { kind: 'answer' },
    );
    holder.peer = peer;
    return peer;
  }

  get port(): number {
    return this.sip.port;
  }

  /** Resolves once `count` INVITEs have arrived. */
  async invitesReceived(count: number, timeoutMs = 10_000): Promise<ReceivedInvite[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) {
        throw new Error(
          `${this.name} got ${String(this.received.length)} INVITEs, not ${String(count)}`,
        );
      }
      await delay(10);
    }
    return this.received.slice(0, count);
  }

  /** Places a call with an offer of our own; resolves once answered (rejects with InviteError). */
  async call(uri: string, options: PeerCallOptions = {}): Promise<PeerCall> {
    const session = await this.engine.openSession();
    try {
      const offer = createOffer({ address: this.host, port: session.localPort });
      const sdp = options.sdp === false ? undefined : (options.sdp ?? offer.sdp);
      const dialog = await this.sip.invite({
        uri,
        ...(options.from === undefined ? {} : { from: options.from }),
        ...(options.to === undefined ? {} : { to: options.to }),
        ...(options.headers === undefined ? {} : { headers: options.headers }),
        ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        ...(sdp === undefined ? {} : { sdp }),
      });
      const answer = dialog.remoteSdp;
      if (answer === undefined) throw new Error(`the answer from ${uri} carried no SDP`);
      session.setRemote(parseAnswer(answer, offer.sdp));
      return this.track(dialog, session);
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  /** REGISTERs `username` with its contact at this peer; answers the 401 with the password. */
  register(
    server: { readonly host: string; readonly port: number },
    username: string,
    password: string,
    expires = 600,
  ): Promise<SipResponse> {
    const aor = `<sip:${username}@${server.host}>`;
    return this.sip.request({
      method: 'REGISTER',
      uri: `sip:${server.host}:${String(server.port)}`,
      from: aor,
      to: aor,
      headers: [
        { name: 'Contact', value: `<sip:${username}@${this.host}:${String(this.port)}>` },
        { name: 'Expires', value: String(expires) },
      ],
      credentials: { username, password },
    });
  }

  /** Plays a tone on every call of this peer (what the other side should hear). */
  static sendTone(call: PeerCall, frequency: number): void {
    call.session.setSource(new ToneSource(frequency));
  }

  async close(): Promise<void> {
    await Promise.all(
      this.calls
        .filter((call) => call.dialog.state !== 'terminated')
        .map((call) => Promise.race([call.dialog.bye().catch(() => undefined), delay(1000)])),
    );
    await this.engine.close();
    await this.sip.close();
  }

  private async onInvite(invite: IncomingInvite): Promise<void> {
    const entry: ReceivedInvite = { request: invite.request, invite };
    this.received.push(entry);
    const mode = this.mode;
    invite.progress(180);
    if (mode.kind === 'ring') return;
    if (mode.afterMs !== undefined) await delay(mode.afterMs);
    if (invite.state !== 'ringing') return;
    if (mode.kind === 'reject') {
      invite.reject(mode.status);
      return;
    }
    const offer = invite.offer;
    if (offer === undefined) {
      invite.reject(488);
      return;
    }
    const session = await this.engine.openSession();
    try {
      const answer = answerOffer(offer, { address: this.host, port: session.localPort });
      session.setRemote(answer.media);
      const dialog = await invite.accept({ sdp: answer.sdp });
      entry.call = this.track(dialog, session);
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  private track(dialog: Dialog, session: RtpSession): PeerCall {
    const sink = new CollectingSink();
    session.addSink(sink);
    const ended = dialog.ended.then(async (end) => {
      await session.close();
      return end;
    });
    const call: PeerCall = { dialog, session, sink, ended };
    this.calls.push(call);
    return call;
  }
}
