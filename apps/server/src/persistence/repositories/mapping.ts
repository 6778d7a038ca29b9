import type {
  ApiToken,
  CalendarEvent,
  CallDirection,
  CallOutcome,
  CallRecord,
  CallStep,
  Contact,
  ContactPhone,
  ContactSource,
  Device,
  DeviceInput,
  Flow,
  FlowVersion,
  Greeting,
  GreetingInput,
  GreetingKind,
  GreetingSlot,
  HandlingCode,
  MailStatus,
  PhoneNumber,
  PresenceStatus,
  Role,
  Session,
  StatusSetting,
  StatusSettingInput,
  Trunk,
  User,
  UserInput,
  Voicemail,
} from '../../domain/model/index.js';
import type {
  ApiTokensTable,
  CalendarEventsTable,
  CallsTable,
  CallStepsTable,
  ContactPhonesTable,
  ContactsTable,
  DevicesTable,
  Flag,
  FlowsTable,
  FlowVersionsTable,
  GreetingsTable,
  HandlingCodesTable,
  NumbersTable,
  SessionsTable,
  TrunksTable,
  UserStatusesTable,
  UsersTable,
  VoicemailsTable,
} from '../schema.js';

// Row <-> entity mapping shared by the repositories. Rows are read back exactly as written, so
// the string unions (role, kind, outcome...) are narrowed by cast: the writers only ever store
// values of the domain types.

export function toFlag(value: boolean): Flag {
  return value ? 1 : 0;
}

export function fromFlag(value: number): boolean {
  return value !== 0;
}

/** JSON text for a column; refuses values JSON cannot hold (undefined, functions). */
export function toJson(value: unknown, what: string): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError(`${what} must be a JSON value`);
  return text;
}

/** Parses a JSON column, naming the column if the stored text is not JSON. */
export function fromJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`stored ${what} is not valid JSON`);
  }
}

function stringList(text: string, what: string): string[] {
  const value = fromJson(text, what);
  return Array.isArray(value) ? value.map(String) : [];
}

/** Rows never hold NULL where the schema's CHECK forbids it; say so loudly if one does. */
function present<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`stored ${what} is missing`);
  return value;
}

// --- users -----------------------------------------------------------------------------------

export function toUserRow(user: UserInput, now: number): UsersTable {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    password_hash: user.passwordHash,
    timezone: user.timezone,
    country: user.country,
    role: user.role,
    attendant_id: user.attendantId,
    default_handling: user.defaultHandling,
    unknown_handling: user.unknownHandling,
    anonymous_handling: user.anonymousHandling ?? null,
    created_at: now,
    updated_at: now,
  };
}

