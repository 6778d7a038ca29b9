import type { FlowIssue } from '../issues.js';
import type { RingTarget } from '../runtime/call-control.js';
import type { OverrideDecision } from '../runtime/override.js';
import type { CallScript } from './call-script.js';
import { checkScenario, type Scenario, type ScenarioInput } from './scenario.js';

/**
 * The compact text form of a scenario, one `key=value` per word (quote values with spaces):
 *
 *   caller=+12025550142 contact="Bob Boss" code=VIP status=busy at=2026-11-23T09:00
 *   tz=America/New_York presses=2 answer=none
 *
 * SCENARIO_KEYS lists every key with an example; `switchboard call simulate --help` prints it.
 */
export interface ScenarioKey {
  readonly key: string;
  readonly example: string;
  readonly help: string;
}

export const SCENARIO_KEYS: readonly ScenarioKey[] = [
  { key: 'caller', example: '+12025550142', help: 'calling number (E.164), or anonymous' },
  { key: 'name', example: '"Bob B."', help: 'caller name the network sent (unknown callers)' },
  { key: 'called', example: '+12025550100', help: 'the number dialled' },
  { key: 'contact', example: '"Bob Boss"', help: 'the caller is this contact (a known caller)' },
  { key: 'code', example: 'VIP', help: "the contact's handling code" },
  { key: 'groups', example: 'Family,Friends', help: "the contact's groups" },
  { key: 'email', example: 'bob@example.com', help: "the contact's e-mail addresses" },
  { key: 'org', example: '"Boss & Co"', help: "the contact's organisation" },
  { key: 'field.NAME', example: 'field.account=A-17', help: 'another contact field' },
  { key: 'user', example: 'alice', help: 'the called user id' },
  { key: 'username', example: '"Alice Archer"', help: "the user's name" },
  { key: 'tz', example: 'America/New_York', help: "the user's time zone (default UTC)" },
  { key: 'devices', example: 'desk,cell:external', help: "the user's devices, id[:sip|external]" },
  { key: 'codes', example: 'VIP,FAMILY', help: "the user's handling codes" },
  { key: 'attendant', example: 'carol', help: "the user's attendant (a user id), or none" },
  {
    key: 'status',
    example: 'busy',
    help: 'available, busy, in-a-meeting, out-of-office, do-not-disturb or away',
  },
  { key: 'meeting', example: 'yes', help: 'the calendar has the user in a meeting now' },
  { key: 'attendee', example: 'yes', help: 'the caller attends one of the user’s meetings today' },
  {
    key: 'at',
    example: '2026-11-23T09:00',
    help: 'start of the call, local to tz, or with a zone (…-05:00, …Z)',
  },
  {
    key: 'presses',
    example: '2 | 12# | 1,2@5',
    help: 'keys the caller presses; a comma starts a new entry, @N waits N s',
  },
  {
    key: 'answer',
    example: 'none | any | desk | desk@12 | +15551234@3',
    help: 'who answers when rung (after N s, default 5): device, user:ID or number',
  },
  { key: 'busy', example: 'desk,cell | all', help: 'targets that are busy' },
  { key: 'fail', example: 'cell | all', help: 'targets that cannot be reached' },
  {
    key: 'desktop',
    example: 'voicemail@4 | none',
    help: 'the choice clicked in each notification in turn (after N s, default 3)',
  },
  { key: 'hangup', example: '40', help: 'the caller hangs up N seconds after the start' },
  {
    key: 'speaks',
    example: '20 | 20:key | 20:hang-up',
    help: 'at the voicemail beep the caller speaks N s, then falls silent, presses the key or hangs up',
  },
  { key: 'http', example: '200', help: 'status every webhook answers (default: no network)' },
  { key: 'body', example: '\'{"tier":"gold"}\'', help: 'body every webhook answers' },
  {
    key: 'override',
    example: 'voicemail@5 | forward:+15551234@5 | answer-on:cell@3 | reject:603@2 | attendant@4',
    help: 'the user overrides from the notification window N s after the start',
  },
  { key: 'var.NAME', example: 'var.lang=fr', help: 'a flow variable set at the start' },
];

const TOKEN = /\s*([A-Za-z][\w-]*(?:\.[^\s=]+)?)=("(?:[^"\\]|\\.)*"|'[^']*'|[^\s"']*)/y;

export type ScenarioParse =
  | { readonly ok: true; readonly value: Scenario }
  | { readonly ok: false; readonly issues: FlowIssue[] };

type Ringing = Exclude<CallScript['defaultRinging'], undefined>;

