import type { CallerIdentification, Contact, WithheldReason } from '../model/index.js';
import type { Repositories } from '../ports/store.js';
import { tryE164 } from './phone-numbers.js';
import { UserInputError } from './users.js';

/**
 * Step 2 of the call path: who is calling, according to the user's own contacts.
 *
 * The telephony side picks the calling number (P-Asserted-Identity from a trusted trunk, else
 * From) and hands it over raw, with the display name and the Privacy header values; everything
 * after that is decided here, so the same rules hold for SIP calls, the simulator and tests.
 */
export interface CallerInput {
  readonly userId: string;
  /** The user's country for numbers without `+`; read from the user when omitted. */
  readonly country?: string;
  /**
   * The calling number as received: a URI (`sip:+12025550142@carrier;user=phone`,
   * `tel:+1-202-555-0142`, `sip:anonymous@anonymous.invalid`), or its user part alone; null
   * or empty when the network sent none.
   */
  readonly callingNumber: string | null;
  /** The display name the network sent (From or P-Asserted-Identity), if any. */
  readonly displayName?: string | null;
  /** Values of the Privacy header (RFC 3323 §4.2), e.g. `['id']`; empty when absent. */
  readonly privacy?: readonly string[];
}

/**
 * User parts and display texts networks put where a withheld number would be. Compared
 * case-insensitively with the user part of the URI (RFC 3323 §4.1.1.3 recommends
 * `sip:anonymous@anonymous.invalid`; carriers also send the others).
 */
const PLACEHOLDERS: ReadonlySet<string> = new Set([
  'anonymous',
  'unavailable',
  'restricted',
  'private',
  'withheld',
  'unknown',
]);

/**
 * Privacy values that withhold the identity. `id` (RFC 3325 §9.3) asks that the asserted
 * identity not be shown; `user` (RFC 3323 §4.2) asks for user-level privacy. `header` and
 * `session` are about routing headers and media, not the caller's number, and `none` cancels
 * privacy altogether.
 */
const WITHHOLDING_PRIVACY: ReadonlySet<string> = new Set(['id', 'user']);

/** The longest network display name kept; longer ones are cut (it is only ever a hint). */
export const MAX_NETWORK_NAME = 100;

/**
 * Who is calling the user: anonymous, a number not in the contacts, or a contact.
 *
 * - **Anonymous** when the Privacy header withholds the identity (`id` or `user`, unless
 *   `none` is also present), when the number is a placeholder (`anonymous`, `unavailable`,
 *   `restricted`, `private`, `withheld`, `unknown`, or a host of `anonymous.invalid`), or when it
 *   holds no digit at all. A withheld caller is not looked up: the user's contacts must not
 *   reveal whom the network was asked to hide.
 * - Otherwise the number is read as E.164 in the user's country (libphonenumber-js). A number
 *   that cannot be read (a short code, an extension) is **unknown**, kept as its digits.
 * - A readable number is looked up in the user's contacts (every number of every contact, the
 *   `(user_id, e164)` index). No contact: **unknown**. One or more: **contact**, chosen by
 *   `pickContact`.
 *
 * The display name from the network is cleaned and kept as `networkName`; it never replaces a
 * contact's name, because anyone can put any name in a From header.
 */
export async function identifyCaller(
  repos: Pick<Repositories, 'users' | 'contacts' | 'handlingCodes'>,
  input: CallerInput,
): Promise<CallerIdentification> {
  const networkName = cleanDisplayName(input.displayName ?? null);
  const withheld = withheldReason(input.callingNumber, input.privacy ?? []);
  if (withheld !== null) {
    return {
      kind: 'anonymous',
      e164: null,
      number: null,
      contact: null,
      handlingCode: null,
      networkName,
      withheld,
      otherContactIds: [],
    };
  }
  const userPart = userPartOf(input.callingNumber ?? '');
  const country = input.country ?? (await countryOf(repos, input.userId));
  const e164 = readNumber(userPart, country);
  const unknown = (e164: string | null, number: string | null): CallerIdentification => ({
    kind: 'unknown',
    e164,
    number,
    contact: null,
    handlingCode: null,
    networkName,
    withheld: null,
    otherContactIds: [],
  });
  if (e164 === undefined) return unknown(null, digitsOf(userPart));
  const contacts = await repos.contacts.findByPhone(input.userId, e164);
  if (contacts.length === 0) return unknown(e164, e164);
  const codes =
    contacts.length > 1
      ? new Set((await repos.handlingCodes.listByUser(input.userId)).map((c) => c.code))
      : new Set<string>();
  const chosen = pickContact(contacts, codes);
  return {
    kind: 'contact',
    e164,
    number: e164,
    contact: chosen,
    handlingCode: chosen.handlingCode,
    networkName,
    withheld: null,
    otherContactIds: contacts.filter((c) => c.id !== chosen.id).map((c) => c.id),
  };
}

