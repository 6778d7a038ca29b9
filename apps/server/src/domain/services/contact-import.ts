import { createHash, randomUUID } from 'node:crypto';
import { CONTACT_LIMITS } from '@switchboard/contracts';
import type { ContactInput, ContactPhone } from '../model/index.js';
import type { Clock } from '../ports/clock.js';
import { silentLogger, type Logger } from '../ports/logger.js';
import type { Store } from '../ports/store.js';
import { PhoneNumberError, toE164 } from './phone-numbers.js';
import { sameContact } from './provisioning/compare.js';
import { UserInputError } from './users.js';

/**
 * A contact card as read from a file or an address book (vCard), before any normalising.
 * Integrations (integrations/vcard) produce these; the domain decides what they become.
 */
export interface ContactCard {
  /** vCard UID, the stable key across imports when present. */
  readonly uid: string | null;
  /** FN, else the name assembled from N, else null. */
  readonly name: string | null;
  readonly organization: string | null;
  readonly emails: readonly string[];
  /** TEL values as written (`(202) 555-0142`, `tel:+1-202-555-0142`), with their TYPE. */
  readonly phones: readonly { readonly value: string; readonly type: string | null }[];
  readonly categories: readonly string[];
  /** The X-SWITCHBOARD-CODE property, when the card has one. */
  readonly switchboardCode: string | null;
  /** The NOTE text, when the card has one (a `[hc:VIP]` tag in it carries a handling code). */
  readonly note?: string | null;
}

/** One card of a file: read, or broken with the reason. `index` counts cards from 0. */
export type CardEntry =
  | { readonly index: number; readonly card: ContactCard }
  | { readonly index: number; readonly error: string; readonly name?: string };

export interface ImportSkip {
  readonly index: number;
  readonly name?: string;
  readonly reason: string;
}

export interface ImportWarning {
  readonly index: number;
  readonly name: string;
  readonly message: string;
}

export interface ImportResult {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Cards not imported at all, with why. */
  readonly skipped: readonly ImportSkip[];
  /** Cards imported with something left out (an unreadable phone number) or worth a look. */
  readonly warnings: readonly ImportWarning[];
}

export interface ImportContactsOptions {
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Called after each card, for a progress bar. */
  readonly onProgress?: (done: number, total: number, label: string) => void;
  /** Id for a new contact; random UUIDs unless a test wants predictable ones. */
  readonly newId?: () => string;
  /** Prefix of handling codes in CATEGORIES and NOTE tags; DEFAULT_CODE_PREFIX by default. */
  readonly codePrefix?: string;
}

/** `hc:VIP` in CATEGORIES, `[hc:VIP]` in NOTE. */
export const DEFAULT_CODE_PREFIX = 'hc:';

/** What a handling code looks like once read (as the API's HandlingCodeName). */
const CODE_PATTERN = /^[A-Z0-9][A-Z0-9_-]{0,31}$/;

/** Where a card's handling code was found. */
export type CodeSource = 'x-switchboard-code' | 'category-prefix' | 'note-tag' | 'category';

export interface CardCode {
  /** Upper-case code, or null when the card carries none that can be used. */
  readonly code: string | null;
  readonly source: CodeSource | null;
  /** A code was written but cannot be one (`hc:V I P`): what to tell the user. */
  readonly problem?: string;
}

/** Checks a code prefix (the CLI option, the config key, the API query). */
export function codePrefixProblem(prefix: string): string | undefined {
  if (prefix.length === 0 || prefix.length > 16 || /[\s[\]]/.test(prefix)) {
    return `"${prefix}" is not a code prefix: use 1-16 characters without spaces or brackets, e.g. hc:`;
  }
  return undefined;
}

/**
 * The handling code a card carries. The code lives in an ordinary contact field so people set
 * it in the contacts app they already use. The first of these wins:
 *  1. the `X-SWITCHBOARD-CODE` property;
 *  2. the first CATEGORIES entry (a "label" or "group" in most apps) starting with the prefix,
 *     ignoring case: `hc:VIP` -> VIP;
 *  3. the first `[<prefix>CODE]` tag in NOTE: `Met at the fair [hc:VIP]` -> VIP (for apps whose
 *     labels cannot be exported);
 *  4. the first CATEGORIES entry that equals one of the user's handling codes, ignoring case.
 * Explicit forms (1-3) are kept even when the user has not defined that code yet (the import
 * warns); a written code that cannot be a code is reported as `problem` and the next rule is
 * tried. Codes are returned upper-case, as stored.
 */