interface Draft {
  top: Record<string, unknown>;
  contactName: string | undefined;
  /** Contact details (code, groups...), kept until the end: `contact=` may come after them. */
  contact: Record<string, unknown>;
  contactKeys: string[];
  user: Record<string, unknown>;
  calendar: Record<string, unknown>;
  ringing: Record<string, Ringing>;
  defaultRinging: Ringing | undefined;
  variables: Record<string, string>;
  fields: Record<string, string>;
  overrides: { afterSeconds: number; spec: string; key: string }[];
  http: { status?: number; body?: string };
}

/**
 * Reads the text form into a checked Scenario; every problem is reported with its key. `base`
 * supplies what the text leaves out (the CLI's `--user` fills the user from the store); the
 * text's keys win, field by field for the user and the contact.
 */
export function parseScenario(text: string, base: ScenarioInput = {}): ScenarioParse {
  const issues: FlowIssue[] = [];
  const draft: Draft = {
    top: {},
    contactName: undefined,
    contact: {},
    contactKeys: [],
    user: {},
    calendar: {},
    ringing: {},
    defaultRinging: undefined,
    variables: {},
    fields: {},
    overrides: [],
    http: {},
  };
  const seen = new Set<string>();
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (m === null) {
      const rest = text.slice(pos).trim();
      const word = rest.split(/\s+/)[0] ?? rest;
      issues.push({ path: '', message: `expected key=value, got "${word}"` });
      break;
    }
    pos = TOKEN.lastIndex;
    const key = m[1] ?? '';
    const value = unquote(m[2] ?? '');
    const repeatable = key.startsWith('field.') || key.startsWith('var.');
    if (seen.has(key) && !repeatable) {
      issues.push({ path: key, message: 'given twice' });
      continue;
    }
    seen.add(key);
    const problem = apply(draft, key, value);
    if (problem !== undefined) issues.push({ path: key, message: problem });
  }
  if (issues.length > 0) return { ok: false, issues };

  if (draft.contactName === undefined && draft.contactKeys.length > 0) {
    return {
      ok: false,
      issues: draft.contactKeys.map((key) => ({
        path: key,
        message: 'describes the contact: give contact="Name" too',
      })),
    };
  }
  const userId = typeof draft.user['id'] === 'string' ? draft.user['id'] : 'alice';
  const overrides: { afterSeconds: number; decision: OverrideDecision }[] = [];
  for (const entry of draft.overrides) {
    const decision = overrideDecision(entry.spec, userId);
    if (typeof decision === 'string') issues.push({ path: entry.key, message: decision });
    else overrides.push({ afterSeconds: entry.afterSeconds, decision });
  }
  if (draft.http.body !== undefined && draft.http.status === undefined) {
    issues.push({ path: 'body', message: 'give http=STATUS with the body' });
  }
  if (issues.length > 0) return { ok: false, issues };

  const input: Record<string, unknown> = { ...base, ...draft.top };
  if (draft.contactName !== undefined) {
    input['contact'] = { ...draft.contact, name: draft.contactName, fields: draft.fields };
  }
  if (Object.keys(draft.user).length > 0) input['user'] = { ...base.user, ...draft.user };
  if (Object.keys(draft.calendar).length > 0) {
    input['calendar'] = { ...base.calendar, ...draft.calendar };
  }
  if (Object.keys(draft.ringing).length > 0) {
    input['ringing'] = { ...base.ringing, ...draft.ringing };
  }
  if (draft.defaultRinging !== undefined) input['defaultRinging'] = draft.defaultRinging;
  if (Object.keys(draft.variables).length > 0) input['variables'] = draft.variables;
  if (overrides.length > 0) input['overrides'] = overrides;
  if (draft.http.status !== undefined) input['http'] = draft.http;
  const checked = checkScenario(input);
  return checked.ok
    ? { ok: true, value: checked.value }
    : {
        ok: false,
        issues: checked.issues.map((issue) => ({ ...issue, path: keyForPath(issue.path) })),
      };
}