export function toUser(row: UsersTable): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    passwordHash: row.password_hash,
    timezone: row.timezone,
    country: row.country,
    role: row.role as Role,
    attendantId: row.attendant_id,
    defaultHandling: row.default_handling,
    unknownHandling: row.unknown_handling,
    ...(row.anonymous_handling === null ? {} : { anonymousHandling: row.anonymous_handling }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

// --- numbers, devices, trunks, handling codes -------------------------------------------------

export function toPhoneNumber(row: NumbersTable): PhoneNumber {
  return { e164: row.e164, userId: row.user_id, createdAt: row.created_at };
}

export function toDeviceRow(device: DeviceInput, now: number): DevicesTable {
  const base = {
    user_id: device.userId,
    id: device.id,
    kind: device.kind,
    name: device.name,
    created_at: now,
    updated_at: now,
  };
  return device.kind === 'sip'
    ? { ...base, sip_username: device.sipUsername, sip_password: device.sipPassword, number: null }
    : { ...base, sip_username: null, sip_password: null, number: device.number };
}

export function toDevice(row: DevicesTable): Device {
  const base = {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.kind === 'sip') {
    return {
      ...base,
      kind: 'sip',
      sipUsername: present(row.sip_username, 'device sip_username'),
      sipPassword: present(row.sip_password, 'device sip_password'),
    };
  }
  return { ...base, kind: 'external', number: present(row.number, 'device number') };
}

export function toTrunk(row: TrunksTable): Trunk {
  return {
    id: row.id,
    host: row.host,
    port: row.port,
    inbound: stringList(row.inbound, 'trunk inbound addresses'),
    username: row.username,
    password: row.password,
    calledNumberFrom: row.called_number_from === 'to' ? 'to' : 'request-uri',
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toHandlingCode(row: HandlingCodesTable): HandlingCode {
  return {
    userId: row.user_id,
    code: row.code,
    method: row.method,
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

// --- flows -----------------------------------------------------------------------------------

export function toFlow(row: FlowsTable): Flow {
  return {
    userId: row.user_id,
    id: row.id,
    name: row.name,
    currentVersion: row.current_version,
    publishedVersion: row.published_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toFlowVersion(row: FlowVersionsTable): FlowVersion {
  return {
    userId: row.user_id,
    flowId: row.flow_id,
    version: row.version,
    document: fromJson(row.document, 'flow document'),
    compiled: row.compiled === null ? null : fromJson(row.compiled, 'compiled flow'),
    publishedAt: row.published_at,
    createdAt: row.created_at,
  };
}

// --- contacts --------------------------------------------------------------------------------

/** Lower-cased in app code (not SQL `lower`, which is ASCII-only in SQLite) so both sort alike. */
export function sortName(name: string): string {
  return name.toLowerCase();
}

export function toContactRow(
  contact: Omit<Contact, 'createdAt' | 'updatedAt' | 'phones'>,
  now: number,
): ContactsTable {
  return {
    user_id: contact.userId,
    id: contact.id,
    source: contact.source,
    external_id: contact.externalId,
    name: contact.name,
    sort_name: sortName(contact.name),
    organization: contact.organization,
    emails: toJson(contact.emails, 'contact emails'),
    handling_code: contact.handlingCode,
    created_at: now,
    updated_at: now,
  };
}

export function toContactPhoneRows(
  userId: string,
  contactId: string,
  phones: readonly ContactPhone[],
): ContactPhonesTable[] {
  return phones.map((phone, position) => ({
    user_id: userId,
    contact_id: contactId,
    position,
    e164: phone.e164,
    raw: phone.raw,
    type: phone.type,
  }));
}

export function toContactPhone(row: ContactPhonesTable): ContactPhone {
  return { e164: row.e164, raw: row.raw, type: row.type };
}

export function toContact(row: ContactsTable, phones: readonly ContactPhone[]): Contact {
  return {
    id: row.id,
    userId: row.user_id,
    source: row.source as ContactSource,
    externalId: row.external_id,
    name: row.name,
    organization: row.organization,
    emails: stringList(row.emails, 'contact emails'),
    phones,
    handlingCode: row.handling_code,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

// --- calendar --------------------------------------------------------------------------------

export function toCalendarRow(
  event: Omit<CalendarEvent, 'updatedAt'>,
  now: number,
): CalendarEventsTable {
  return {
    user_id: event.userId,
    id: event.id,
    uid: event.uid,
    summary: event.summary,
    starts_at: event.startsAt,
    ends_at: event.endsAt,
    all_day: toFlag(event.allDay),
    busy: toFlag(event.busy),
    out_of_office: toFlag(event.outOfOffice),
    attendees: toJson(event.attendees, 'calendar attendees'),
    updated_at: now,
  };
}

export function toCalendarEvent(row: CalendarEventsTable): CalendarEvent {
  return {
    id: row.id,
    userId: row.user_id,
    uid: row.uid,
    summary: row.summary,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    allDay: fromFlag(row.all_day),
    busy: fromFlag(row.busy),
    outOfOffice: fromFlag(row.out_of_office),
    attendees: stringList(row.attendees, 'calendar attendees'),
    updatedAt: row.updated_at,
  };
}

// --- calls -----------------------------------------------------------------------------------

/** Column values for the CallRecord fields present in `call` (for inserts and patches). */
export function toCallColumns(
  call: Partial<Omit<CallRecord, 'id' | 'userId'>>,
): Partial<CallsTable> {
  const columns: Partial<CallsTable> = {};
  if (call.direction !== undefined) columns.direction = call.direction;
  if (call.callerNumber !== undefined) columns.caller_number = call.callerNumber;
  if (call.callerName !== undefined) columns.caller_name = call.callerName;
  if (call.calledNumber !== undefined) columns.called_number = call.calledNumber;
  if (call.contactId !== undefined) columns.contact_id = call.contactId;
  if (call.handlingCode !== undefined) columns.handling_code = call.handlingCode;
  if (call.flowId !== undefined) columns.flow_id = call.flowId;
  if (call.flowVersion !== undefined) columns.flow_version = call.flowVersion;
  if (call.outcome !== undefined) columns.outcome = call.outcome;
  if (call.startedAt !== undefined) columns.started_at = call.startedAt;
  if (call.answeredAt !== undefined) columns.answered_at = call.answeredAt;
  if (call.endedAt !== undefined) columns.ended_at = call.endedAt;
  if (call.answeredBy !== undefined) columns.answered_by = call.answeredBy;
  return columns;
}

export function toCallRow(call: CallRecord): CallsTable {
  return {
    id: call.id,
    user_id: call.userId,
    direction: call.direction,
    caller_number: call.callerNumber,
    caller_name: call.callerName,
    called_number: call.calledNumber,
    contact_id: call.contactId,
    handling_code: call.handlingCode,
    flow_id: call.flowId,
    flow_version: call.flowVersion,
    outcome: call.outcome,
    started_at: call.startedAt,
    answered_at: call.answeredAt,
    ended_at: call.endedAt,
    last_step_seq: 0,
    answered_by: call.answeredBy ?? null,
  };
}

export function toCallRecord(row: CallsTable): CallRecord {
  return {
    id: row.id,
    userId: row.user_id,
    direction: row.direction as CallDirection,
    callerNumber: row.caller_number,
    callerName: row.caller_name,
    calledNumber: row.called_number,
    contactId: row.contact_id,
    handlingCode: row.handling_code,
    flowId: row.flow_id,
    flowVersion: row.flow_version,
    outcome: row.outcome as CallOutcome,
    startedAt: row.started_at,
    answeredAt: row.answered_at,
    endedAt: row.ended_at,
    ...(row.answered_by === null ? {} : { answeredBy: row.answered_by }),
  };
}

export function toCallStep(row: CallStepsTable): CallStep {
  const detail = fromJson(row.detail, 'call step detail');
  return {
    callId: row.call_id,
    seq: row.seq,
    at: row.at,
    kind: row.kind,
    detail:
      typeof detail === 'object' && detail !== null && !Array.isArray(detail)
        ? (detail as Record<string, unknown>)
        : { value: detail },
  };
}

// --- user statuses ---------------------------------------------------------------------------

export function toStatusRow(setting: StatusSettingInput, now: number): UserStatusesTable {
  return {
    user_id: setting.userId,
    status: setting.status,
    until: setting.until,
    note: setting.note,
    updated_at: now,
  };
}

export function toStatusSetting(row: UserStatusesTable): StatusSetting {
  return {
    userId: row.user_id,
    status: row.status as PresenceStatus,
    until: row.until,
    note: row.note,
    updatedAt: row.updated_at,
  };
}

// --- voicemail, sessions, tokens ---------------------------------------------------------------

export function toVoicemailRow(voicemail: Voicemail): VoicemailsTable {
  return {
    id: voicemail.id,
    user_id: voicemail.userId,
    call_id: voicemail.callId,
    caller_number: voicemail.callerNumber,
    contact_id: voicemail.contactId,
    path: voicemail.path,
    duration_ms: voicemail.durationMs,
    heard: toFlag(voicemail.heard),
    mail_status: voicemail.mailStatus,
    created_at: voicemail.createdAt,
    caller_name: voicemail.callerName ?? null,
    handling_code: voicemail.handlingCode ?? null,
    heard_at: voicemail.heardAt ?? null,
    mail_attempts: voicemail.mailAttempts ?? 0,
    mail_next_attempt_at: voicemail.mailNextAttemptAt ?? null,
    mail_error: voicemail.mailError ?? null,
  };
}

export function toVoicemail(row: VoicemailsTable): Voicemail {
  return {
    id: row.id,
    userId: row.user_id,
    callId: row.call_id,
    callerNumber: row.caller_number,
    contactId: row.contact_id,
    path: row.path,
    durationMs: row.duration_ms,
    heard: fromFlag(row.heard),
    mailStatus: row.mail_status as MailStatus,
    createdAt: row.created_at,
    callerName: row.caller_name,
    handlingCode: row.handling_code,
    heardAt: row.heard_at,
    mailAttempts: row.mail_attempts,
    mailNextAttemptAt: row.mail_next_attempt_at,
    mailError: row.mail_error,
  };
}

export function toGreetingRow(
  greeting: GreetingInput,
  createdAt: number,
  updatedAt: number,
): GreetingsTable {
  return {
    user_id: greeting.userId,
    slot: greeting.slot,
    ref: greeting.ref,
    kind: greeting.kind,
    path: greeting.path,
    text: greeting.text,
    voice: greeting.voice,
    duration_ms: greeting.durationMs,
    created_at: createdAt,
    updated_at: updatedAt,
  };
}

export function toGreeting(row: GreetingsTable): Greeting {
  return {
    userId: row.user_id,
    slot: row.slot as GreetingSlot,
    ref: row.ref,
    kind: row.kind as GreetingKind,
    path: row.path,
    text: row.text,
    voice: row.voice,
    durationMs: row.duration_ms,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toSession(row: SessionsTable): Session {
  return {
    tokenHash: row.token_hash,
    userId: row.user_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export function toApiToken(row: ApiTokensTable): ApiToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

/** `row` without the named columns: the part of an upsert that may change on conflict. */
export function without<T extends object, K extends keyof T>(row: T, ...keys: K[]): Omit<T, K> {
  const dropped = new Set<PropertyKey>(keys);
  return Object.fromEntries(Object.entries(row).filter(([key]) => !dropped.has(key))) as Omit<T, K>;
}

/** How many rows a delete or update touched, as the boolean the ports return. */
export function touched(result: { numDeletedRows?: bigint; numUpdatedRows?: bigint }): boolean {
  return (result.numDeletedRows ?? result.numUpdatedRows ?? 0n) > 0n;
}

/** Checks paging options: non-negative integers, or a clear error naming the bad one. */
export function pageOption(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}
