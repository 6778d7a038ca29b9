/**
 * Who an outgoing leg says is calling. The original caller's number is passed on (the callee
 * sees who really calls, not Switchboard), in From and, towards a carrier, in
 * P-Asserted-Identity (RFC 3325) with Privacy: id when the caller withheld it. Calls sent on to
 * a carrier name the user's number that diverted them in a Diversion header (RFC 5806), with
 * why, so the far end (and the carrier's billing) sees a forwarded call.
 */
import {
  EMPTY_PARAMS,
  formatNameAddr,
  paramsFrom,
  sipUri,
  type HeaderField,
} from '@switchboard/sip';
import { uriHost, type LegPlan } from './ring-plan.js';

/** The caller as our legs present them. */
export interface CallerIdentity {
  /** E.164 (or the digits received); null when unknown. */
  readonly number: string | null;
  /** The contact's name when known, else the network's display name, else null. */
  readonly name: string | null;
  /** The caller asked for their identity to be withheld (or sent none). */
  readonly withheld: boolean;
}

/** RFC 5806 §3 diversion reasons we use. */
export type DiversionReason = 'unconditional' | 'no-answer' | 'user-busy' | 'deflection';

export interface LegIdentityContext {
  readonly caller: CallerIdentity;
  /** The user's number the call came in on (the diverting party). */
  readonly did: string;
  /** Our host for the URIs we write (the SIP stack's public address). */
  readonly localHost: string;
  readonly diversionReason: DiversionReason;
}

export interface LegIdentity {
  readonly from: string;
  readonly headers: readonly HeaderField[];
}

/** RFC 3323 §4.1.1.3: the URI a withheld caller is presented with. */
const ANONYMOUS_FROM = formatNameAddr({
  displayName: 'Anonymous',
  uri: sipUri({ user: 'anonymous', host: 'anonymous.invalid' }),
  params: EMPTY_PARAMS,
});

export function legIdentity(leg: Pick<LegPlan, 'via'>, context: LegIdentityContext): LegIdentity {
  const { caller, localHost } = context;
  const headers: HeaderField[] = [];
  const asserted =
    caller.number === null
      ? undefined
      : formatNameAddr({
          uri: sipUri({ user: caller.number, host: uriHost(localHost) }),
          params: EMPTY_PARAMS,
          ...(caller.withheld || caller.name === null ? {} : { displayName: caller.name }),
        });
  const from = caller.withheld || asserted === undefined ? ANONYMOUS_FROM : asserted;
  if (leg.via === 'trunk') {
    // Towards the carrier (our trust domain's edge): the identity, hidden from the callee when
    // the caller asked (RFC 3325 §7), and where the call was diverted from.
    if (asserted !== undefined) {
      headers.push({ name: 'P-Asserted-Identity', value: asserted });
      if (caller.withheld) headers.push({ name: 'Privacy', value: 'id' });
    }
    headers.push({ name: 'Diversion', value: diversionHeader(context) });
  }
  return { from, headers };
}

/** `<sip:+DID@host>;reason=no-answer;counter=1` (RFC 5806 §4). */
export function diversionHeader(
  context: Pick<LegIdentityContext, 'did' | 'localHost' | 'diversionReason'>,
): string {
  return formatNameAddr({
    uri: sipUri({ user: context.did, host: uriHost(context.localHost) }),
    params: paramsFrom({ reason: context.diversionReason, counter: '1' }),
  });
}
