/**
 * Reads SIPp's message log (`-trace_msg`): every SIP message SIPp sent or received, in order,
 * with its time. SIPp flushes the log after each message, so a test can follow a call live
 * (wait for the INVITE, read its SDP) and assert afterwards what the peer saw.
 */
import { readFile } from 'node:fs/promises';

export interface TracedMessage {
  readonly direction: 'sent' | 'received';
  /** SIPp's time stamp, `2026-11-21 09:29:07.609297`. */
  readonly at: string;
  /** `INVITE sip:...` or `SIP/2.0 180 Ringing`. */
  readonly startLine: string;
  /** The method of a request; undefined for a response. */
  readonly method: string | undefined;
  /** The status code of a response; undefined for a request. */
  readonly status: number | undefined;
  /** The method in CSeq (what a response answers). */
  readonly cseqMethod: string | undefined;
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: string;
  readonly raw: string;
}

/** RFC 3261 §7.3.3 compact forms, so `header('from')` finds `f:` too. */
const COMPACT: Readonly<Record<string, string>> = {
  f: 'from',
  t: 'to',
  v: 'via',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
};

const SEPARATOR = /^-{20,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\s*$/m;

export function parseSippTrace(text: string): TracedMessage[] {
  const parts = text.split(SEPARATOR);
  const messages: TracedMessage[] = [];
  // split() with one capture group: [before, time, chunk, time, chunk, ...].
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const at = parts[i] ?? '';
    const chunk = parts[i + 1] ?? '';
    const lines = chunk.replace(/^\n/, '').split('\n');
    const kind = lines[0] ?? '';
    const direction = / sent /.test(kind) ? 'sent' : / received /.test(kind) ? 'received' : null;
    if (direction === null) continue;
    const raw = lines.slice(2).join('\n').replace(/\r/g, '').replace(/\n+$/, '');
    if (raw.trim() === '') continue;
    messages.push(parseMessage(direction, at, raw));
  }
  return messages;
}

function parseMessage(direction: 'sent' | 'received', at: string, raw: string): TracedMessage {
  const split = raw.indexOf('\n\n');
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? '' : raw.slice(split + 2);
  const [startLine = '', ...headerLines] = head.split('\n');
  const headers = new Map<string, string[]>();
  let last: string[] | undefined;
  for (const line of headerLines) {
    if (/^[ \t]/.test(line) && last !== undefined && last.length > 0) {
      // Folded continuation line (RFC 3261 §7.3.1).
      last[last.length - 1] = `${last[last.length - 1] ?? ''} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const lower = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[lower] ?? lower;
    const values = headers.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(name, values);
    last = values;
  }
  const response = /^SIP\/2\.0 (\d{3})/.exec(startLine);
  const cseq = headers.get('cseq')?.[0]?.split(/\s+/)[1];
  return {
    direction,
    at,
    startLine,
    method: response ? undefined : startLine.split(' ')[0],
    status: response ? Number(response[1]) : undefined,
    cseqMethod: cseq,
    headers,
    body,
    raw,
  };
}

export async function readSippTrace(file: string): Promise<TracedMessage[]> {
  try {
    return parseSippTrace(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The first value of a header (case-insensitive name), or undefined. */
export function header(message: TracedMessage, name: string): string | undefined {
  return message.headers.get(name.toLowerCase())?.[0];
}

/** The user part of the URI in a From/To/P-Asserted-Identity/Diversion value. */
export function uriUser(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /(?:sips?|tel):([^@;>]+)/i.exec(value)?.[1];
}

/** The audio address in an SDP body: `c=` (media or session level) and the `m=audio` port. */
export function sdpAudio(body: string): { address: string; port: number } | undefined {
  const lines = body.split(/\r?\n/);
  let address: string | undefined;
  let port: number | undefined;
  for (const line of lines) {
    const c = /^c=IN IP4 (\S+)/.exec(line);
    if (c && (address === undefined || port !== undefined)) address = c[1];
    const m = /^m=audio (\d+) /.exec(line);
    if (m) port = Number(m[1]);
  }
  return address === undefined || port === undefined ? undefined : { address, port };
}

/** One line per message, for failure output: `> INVITE sip:...`, `< SIP/2.0 180 Ringing`. */
export function summarize(messages: readonly TracedMessage[]): string {
  return messages
    .map((m) => `${m.at} ${m.direction === 'sent' ? '>' : '<'} ${m.startLine}`)
    .join('\n');
}