export function readHandlingCode(
  card: Pick<ContactCard, 'categories' | 'switchboardCode' | 'note'>,
  userCodes: ReadonlySet<string>,
  prefix: string = DEFAULT_CODE_PREFIX,
): CardCode {
  const problems: string[] = [];
  const take = (written: string, source: CodeSource): CardCode | undefined => {
    const code = written.trim().toUpperCase();
    if (CODE_PATTERN.test(code)) return { code, source };
    problems.push(
      `left out handling code "${written.trim().slice(0, 40)}": use 1-32 letters, digits, - or _`,
    );
    return undefined;
  };
  const explicit = card.switchboardCode?.trim();
  if (explicit !== undefined && explicit !== '') {
    const found = take(explicit, 'x-switchboard-code');
    if (found) return found;
  }
  const lowerPrefix = prefix.toLowerCase();
  for (const category of card.categories) {
    const trimmed = category.trim();
    if (!trimmed.toLowerCase().startsWith(lowerPrefix)) continue;
    const found = take(trimmed.slice(prefix.length), 'category-prefix');
    if (found) return found;
  }
  if (card.note !== undefined && card.note !== null) {
    for (const match of card.note.matchAll(/\[([^\]\n]{1,64})\]/g)) {
      const inside = (match[1] ?? '').trim();
      if (!inside.toLowerCase().startsWith(lowerPrefix)) continue;
      const found = take(inside.slice(prefix.length), 'note-tag');
      if (found) return found;
    }
  }
  for (const category of card.categories) {
    const code = category.trim().toUpperCase();
    if (userCodes.has(code)) return { code, source: 'category' };
  }
  const [problem] = problems;
  return problem === undefined
    ? { code: null, source: null }
    : { code: null, source: null, problem };
}

/** The code of `readHandlingCode`, or null. */
export function handlingCodeOfCard(
  card: Pick<ContactCard, 'categories' | 'switchboardCode' | 'note'>,
  userCodes: ReadonlySet<string>,
  prefix: string = DEFAULT_CODE_PREFIX,
): string | null {
  return readHandlingCode(card, userCodes, prefix).code;
}

/**
 * Imports contact cards for a user (source `import`), in one transaction. A card's key is its
 * UID, else a hash of its name and numbers, so importing the same file again creates nothing
 * new and a card edited since is updated in place. Broken cards and cards with neither a name
 * nor a phone number are skipped with the reason; the other cards still import. Nothing is
 * deleted, and contacts from other sources (provisioning, CardDAV, the API) are never touched.
 */
