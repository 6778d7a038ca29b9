import ICAL from 'ical.js';
import { TextDecoder } from 'node:util';
import type { CardEntry, ContactCard } from '../../domain/services/contact-import.js';

/**
 * Reads a .vcf file holding any number of cards (vCard 2.1, 3.0 and 4.0 as exported by Apple
 * Contacts, Google Contacts, Outlook and CardDAV servers) into plain ContactCard records.
 *
 * Cards are cut apart first and parsed one by one with ical.js, so one broken card is reported
 * (with its index and the reason) and the others still come through. Only the properties a
 * contact needs are handed to the parser (FN, N, ORG, EMAIL, TEL, UID, CATEGORIES, NOTE,
 * X-SWITCHBOARD-CODE, X-ABLABEL): a photo in an odd encoding cannot break a card, and a NOTE
 * the parser refuses is dropped (the card is read again without it) rather than losing the card.
 *
 * The handling code travels in ordinary fields so people edit it in their usual contacts app:
 * `X-SWITCHBOARD-CODE`, a prefixed category (`hc:VIP`), a `[hc:VIP]` tag in NOTE, or a category
 * equal to one of the user's codes. This parser reports the fields; the import service applies
 * the rule (readHandlingCode) because only it knows the prefix and the user's codes.
 */
export function parseVCards(text: string): CardEntry[] {
  const entries: CardEntry[] = [];
  for (const chunk of splitCards(text)) {
    const index = entries.length;
    if (chunk.error !== undefined) {
      entries.push(withName({ index, error: chunk.error }, chunk.lines));
      continue;
    }
    try {
      entries.push({ index, card: readCard(chunk.lines) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      entries.push(withName({ index, error: reason }, chunk.lines));
    }
  }
  return entries;
}

const WANTED = new Set([
  'version',
  'fn',
  'n',
  'org',
  'email',
  'tel',
  'uid',
  'categories',
  'x-switchboard-code',
  'x-ablabel',
  'note',
]);

interface Chunk {
  /** Unfolded content lines between BEGIN:VCARD and END:VCARD, exclusive. */
  readonly lines: string[];
  readonly error?: string;
}

/** Cuts the file into cards, unfolding continuation lines (RFC 6350 §3.2). */
function splitCards(text: string): Chunk[] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const logical: string[] = [];
  for (const line of physical) {
    const last = logical.pop();
    if (last === undefined) logical.push(line);
    else if (line.startsWith(' ') || line.startsWith('\t')) logical.push(last + line.slice(1));
    else if (isQuotedPrintableSoftBreak(last)) {
      // vCard 2.1 quoted-printable values continue after a trailing "=" with no indent.
      logical.push(last.slice(0, -1) + line);
    } else logical.push(last, line);
  }

  const chunks: Chunk[] = [];
  let current: string[] | undefined;
  for (const line of logical) {
    const upper = line.trim().toUpperCase();
    if (upper === 'BEGIN:VCARD') {
      if (current)
        chunks.push({
          lines: current,
          error: 'the card has no END:VCARD before the next BEGIN:VCARD',
        });
      current = [];
    } else if (upper === 'END:VCARD') {
      if (current) chunks.push({ lines: current });
      current = undefined;
    } else if (current && line.trim() !== '') {
      current.push(line);
    }
  }
  if (current)
    chunks.push({ lines: current, error: 'the file ends inside this card (no END:VCARD)' });
  return chunks;
}

function isQuotedPrintableSoftBreak(line: string): boolean {
  return line.endsWith('=') && /;\s*(ENCODING=)?QUOTED-PRINTABLE\s*[;:]/i.test(line);
}

interface ContentLine {
  readonly group: string | null;
  readonly name: string;
  readonly params: string;
  readonly value: string;
}

/** `item1.TEL;type=CELL:+1...` -> its parts; the value starts at the first ":" outside quotes. */
function splitContentLine(line: string, lineNumber: number): ContentLine {
  let inQuotes = false;
  let colon = -1;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === ':' && !inQuotes) {
      colon = i;
      break;
    }
  }
  const head = colon < 0 ? '' : line.slice(0, colon);
  const match = /^(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)(;.*)?$/.exec(head);
  if (!match) {
    throw new Error(
      `line ${String(lineNumber)} of the card is not NAME:VALUE: ${JSON.stringify(clip(line))}`,
    );
  }
  return {
    group: match[1] ?? null,
    name: (match[2] ?? '').toLowerCase(),
    params: match[3] ?? '',
    value: line.slice(colon + 1),
  };
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function readCard(lines: readonly string[]): ContactCard {
  const parsed = lines.map((line, i) => splitContentLine(line, i + 2));
  try {
    return parseKept(parsed, () => true);
  } catch (error) {
    // A note is free text from any app; if it is what the parser chokes on, keep the card.
    if (!parsed.some((l) => l.name === 'note')) throw error;
    return parseKept(parsed, (l) => l.name !== 'note');
  }
}

