/**
 * A request for the API user to answer (REGISTER, SUBSCRIBE, MESSAGE, NOTIFY, OPTIONS...): the
 * request, where it came from, and `respond()` through its server transaction.
 */
import type { Dialog } from '../dialog/index.js';
import { newTag, type SipRequest, type SipResponse } from '../message/index.js';
import type { Destination, ServerTransaction } from '../transaction/index.js';
import type { ResponseOptions, UaContext } from './context.js';

export class IncomingRequest {
  readonly request: SipRequest;
  /** Where it came from (transport, address, connection): the registrar's binding source. */
  readonly source: Destination;
  /** The dialog it was sent in, if any. */
  readonly dialog: Dialog | undefined;
  readonly #transaction: ServerTransaction;
  readonly #ctx: UaContext;
  #toTag: string | undefined;

  constructor(
    request: SipRequest,
    transaction: ServerTransaction,
    source: Destination,
    ctx: UaContext,
    dialog?: Dialog,
  ) {
    this.request = request;
    this.#transaction = transaction;
    this.source = source;
    this.#ctx = ctx;
    this.dialog = dialog;
  }

  get method(): string {
    return this.request.method;
  }

  /** True once a final response has been sent. */
  get responded(): boolean {
    return (
      this.#transaction.finalResponse !== undefined || this.#transaction.state === 'terminated'
    );
  }

  /**
   * Answers with `status` (100-699). A To tag is added when the request has none (RFC 3261
   * §8.2.6.2), the same one in every response to it. False when nothing was sent: a final
   * response already went. Throws RangeError for a status outside 100-699.
   */
  respond(status: number, options: ResponseOptions = {}): boolean {
    if (!Number.isInteger(status) || status < 100 || status > 699) {
      throw new RangeError(`A response has a status 100-699, not ${String(status)}`);
    }
    this.#toTag ??= newTag();
    return this.send(this.#ctx.response(this.request, status, { toTag: this.#toTag, ...options }));
  }

  /** Sends a response built elsewhere (the registrar's). False when a final one already went. */
  send(response: SipResponse): boolean {
    return this.#transaction.respond(response);
  }
}
