/**
 * The media of one call leg: an RtpSession from the engine and the SDP that set it up, kept
 * together so re-offers (hold, codec change, a session refresh) are answered from the same
 * session with the same o= line (RFC 3264 §8). Media is anchored: each leg talks to our port,
 * never to the other leg's.
 */
import {
  answerOffer,
  createOffer,
  parseAnswer,
  SdpNegotiationError,
  type MediaEngine,
  type RtpSession,
  type SdpOrigin,
} from '@switchboard/media';
import type { SessionAnswer, SessionOffer } from '@switchboard/sip';

export class MediaLeg {
  private constructor(
    readonly session: RtpSession,
    private readonly address: string,
    private origin: SdpOrigin,
  ) {}

  /**
   * A session answering `offer`. Rejects with SdpNegotiationError (488/400) when nothing in the
   * offer is acceptable; the session is closed again then.
   */
  static async answering(
    engine: MediaEngine,
    address: string,
    offer: string,
  ): Promise<{ leg: MediaLeg; sdp: string }> {
    const session = await engine.openSession();
    try {
      const answer = answerOffer(offer, { address, port: session.localPort });
      session.setRemote(answer.media);
      return { leg: new MediaLeg(session, address, answer.origin), sdp: answer.sdp };
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  /** A session with our offer; `complete` takes the far end's answer. */
  static async offering(
    engine: MediaEngine,
    address: string,
  ): Promise<{ leg: MediaLeg; offer: string }> {
    const session = await engine.openSession();
    const offer = createOffer({ address, port: session.localPort });
    return { leg: new MediaLeg(session, address, offer.origin), offer: offer.sdp };
  }

  /** The far end's answer to `offer` (throws SdpNegotiationError when it does not fit). */
  complete(answer: string, offer: string): void {
    this.session.setRemote(parseAnswer(answer, offer));
  }

  /**
   * A re-INVITE or UPDATE: the answer from this session. An offer we cannot take is refused
   * with 488 and the media stays as it was (RFC 3261 §14.2). A re-INVITE without an offer gets
   * ours again; its answer (in the ACK) changes nothing we need.
   */
  reanswer(offer: SessionOffer): SessionAnswer {
    const local = { address: this.address, port: this.session.localPort, previous: this.origin };
    if (offer.sdp === undefined) {
      const ours = createOffer(local);
      this.origin = ours.origin;
      return { sdp: ours.sdp };
    }
    try {
      const answer = answerOffer(offer.sdp, local);
      this.session.setRemote(answer.media);
      this.origin = answer.origin;
      return { sdp: answer.sdp };
    } catch (error) {
      if (error instanceof SdpNegotiationError) return { status: error.status };
      throw error;
    }
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

/**
 * Checks an offer before anything rings (488 at once rather than after ringing the user's
 * phones): the same negotiation as the real answer, on a port nobody uses. Returns the
 * status to refuse with, or undefined when the offer is acceptable.
 */
export function refuseOffer(offer: string, address: string): number | undefined {
  try {
    answerOffer(offer, { address, port: 9 });
    return undefined;
  } catch (error) {
    if (error instanceof SdpNegotiationError) return error.status;
    throw error;
  }
}
