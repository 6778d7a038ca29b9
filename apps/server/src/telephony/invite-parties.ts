/**
 * Who calls whom, read from an INVITE: the called number (step 1 of the call path) and the
 * calling party (step 2). The domain decides what the numbers mean (caller-identification.ts);
 * this file only knows where SIP carries them.
 */
import {
  parseNameAddrList,
  serializeUri,
  type NameAddr,
  type SipRequest,
  type Uri,
} from '@switchboard/sip';

/** Where a trunk puts the number it calls (the DID). */
export type CalledNumberSource = 'request-uri' | 'to';

export interface CallingParty {
  /** The caller's URI as received (`sip:+4930...@carrier`, `tel:+4930...`), or null. */
  readonly callingNumber: string | null;
  /** The display name the network sent with it, or null. */
  readonly displayName: string | null;
  /** Privacy header values (RFC 3323 §4.2), lower-case. */
  readonly privacy: readonly string[];
}

/**
 * The number called: the user part of a sip/sips Request-URI (or To, for trunks that put the
 * DID there and something else in the Request-URI), or a tel: number. Visual separators are
 * left to the domain's E.164 reading. Undefined when the URI names no number at all.
 */
export function calledNumberOf(
  request: SipRequest,
  source: CalledNumberSource = 'request-uri',
): string | undefined {
  let uri: Uri;
  try {
    uri = source === 'to' ? request.to().uri : request.uri;
  } catch {
    return undefined;
  }
  const number = uri.kind === 'sip' ? uri.user : uri.kind === 'tel' ? uri.number : undefined;
  return number === undefined || number.trim() === '' ? undefined : number.trim();
}

/**
 * The calling party: P-Asserted-Identity (RFC 3325 §9.1) when the sender is in our trust domain
 * (a trunk we trust), else From. An asserted identity that cannot be read falls back to From.
 * With several PAI values (a sip: and a tel: URI) the first one wins.
 */
export function callingPartyOf(request: SipRequest, trustAssertedIdentity: boolean): CallingParty {
  const privacy = privacyOf(request);
  const asserted = trustAssertedIdentity ? assertedIdentity(request) : undefined;
  let party: NameAddr | undefined = asserted;
  if (party === undefined) {
    try {
      party = request.from();
    } catch {
      party = undefined;
    }
  }
  if (party === undefined) return { callingNumber: null, displayName: null, privacy };
  const displayName = party.displayName?.trim() ?? '';
  return {
    callingNumber: serializeUri(party.uri),
    displayName: displayName === '' ? null : displayName,
    privacy,
  };
}

function assertedIdentity(request: SipRequest): NameAddr | undefined {
  for (const value of request.headerValues('P-Asserted-Identity')) {
    try {
      const first = parseNameAddrList(value, 'P-Asserted-Identity')[0];
      if (first !== undefined) return first;
    } catch {
      // An unreadable identity is ignored; From is the fallback.
    }
  }
  return undefined;
}

/** Privacy values (`id`, `user`, `none`...), split on `;` and `,`, lower-case. */
export function privacyOf(request: SipRequest): string[] {
  return request
    .headerValues('Privacy')
    .flatMap((value) => value.split(/[;,]/))
    .map((value) => value.trim().toLowerCase())
    .filter((value) => value !== '');
}
