/**
 * Two dialogs joined by a back-to-back user agent: a caller's leg (`a`) and a callee's leg
 * (`b`). A BYE on either side ends the other with the same Reason (RFC 3326); a re-INVITE or
 * UPDATE on one side is answered with SDP from the delegate, since the media engine anchors the
 * media and the two sides never see each other's SDP; INFO can be relayed. One state machine:
 *
 *   linked ──BYE on a or b, a leg failing, hangup()──> ended
 */
import type {
  Dialog,
  DialogEnd,
  InDialogReply,
  SessionAnswer,
  SessionOffer,
} from '../dialog/index.js';
import type { SipRequest } from '../message/index.js';

export type B2buaSide = 'a' | 'b';

export interface B2buaEnd {
  /** The side whose end ended the pair, or `local` for `hangup()`. */
  readonly by: B2buaSide | 'local';
  /** The Reason header carried over (RFC 3326), if any. */
  readonly reason?: string;
  /** How the side that ended first ended (absent for `hangup()`). */
  readonly end?: DialogEnd;
}

export interface B2buaDelegate {
  /** A new offer on `side` (re-INVITE or UPDATE): the SDP answer from the media engine. */
  onOffer(side: B2buaSide, offer: SessionOffer): SessionAnswer | Promise<SessionAnswer>;
  /** Relay INFO requests (DTMF by SIP INFO, RFC 6086) to the other side; false by default. */
  readonly relayInfo?: boolean;
  /** The pair ended (called once, after the BYE to the other side has been sent). */
  onEnded?(end: B2buaEnd): void;
  /** A BYE to the other side failed to go out (for logs). */
  onError?(error: unknown): void;
}

export type B2buaState = 'linked' | 'ended';

export class B2buaPair {
  #state: B2buaState = 'linked';
  #end: B2buaEnd | undefined;
  #resolveEnded: (end: B2buaEnd) => void = () => undefined;
  /** Resolves when the pair ends. Never rejects. */
  readonly ended: Promise<B2buaEnd>;

  constructor(
    readonly a: Dialog,
    readonly b: Dialog,
    private readonly delegate: B2buaDelegate,
  ) {
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
    this.#watch('a', a, b);
    this.#watch('b', b, a);
    // A leg that ended before it was linked ends the pair at once.
    const ended = a.end ?? b.end;
    if (ended !== undefined) this.#finish(a.end === undefined ? 'b' : 'a', ended);
  }

  get state(): B2buaState {
    return this.#state;
  }

  get end(): B2buaEnd | undefined {
    return this.#end;
  }

  /** Ends both legs with a BYE (`reason` as their Reason header); resolves once both are sent. */
  async hangup(reason?: string): Promise<void> {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    const end: B2buaEnd = { by: 'local', ...(reason === undefined ? {} : { reason }) };
    const options = reason === undefined ? {} : { reason };
    await Promise.all([this.#bye(this.a, options), this.#bye(this.b, options)]);
    this.#settle(end);
  }

  #watch(side: B2buaSide, dialog: Dialog, other: Dialog): void {
    dialog.delegate = {
      onTerminated: (end) => {
        this.#finish(side, end);
      },
      onOffer: (offer) => this.delegate.onOffer(side, offer),
      onInfo: (info) => this.#relayInfo(info, other),
    };
  }

  /** One side ended (BYE received, no ACK, failure): the other gets a BYE with the same Reason. */
  #finish(side: B2buaSide, end: DialogEnd): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    const other = side === 'a' ? this.b : this.a;
    const result: B2buaEnd = {
      by: side,
      end,
      ...(end.reason === undefined ? {} : { reason: end.reason }),
    };
    if (end.cause === 'closed') {
      // The whole user agent is shutting down: no BYE goes out (see UserAgent.close).
      this.#settle(result);
      return;
    }
    void this.#bye(other, end.reason === undefined ? {} : { reason: end.reason }).then(() => {
      this.#settle(result);
    });
  }

  async #bye(dialog: Dialog, options: { reason?: string }): Promise<void> {
    try {
      await dialog.bye(options);
    } catch (error) {
      this.delegate.onError?.(error);
    }
  }

  #settle(end: B2buaEnd): void {
    this.#end = end;
    this.#resolveEnded(end);
    this.delegate.onEnded?.(end);
  }

  /** INFO relayed with its body; the other side's status goes back (200 when not relayed). */
  async #relayInfo(info: SipRequest, other: Dialog): Promise<InDialogReply | undefined> {
    if (this.delegate.relayInfo !== true || other.state !== 'confirmed') return undefined;
    const contentType = info.header('Content-Type');
    const response = await other.info({
      ...(info.body.length > 0 ? { body: info.body } : {}),
      ...(contentType === undefined ? {} : { contentType }),
    });
    return { status: response.status >= 200 && response.status < 700 ? response.status : 500 };
  }
}

/** Joins `a` and `b` (each already confirmed) into a B2BUA pair; see {@link B2buaPair}. */
export function linkDialogs(a: Dialog, b: Dialog, delegate: B2buaDelegate): B2buaPair {
  return new B2buaPair(a, b, delegate);
}
