/**
 * The caller's side of an inbound call: the INVITE we answer (or refuse), its dialog once
 * answered, and its media. It knows when the caller has gone (CANCEL, BYE, a transaction
 * failure, no RTP for the media timeout) and says so through `gone`, whatever the call is
 * doing at that moment.
 */
import { parseSipInfoDtmf, type MediaEngine, type RtpSession } from '@switchboard/media';
import {
  AckTimeoutError,
  InviteStateError,
  type Dialog,
  type DialogDelegate,
  type IncomingInvite,
} from '@switchboard/sip';
import { CallerHungUp } from '@switchboard/flow';
import { MediaLeg } from './media-leg.js';

/** How the caller's leg ended from their side. */
export type CallerGoneCause = 'cancel' | 'bye' | 'media-timeout' | 'failed';

export interface CallerLegOptions {
  readonly engine: MediaEngine;
  /** The address we put in SDP. */
  readonly mediaAddress: string;
  /** Told about failures that are not the caller's doing (a BYE that could not be sent). */
  readonly onError?: (error: unknown, what: string) => void;
}

export class CallerLeg {
  private media: MediaLeg | undefined;
  private answering: Promise<RtpSession> | undefined;
  private progressed = false;
  private readonly goneController = new AbortController();
  private goneCause: CallerGoneCause | undefined;
  /** We ended it (reject, BYE, 480): nothing more goes out. */
  private endedByUs = false;

  constructor(
    readonly invite: IncomingInvite,
    private readonly options: CallerLegOptions,
  ) {
    const onAbort = (): void => {
      this.left(invite.abortCause === 'failed' ? 'failed' : (invite.abortCause ?? 'cancel'));
    };
    // The caller may have cancelled while the call was being looked up: a listener added to an
    // aborted signal would never hear of it.
    if (invite.signal.aborted) onAbort();
    else invite.signal.addEventListener('abort', onAbort, { once: true });
  }

  /** Aborted when the caller has gone (never when we end the call ourselves). */
  get gone(): AbortSignal {
    return this.goneController.signal;
  }

  get cause(): CallerGoneCause | undefined {
    return this.goneCause;
  }

  /** We answered: a 200 OK has been sent (the ACK may still be on its way). */
  get answered(): boolean {
    const state = this.invite.state;
    return state === 'accepted' || state === 'confirmed' || this.media !== undefined;
  }

  /** The caller's media, once answered. */
  get session(): RtpSession | undefined {
    return this.media?.session;
  }

  get mediaLeg(): MediaLeg | undefined {
    return this.media;
  }

  /** The confirmed dialog, once the ACK came. */
  get dialog(): Dialog | undefined {
    const dialog = this.invite.dialog;
    return this.invite.state === 'confirmed' ? dialog : undefined;
  }

  /** Whether the caller is still there and we have not ended the call. */
  get live(): boolean {
    return !this.goneController.signal.aborted && !this.endedByUs;
  }

  /** 180 Ringing, once (later calls do nothing). */
  progress(): void {
    this.failIfGone();
    if (this.progressed || this.answered) return;
    this.progressed = true;
    this.invite.progress(180);
  }

  /**
   * Answers: a session, our SDP answer in a 200 OK (or our offer, when the INVITE had none and
   * the answer comes in the ACK), and the dialog once acknowledged. Resolves with the session;
   * rejects with CallerHungUp when the caller went away first (CANCEL, or a BYE or no ACK
   * after our 200). Calls share one answer.
   */
  answer(): Promise<RtpSession> {
    this.answering ??= this.doAnswer();
    return this.answering;
  }

