/**
 * The e-mail a user gets for a new message: who called (name, number, handling code), when (in
 * the user's time zone), how long, a link to the message in the web client, and the recording
 * attached. Pure: the caller reads the file and sends the result.
 */
import type { User, Voicemail } from '../../model/index.js';
import type { OutgoingMail } from '../../ports/mail-sender.js';

export interface VoicemailMailInput {
  readonly voicemail: Voicemail;
  readonly user: User;
  /** The WAV file as stored. */
  readonly recording: Buffer;
  /** The web client's address (config `http.publicUrl`); no link without it. */
  readonly publicUrl?: string | undefined;
}

/** Control characters (a SIP display name may carry anything) become spaces. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** `0:42`, `12:05`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${String(Math.floor(seconds / 60))}:${String(seconds % 60).padStart(2, '0')}`;
}

/** `Saturday, November 21, 2026, 10:00 AM CET` in the user's zone, in English for their country. */
export function formatReceived(ms: number, user: Pick<User, 'timezone' | 'country'>): string {
  const options: Intl.DateTimeFormatOptions = {
    timeZone: user.timezone,
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  };
  try {
    return new Intl.DateTimeFormat(`en-${user.country}`, options).format(ms);
  } catch {
    // A zone or locale this runtime does not know: UTC says the right moment all the same.
    return new Intl.DateTimeFormat('en', { ...options, timeZone: 'UTC' }).format(ms);
  }
}

/** `20261121-1000` in the user's zone, for the attachment's name. */
function fileStamp(ms: number, timezone: string): string {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(ms);
  } catch {
    return new Date(ms).toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  }
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '00';
  return `${part('year')}${part('month')}${part('day')}-${part('hour')}${part('minute')}`;
}

/** `Bob Smith (+12025550142)`, `+12025550142`, `Bob Smith`, or `an anonymous caller`. */
export function describeCaller(voicemail: Voicemail): string {
  const name = voicemail.callerName == null ? '' : clean(voicemail.callerName);
  const number = voicemail.callerNumber == null ? '' : clean(voicemail.callerNumber);
  if (name !== '' && number !== '' && name !== number) return `${name} (${number})`;
  if (number !== '') return number;
  if (name !== '') return name;
  return 'an anonymous caller';
}

/** Where the message opens in the web client (a hash route: no server-side routing needed). */
export function voicemailLink(publicUrl: string, voicemailId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/#/voicemails/${encodeURIComponent(voicemailId)}`;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function composeVoicemailMail(input: VoicemailMailInput): OutgoingMail {
  const { voicemail, user, recording } = input;
  const caller = describeCaller(voicemail);
  const duration = formatDuration(voicemail.durationMs);
  const received = formatReceived(voicemail.createdAt, user);
  const code = voicemail.handlingCode == null ? null : clean(voicemail.handlingCode);
  const link =
    input.publicUrl === undefined ? undefined : voicemailLink(input.publicUrl, voicemail.id);
  const digits = (voicemail.callerNumber ?? '').replace(/[^0-9]/g, '');
  const filename = `voicemail-${fileStamp(voicemail.createdAt, user.timezone)}-${digits === '' ? 'anonymous' : digits}.wav`;

  const rows: [string, string][] = [
    ['From', caller],
    ...(code === null ? [] : ([['Handling code', code]] as [string, string][])),
    ['Received', received],
    ['Length', duration],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const text = [
    `New voicemail for ${clean(user.name)}`,
    '',
    ...rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`),
    '',
    ...(link === undefined ? [] : [`Listen in Switchboard: ${link}`, '']),
    `The recording is attached (${filename}).`,
    '',
  ].join('\n');
  const html = [
    '<!doctype html>',
    '<html><body>',
    `<p>New voicemail for ${escapeHtml(clean(user.name))}</p>`,
    '<table>',
    ...rows.map(
      ([label, value]) =>
        `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
    ),
    '</table>',
    ...(link === undefined
      ? []
      : [`<p><a href="${escapeHtml(link)}">Listen in Switchboard</a></p>`]),
    `<p>The recording is attached (${escapeHtml(filename)}).</p>`,
    '</body></html>',
  ].join('\n');
  return {
    to: user.email,
    subject: `Voicemail from ${caller} (${duration})`,
    text,
    html,
    attachments: [{ filename, contentType: 'audio/wav', content: recording }],
  };
}