/**
 * The rule for several contacts holding the calling number (a shared office line, a family
 * landline, a duplicate left by an import). In order:
 *  1. a contact whose handling code is one of the user's defined codes beats one whose code is
 *     not defined (which would get default handling anyway), which beats one with no code:
 *     a code is a deliberate choice about this caller, and a defined one is one that works;
 *  2. among those, the most recently updated: the user's latest edit is their current intent;
 *  3. then the oldest created, then the smallest id, so the choice never depends on the order
 *     the database happens to return rows in.
 * Codes are not ranked against each other: they map to arbitrary flows, and nothing says which
 * is "more restrictive".
 */
export function pickContact(contacts: readonly Contact[], userCodes: ReadonlySet<string>): Contact {
  const rank = (contact: Contact): number => {
    if (contact.handlingCode === null) return 0;
    return userCodes.has(contact.handlingCode) ? 2 : 1;
  };
  const [first, ...rest] = contacts;
  if (first === undefined) throw new RangeError('pickContact needs at least one contact');
  let best = first;
  for (const contact of rest) {
    const byRank = rank(contact) - rank(best);
    const byUpdate = contact.updatedAt - best.updatedAt;
    const byCreation = best.createdAt - contact.createdAt;
    const better =
      byRank !== 0
        ? byRank > 0
        : byUpdate !== 0
          ? byUpdate > 0
          : byCreation !== 0
            ? byCreation > 0
            : contact.id < best.id;
    if (better) best = contact;
  }
  return best;
}

/** Why the caller counts as anonymous, or null when there is a number to look at. */
export function withheldReason(
  callingNumber: string | null,
  privacy: readonly string[],
): WithheldReason | null {
  const values = new Set(privacy.flatMap((p) => p.split(';')).map((p) => p.trim().toLowerCase()));
  if (!values.has('none') && [...values].some((v) => WITHHOLDING_PRIVACY.has(v))) {
    return 'privacy';
  }
  const raw = (callingNumber ?? '').trim();
  if (raw === '') return 'no-number';
  if (/@anonymous\.invalid(?:[;>?]|$)/i.test(raw)) return 'placeholder';
  const userPart = userPartOf(raw);
  if (PLACEHOLDERS.has(userPart.trim().toLowerCase())) return 'placeholder';
  if (!/\d/.test(userPart)) return 'no-number';
  return null;
}

/**
 * The user part of a SIP/tel URI (`sip:+1202...@host;user=phone` -> `+1202...`), unescaped
 * (RFC 3261 §19.1.2), or the input itself when it is not a URI. Visual separators stay: the
 * number reader ignores them.
 */
export function userPartOf(value: string): string {
  let text = value.trim();
  const angle = /<([^>]*)>/.exec(text);
  if (angle?.[1] !== undefined) text = angle[1];
  const scheme = /^(sips?|tel):/i.exec(text);
  if (scheme !== null) {
    text = text.slice(scheme[0].length);
    if (scheme[1]?.toLowerCase() !== 'tel') {
      const at = text.lastIndexOf('@');
      text = at === -1 ? text : text.slice(0, at);
    }
    // tel: parameters and sip user-part parameters (`;phone-context=`, `;isub=`).
    text = text.replace(/;.*$/, '');
  }
  try {
    return decodeURIComponent(text).trim();
  } catch {
    return text.trim();
  }
}

function readNumber(userPart: string, country: string): string | undefined {
  // Carriers write international numbers without "+" after a 00 or as bare digits; both are
  // left to libphonenumber, which knows each country's rules.
  return tryE164(userPart, country);
}

/** The digits of a number that could not be read (`*86`, `1234`), kept for the record. */
function digitsOf(userPart: string): string | null {
  const kept = userPart.replace(/[^\d*#+]/g, '').slice(0, 32);
  return kept === '' ? null : kept;
}

async function countryOf(repos: Pick<Repositories, 'users'>, userId: string): Promise<string> {
  const user = await repos.users.get(userId);
  if (user === undefined) throw new UserInputError('userId', `there is no user "${userId}"`);
  return user.country;
}

/**
 * The network's display name as something safe to keep and show: quotes and escapes of a
 * quoted-string removed, control characters dropped, spaces folded, cut to MAX_NETWORK_NAME.
 * Null when nothing is left or it is only a placeholder (`Anonymous`).
 */
export function cleanDisplayName(name: string | null): string | null {
  if (name === null) return null;
  let text = name.trim();
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    text = text.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  text = text
    .replace(/\p{Cc}/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '' || PLACEHOLDERS.has(text.toLowerCase())) return null;
  // Cut between user-perceived characters, so an emoji or accented letter is never split.
  const graphemes = Array.from(new Intl.Segmenter().segment(text), (s) => s.segment);
  return graphemes.slice(0, MAX_NETWORK_NAME).join('');
}