/** Where a key of the text form writes, so a schema issue names the key the person typed. */
function keyForPath(path: string): string {
  const pairs: [RegExp, string][] = [
    [/^contact\.code/, 'code'],
    [/^contact\.groups/, 'groups'],
    [/^contact\.emails/, 'email'],
    [/^contact\.organization/, 'org'],
    [/^contact\.fields/, 'field'],
    [/^contact/, 'contact'],
    [/^user\.timezone/, 'tz'],
    [/^user\.devices/, 'devices'],
    [/^user\.handlingCodes/, 'codes'],
    [/^user\.attendantId/, 'attendant'],
    [/^user\.name/, 'username'],
    [/^user/, 'user'],
    [/^callerName/, 'name'],
    [/^calendar\.inMeetingNow/, 'meeting'],
    [/^calendar\.callerIsAttendeeToday/, 'attendee'],
    [/^(ringing|defaultRinging)/, 'answer'],
    [/^keys/, 'presses'],
    [/^desktopChoice/, 'desktop'],
    [/^hangUpAfterSeconds/, 'hangup'],
    [/^speaks/, 'speaks'],
    [/^variables/, 'var'],
    [/^overrides/, 'override'],
    [/^http\.body/, 'body'],
    [/^http/, 'http'],
  ];
  for (const [pattern, key] of pairs) if (pattern.test(path)) return key;
  return path.split(/[.[]/)[0] ?? path;
}

function unquote(raw: string): string {
  if (raw.startsWith('"')) return raw.slice(1, -1).replace(/\\(.)/g, '$1');
  if (raw.startsWith("'")) return raw.slice(1, -1);
  return raw;
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');

/** `spec@N` -> [spec, N]; undefined seconds when there is no `@`. */
function splitAt(entry: string): [string, number | undefined] | string {
  const at = entry.lastIndexOf('@');
  if (at < 0) return [entry, undefined];
  const secondsText = entry.slice(at + 1);
  const seconds = Number(secondsText);
  if (secondsText === '' || !Number.isFinite(seconds) || seconds < 0) {
    return `"${secondsText}" after @ is not a number of seconds`;
  }
  return [entry.slice(0, at), seconds];
}

const yesNo = (value: string): boolean | string =>
  /^(yes|true|1)$/i.test(value)
    ? true
    : /^(no|false|0)$/i.test(value)
      ? false
      : 'must be yes or no';

/** A ring target as the call script names it: `device:desk`, `number:+1...`, `user:carol`. */
function targetKey(text: string): string {
  if (/^(device|number|user):/.test(text)) return text;
  if (text.startsWith('+')) return `number:${text}`;
  return `device:${text}`;
}

function apply(draft: Draft, key: string, value: string): string | undefined {
  const contactKey = (field: string, v: unknown): string | undefined => {
    draft.contactKeys.push(key);
    draft.contact[field] = v;
    return undefined;
  };
  if (key.startsWith('field.')) {
    draft.contactKeys.push(key);
    draft.fields[key.slice('field.'.length)] = value;
    return undefined;
  }
  if (key.startsWith('var.')) {
    draft.variables[key.slice('var.'.length)] = value;
    return undefined;
  }
  switch (key) {
    case 'caller':
      draft.top['caller'] = value;
      return undefined;
    case 'name':
      draft.top['callerName'] = value;
      return undefined;
    case 'called':
      draft.top['called'] = value;
      return undefined;
    case 'contact':
      draft.contactName = value;
      return undefined;
    case 'code':
      return contactKey('code', value);
    case 'groups':
      return contactKey('groups', list(value));
    case 'email':
      return contactKey('emails', list(value));
    case 'org':
      return contactKey('organization', value);
    case 'user':
      draft.user['id'] = value;
      return undefined;
    case 'username':
      draft.user['name'] = value;
      return undefined;
    case 'tz':
      draft.user['timezone'] = value;
      return undefined;
    case 'codes':
      draft.user['handlingCodes'] = list(value);
      return undefined;
    case 'attendant':
      draft.user['attendantId'] = value === 'none' ? null : value;
      return undefined;
    case 'devices': {
      const devices = [];
      for (const entry of list(value)) {
        const [id = '', kind = 'sip'] = entry.split(':');
        if (kind !== 'sip' && kind !== 'external') {
          return `device "${entry}": the kind after : is sip or external`;
        }
        devices.push({ id, kind });
      }
      draft.user['devices'] = devices;
      return undefined;
    }
    case 'status':
      draft.top['status'] = value;
      return undefined;
    case 'meeting':
    case 'attendee': {
      const flag = yesNo(value);
      if (typeof flag === 'string') return flag;
      draft.calendar[key === 'meeting' ? 'inMeetingNow' : 'callerIsAttendeeToday'] = flag;
      return undefined;
    }
    case 'at':
      draft.top['at'] = value;
      return undefined;
    case 'presses': {
      const keys = [];
      for (const entry of list(value)) {
        const split = splitAt(entry);
        if (typeof split === 'string') return split;
        const [digits, afterSeconds] = split;
        keys.push({ digits, ...(afterSeconds === undefined ? {} : { afterSeconds }) });
      }
      draft.top['keys'] = keys;
      return undefined;
    }
    case 'answer': {
      for (const entry of list(value)) {
        const split = splitAt(entry);
        if (typeof split === 'string') return split;
        const [who, afterSeconds] = split;
        const behaviour: Ringing = {
          outcome: 'answer',
          ...(afterSeconds === undefined ? {} : { afterSeconds }),
        };
        if (who === 'none') draft.defaultRinging = { outcome: 'no-answer' };
        else if (who === 'any' || who === 'all') draft.defaultRinging = behaviour;
        else draft.ringing[targetKey(who)] = behaviour;
      }
      return undefined;
    }
    case 'busy':
    case 'fail': {
      const behaviour: Ringing = key === 'busy' ? { outcome: 'busy' } : { outcome: 'fail' };
      for (const who of list(value)) {
        if (who === 'all' || who === 'any') draft.defaultRinging = behaviour;
        else draft.ringing[targetKey(who)] = behaviour;
      }
      return undefined;
    }
    case 'desktop': {
      const choices = [];
      for (const entry of list(value)) {
        if (entry === 'none') {
          choices.push(null);
          continue;
        }
        const split = splitAt(entry);
        if (typeof split === 'string') return split;
        const [choiceId, afterSeconds] = split;
        choices.push({ choiceId, ...(afterSeconds === undefined ? {} : { afterSeconds }) });
      }
      draft.top['desktopChoice'] = choices.length === 1 ? choices[0] : choices;
      return undefined;
    }
    case 'hangup': {
      const seconds = Number(value);
      if (value === '' || !Number.isFinite(seconds)) return `"${value}" is not a number of seconds`;
      draft.top['hangUpAfterSeconds'] = seconds;
      return undefined;
    }
    case 'speaks': {
      const [secondsText = '', ends = 'silence'] = value.split(':');
      const seconds = Number(secondsText);
      if (secondsText === '' || !Number.isFinite(seconds)) {
        return `"${secondsText}" is not a number of seconds`;
      }
      draft.top['speaks'] = { seconds, ends };
      return undefined;
    }
    case 'http': {
      const status = Number(value);
      if (!Number.isInteger(status)) return `"${value}" is not an HTTP status code`;
      draft.http.status = status;
      return undefined;
    }
    case 'body':
      draft.http.body = value;
      return undefined;
    case 'override': {
      for (const entry of list(value)) {
        const split = splitAt(entry);
        if (typeof split === 'string') return split;
        const [spec, afterSeconds] = split;
        if (afterSeconds === undefined)
          return `"${entry}": say when with @SECONDS, e.g. voicemail@5`;
        draft.overrides.push({ spec, afterSeconds, key });
      }
      return undefined;
    }
    default:
      return `unknown key; known keys: ${SCENARIO_KEYS.map((k) => k.key).join(', ')}`;
  }
}

/** `voicemail`, `attendant`, `reject[:CODE]`, `forward:TARGET`, `answer-on:DEVICE`. */
function overrideDecision(spec: string, userId: string): OverrideDecision | string {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const arg = colon < 0 ? '' : spec.slice(colon + 1);
  switch (kind) {
    case 'voicemail':
    case 'attendant':
      return arg === '' ? { kind } : `"${spec}": ${kind} takes nothing after it`;
    case 'reject': {
      if (arg === '') return { kind };
      const code = Number(arg);
      return Number.isInteger(code) ? { kind, code } : `"${arg}" is not a SIP code`;
    }
    case 'answer-on':
      return arg === ''
        ? `"${spec}": say which device, e.g. answer-on:cell`
        : { kind, deviceId: arg };
    case 'forward': {
      if (arg === '') return `"${spec}": say where, e.g. forward:+15551234 or forward:user:carol`;
      return { kind, target: ringTarget(arg, userId) };
    }
    default:
      return `"${spec}": an override is voicemail, attendant, reject[:CODE], forward:TARGET or answer-on:DEVICE`;
  }
}

function ringTarget(text: string, userId: string): RingTarget {
  const key = targetKey(text);
  const kind = key.slice(0, key.indexOf(':'));
  const rest = key.slice(key.indexOf(':') + 1);
  if (kind === 'number') return { kind: 'number', number: rest };
  if (kind === 'user') return { kind: 'user', userId: rest };
  const slash = rest.indexOf('/');
  return slash < 0
    ? { kind: 'device', userId, deviceId: rest }
    : { kind: 'device', userId: rest.slice(0, slash), deviceId: rest.slice(slash + 1) };
}