function parseKept(
  parsed: readonly ContentLine[],
  keep: (line: ContentLine) => boolean,
): ContactCard {
  const version = parsed.find((l) => l.name === 'version')?.value.trim();
  const kept = parsed
    .filter((l) => WANTED.has(l.name) && keep(l))
    .map((l) => (version === '2.1' ? fromVCard21(l) : l))
    .map(
      (l) =>
        `${l.group === null ? '' : `${l.group}.`}${l.name.toUpperCase()}${l.params}:${l.value}`,
    );
  const jcard: unknown = ICAL.parse(['BEGIN:VCARD', ...kept, 'END:VCARD', ''].join('\r\n'));
  return cardFromJCard(Array.isArray(jcard) && jcard[0] === 'vcard' ? jcard : []);
}

/**
 * vCard 2.1 (Outlook, old phones) writes bare parameters (`TEL;CELL;PREF:`) and
 * quoted-printable values, which ical.js does not read: rewrite them in 3.0 form.
 */
function fromVCard21(line: ContentLine): ContentLine {
  let charset = 'utf-8';
  let quotedPrintable = false;
  const params: string[] = [];
  for (const raw of line.params.split(';').slice(1)) {
    const param = raw.trim();
    const [key, value] = param.includes('=')
      ? [param.slice(0, param.indexOf('=')), param.slice(param.indexOf('=') + 1)]
      : ['TYPE', param];
    const upperKey = key.toUpperCase();
    if (upperKey === 'ENCODING' && value.toUpperCase() === 'QUOTED-PRINTABLE')
      quotedPrintable = true;
    else if (upperKey === 'QUOTED-PRINTABLE' || value.toUpperCase() === 'QUOTED-PRINTABLE')
      quotedPrintable = true;
    else if (upperKey === 'CHARSET') charset = value;
    else if (param !== '') params.push(`${upperKey}=${value}`);
  }
  return {
    ...line,
    params: params.length > 0 ? `;${params.join(';')}` : '',
    value: quotedPrintable ? decodeQuotedPrintable(line.value, charset) : line.value,
  };
}