export async function importContacts(
  store: Store,
  userId: string,
  entries: readonly CardEntry[],
  options: ImportContactsOptions,
): Promise<ImportResult> {
  const logger = options.logger ?? silentLogger;
  const newId = options.newId ?? randomUUID;
  const prefix = options.codePrefix ?? DEFAULT_CODE_PREFIX;
  const badPrefix = codePrefixProblem(prefix);
  if (badPrefix !== undefined) throw new UserInputError('codePrefix', badPrefix);
  const started = options.clock.now();
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  const skipped: ImportSkip[] = [];
  const warnings: ImportWarning[] = [];

  await store.transaction(async (repos) => {
    const user = await repos.users.get(userId);
    if (!user) throw new UserInputError('user', `no user "${userId}"`);
    const codes = new Set((await repos.handlingCodes.listByUser(userId)).map((c) => c.code));
    const seenKeys = new Map<string, number>();

    for (const [done, entry] of entries.entries()) {
      const label =
        'card' in entry
          ? (entry.card.name ?? `card ${String(entry.index + 1)}`)
          : `card ${String(entry.index + 1)}`;
      options.onProgress?.(done, entries.length, label);
      if (!('card' in entry)) {
        skipped.push({
          index: entry.index,
          ...(entry.name === undefined ? {} : { name: entry.name }),
          reason: entry.error,
        });
        continue;
      }
      const { card, index } = entry;
      const phones: ContactPhone[] = [];
      // What identifies the card's numbers for its key: E.164 when readable, else as written.
      const keyNumbers: string[] = [];
      for (const phone of card.phones) {
        try {
          const e164 = toE164(phone.value, user.country);
          keyNumbers.push(e164);
          if (!phones.some((p) => p.e164 === e164)) {
            phones.push({ e164, raw: phone.value.replace(/^tel:/i, ''), type: phone.type });
          }
        } catch (error) {
          if (!(error instanceof PhoneNumberError)) throw error;
          keyNumbers.push(phone.value.trim());
          warnings.push({
            index,
            name: card.name ?? phone.value,
            message: `left out ${error.message}`,
          });
        }
      }
      const name = card.name ?? card.organization ?? phones[0]?.raw;
      if (name === undefined) {
        skipped.push({ index, reason: 'the card has no name and no phone number' });
        continue;
      }
      const externalId = card.uid ?? contentKey(name, keyNumbers);
      const first = seenKeys.get(externalId);
      if (first !== undefined) {
        skipped.push({
          index,
          name,
          reason:
            card.uid === null
              ? `same name and numbers as card ${String(first + 1)}`
              : `same UID as card ${String(first + 1)}`,
        });
        continue;
      }
      seenKeys.set(externalId, index);

      const read = readHandlingCode(card, codes, prefix);
      const handlingCode = read.code;
      if (read.problem !== undefined) warnings.push({ index, name, message: read.problem });
      if (handlingCode !== null && !codes.has(handlingCode)) {
        warnings.push({
          index,
          name,
          message: `handling code ${handlingCode} is not one of ${userId}'s codes yet; callers get default handling until it is defined`,
        });
      }
      const fitted = fitToLimits(name, card, phones, (message) => {
        warnings.push({ index, name, message });
      });
      const stored = await repos.contacts.findByExternalId(userId, 'import', externalId);
      const input: ContactInput = {
        id: stored?.id ?? newId(),
        userId,
        source: 'import',
        externalId,
        ...fitted,
        handlingCode,
      };
      if (stored && sameContact(stored, input)) {
        unchanged += 1;
        continue;
      }
      await repos.contacts.put(input);
      if (stored) updated += 1;
      else created += 1;
    }
    options.onProgress?.(entries.length, entries.length, 'done');
  });

  logger.info(
    {
      userId,
      created,
      updated,
      unchanged,
      skipped: skipped.length,
      ms: options.clock.now() - started,
    },
    'contacts imported',
  );
  return { created, updated, unchanged, skipped, warnings };
}

/**
 * Key of a card without a UID: its name and numbers, so the same card imported twice is
 * recognised. Numbers are taken normalised (and, when unreadable, as written) and sorted, so
 * reformatting or reordering them does not make a new contact.
 */
function contentKey(name: string, numbers: readonly string[]): string {
  const material = [name.trim().toLowerCase(), ...[...new Set(numbers)].sort()].join('\n');
  return `sha256:${createHash('sha256').update(material).digest('hex').slice(0, 32)}`;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Keeps an imported card within the sizes the API allows (CONTACT_LIMITS), so whatever an
 * address book exports can later be edited and saved through the API. What is cut is said.
 */
function fitToLimits(
  name: string,
  card: ContactCard,
  phones: readonly ContactPhone[],
  warn: (message: string) => void,
): Pick<ContactInput, 'name' | 'organization' | 'emails' | 'phones'> {
  const clip = (value: string, max: number, what: string): string => {
    if (value.length <= max) return value;
    warn(`${what} shortened to ${String(max)} characters`);
    return value.slice(0, max);
  };
  const emails: string[] = [];
  for (const written of new Set(card.emails.map((e) => e.trim().toLowerCase()))) {
    if (!EMAIL.test(written) || written.length > CONTACT_LIMITS.email) {
      warn(`left out "${written.slice(0, 80)}": not an e-mail address`);
    } else if (emails.length === CONTACT_LIMITS.emails) {
      warn(`left out e-mail ${written}: at most ${String(CONTACT_LIMITS.emails)} per contact`);
    } else {
      emails.push(written);
    }
  }
  if (phones.length > CONTACT_LIMITS.phones) {
    warn(
      `kept the first ${String(CONTACT_LIMITS.phones)} of ${String(phones.length)} phone numbers`,
    );
  }
  return {
    name: clip(name, CONTACT_LIMITS.name, 'name'),
    organization:
      card.organization === null
        ? null
        : clip(card.organization, CONTACT_LIMITS.organization, 'organization'),
    emails,
    phones: phones.slice(0, CONTACT_LIMITS.phones),
  };
}