  private async doAnswer(): Promise<RtpSession> {
    this.failIfGone();
    const { engine, mediaAddress } = this.options;
    const offer = this.invite.offer;
    let sdp: string;
    let lateOffer: string | undefined;
    let media: MediaLeg;
    if (offer === undefined) {
      const made = await MediaLeg.offering(engine, mediaAddress);
      media = made.leg;
      sdp = made.offer;
      lateOffer = made.offer;
    } else {
      const made = await MediaLeg.answering(engine, mediaAddress, offer);
      media = made.leg;
      sdp = made.sdp;
    }
    try {
      this.failIfGone();
      this.media = media;
      media.session.onMediaTimeout(() => {
        this.mediaTimedOut();
      });
      const dialog = await this.invite.accept({ sdp });
      if (lateOffer !== undefined) {
        // RFC 3264 §4: our offer was in the 200, the caller's answer is in the ACK.
        const answer = dialog.remoteSdp;
        if (answer === undefined || answer === offer) {
          throw new InviteStateError('the ACK carried no SDP answer to our offer');
        }
        media.complete(answer, lateOffer);
      }
      dialog.delegate = this.dialogDelegate(media);
      void dialog.ended.then((end) => {
        if (end.by === 'remote') this.left(end.cause === 'bye' ? 'bye' : 'failed');
      });
      return media.session;
    } catch (error) {
      if (error instanceof InviteStateError || error instanceof AckTimeoutError) {
        this.left(this.goneCause ?? 'failed');
        throw new CallerHungUp(`the caller hung up while being answered (${error.message})`);
      }
      throw error;
    }
  }

  /** The delegate of the answered call while no other leg is linked to it. */
  private dialogDelegate(media: MediaLeg): DialogDelegate {
    return {
      onInfo: (info) => {
        // RFC 6086 INFO with application/dtmf-relay (or dtmf): the digit joins the RTP ones.
        const digit = parseSipInfoDtmf(info.header('Content-Type') ?? '', info.body.toString());
        if (digit !== undefined) media.session.injectDtmf(digit);
        return undefined;
      },
      onOffer: (offer) => media.reanswer(offer),
    };
  }

  /** Refuses the unanswered call; false when it is no longer ringing. */
  reject(status: number, reason?: string): boolean {
    this.failIfGone();
    if (this.answered) return false;
    const sent = this.invite.reject(status, reason);
    if (sent) this.endedByUs = true;
    return sent;
  }

  /**
   * Ends the call from our side: BYE when answered, 480 when still ringing, with `reason` as a
   * Reason header (RFC 3326) when given. Resolves once the BYE has its answer. Nothing happens
   * when the call is over already.
   */
  async hangUp(reason?: string): Promise<void> {
    if (!this.live) return;
    this.endedByUs = true;
    if (!this.answered) {
      if (this.invite.state === 'ringing') {
        this.invite.reject(
          480,
          undefined,
          reason === undefined ? undefined : [{ name: 'Reason', value: reason }],
        );
      }
      return;
    }
    // Our 200 may still wait for its ACK: a BYE can only go in a confirmed dialog.
    try {
      await this.answering;
    } catch {
      return; // the caller went away before the ACK: nothing to end
    }
    const dialog = this.invite.dialog;
    if (dialog === undefined || dialog.state === 'terminated') return;
    try {
      await dialog.bye(reason === undefined ? {} : { reason });
    } catch (error) {
      this.options.onError?.(error, 'BYE to the caller');
    }
  }

  /** Closes the caller's media (the call is over). */
  async close(): Promise<void> {
    const media = this.media;
    if (media !== undefined) await media.close();
  }

  /** Throws CallerHungUp once the caller has gone. */
  failIfGone(): void {
    if (this.goneController.signal.aborted) {
      throw new CallerHungUp(`the caller hung up (${this.goneCause ?? 'gone'})`);
    }
  }

  private mediaTimedOut(): void {
    if (!this.live) return;
    // No RTP from the caller for the media timeout: their phone or network is gone. End it
    // as if they had hung up, with a BYE so their side knows too.
    this.left('media-timeout');
    const dialog = this.invite.dialog;
    if (dialog !== undefined && dialog.state === 'confirmed') {
      dialog.bye({ reason: 'SIP;cause=408;text="Media timeout"' }).catch((error: unknown) => {
        this.options.onError?.(error, 'BYE after a media timeout');
      });
    }
  }

  private left(cause: CallerGoneCause): void {
    if (this.goneController.signal.aborted || this.endedByUs) return;
    this.goneCause = cause;
    this.goneController.abort(new CallerHungUp(`the caller hung up (${cause})`));
  }
}