function decodeQuotedPrintable(value: string, charset: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const hex = value.slice(i + 1, i + 3);
    if (value[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(value.charCodeAt(i) & 0xff);
    }
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  // Escape what 2.1 did not escape, so the 3.0 parser reads the text back unchanged.
  return decoder.decode(new Uint8Array(bytes)).replace(/\r?\n/g, '\\n');
}

/** jCard (RFC 7095) property: [name, params, type, ...values]. */
type JProperty = [string, Record<string, unknown>, string, ...unknown[]];

function cardFromJCard(jcard: readonly unknown[]): ContactCard {
  const props = (Array.isArray(jcard[1]) ? jcard[1] : []).filter(
    (p): p is JProperty => Array.isArray(p) && typeof p[0] === 'string' && p.length >= 4,
  );
  const all = (name: string) => props.filter((p) => p[0] === name);
  const first = (name: string) => all(name)[0];
  const texts = (p: JProperty | undefined) => (p ? p.slice(3).flatMap(flattenText) : []);
  const firstText = (name: string) => nonEmpty(texts(first(name)).join(' '));

  const labels = new Map<string, string>();
  for (const p of all('x-ablabel')) {
    const group = p[1].group;
    const label = appleLabel(texts(p).join(' '));
    if (typeof group === 'string' && label !== null) labels.set(group.toLowerCase(), label);
  }

  return {
    uid: firstText('uid'),
    name: firstText('fn') ?? nameFromN(first('n')),
    organization: nonEmpty(
      texts(first('org'))
        .filter((s) => s.trim() !== '')
        .join(', '),
    ),
    emails: all('email')
      .flatMap(texts)
      .map((e) => e.trim())
      .filter((e) => e !== ''),
    phones: all('tel').flatMap((p) => {
      const type =
        phoneType(p[1].type) ??
        (typeof p[1].group === 'string' ? (labels.get(p[1].group.toLowerCase()) ?? null) : null);
      return texts(p)
        .map((value) => value.trim())
        .filter((value) => value !== '')
        .map((value) => ({ value, type }));
    }),
    categories: all('categories')
      .flatMap(texts)
      .map((c) => c.trim())
      .filter((c) => c !== ''),
    switchboardCode: firstText('x-switchboard-code'),
    ...noteOf(all('note').flatMap(texts)),
  };
}

/** The card's NOTE texts joined, present only when the card has one. */
function noteOf(notes: readonly string[]): { note?: string } {
  const text = notes
    .map((n) => n.trim())
    .filter((n) => n !== '')
    .join('\n');
  return text === '' ? {} : { note: text };
}

function flattenText(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(flattenText);
  return [];
}

function nonEmpty(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? null : trimmed;
}

/** N is family;given;additional;prefix;suffix (RFC 6350 §6.2.2): read as "prefix given additional family suffix". */
function nameFromN(property: JProperty | undefined): string | null {
  const value = property?.[3];
  const parts = Array.isArray(value)
    ? value.map((v) => flattenText(v).join(' '))
    : flattenText(value);
  const [family = '', given = '', additional = '', prefix = '', suffix = ''] = parts;
  return nonEmpty(
    [prefix, given, additional, family, suffix]
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .join(' '),
  );
}

const IGNORED_TYPES = new Set(['voice', 'pref', 'internet', 'x400']);
const TYPE_ALIASES: Readonly<Record<string, string>> = { mobile: 'cell', iphone: 'cell' };

/** The first meaningful TYPE (`cell`, `work`, `home`, `fax`...), lower-case. */
function phoneType(param: unknown): string | null {
  for (const raw of flattenText(param).flatMap((t) => t.split(','))) {
    const type = raw.trim().toLowerCase();
    if (type !== '' && !IGNORED_TYPES.has(type)) return TYPE_ALIASES[type] ?? type;
  }
  return null;
}

/** Apple writes its stock labels as `_$!<Mobile>!$_`; custom labels are plain text. */
function appleLabel(label: string): string | null {
  const stock = /^_\$!<(.+)>!\$_$/.exec(label.trim());
  const text = (stock?.[1] ?? label).trim().toLowerCase();
  return text === '' ? null : (TYPE_ALIASES[text] ?? text);
}

/** Broken cards are still reported by name when an FN line can be picked out. */
function withName(entry: { index: number; error: string }, lines: readonly string[]): CardEntry {
  for (const line of lines) {
    const match = /^(?:[A-Za-z0-9-]+\.)?FN(?:;[^:]*)?:(.*)$/i.exec(line);
    const name = match?.[1]?.replace(/\\([,;\\])/g, '$1').trim();
    if (name !== undefined && name !== '') return { ...entry, name };
  }
  return entry;
}
