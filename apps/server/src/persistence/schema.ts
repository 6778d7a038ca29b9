/**
 * Row types of the tables as the database holds them (snake_case, portable types only):
 * times are epoch-millisecond integers, booleans 0/1 integers, lists and documents JSON text.
 * `repositories/mapping.ts` turns rows into domain entities and back.
 */

/** 0 or 1: SQLite has no boolean type, so both dialects store integers. */
export type Flag = 0 | 1;

export interface UsersTable {
  id: string;
  name: string;
  email: string;
  password_hash: string;
  timezone: string;
  country: string;
  role: string;
  attendant_id: string | null;
  default_handling: string;
  unknown_handling: string;
  /** Null: anonymous callers get unknown_handling (migration 0004). */
  anonymous_handling: string | null;
  created_at: number;
  updated_at: number;
}

export interface NumbersTable {
  e164: string;
  user_id: string;
  created_at: number;
}

export interface DevicesTable {
  user_id: string;
  id: string;
  kind: string;
  name: string;
  sip_username: string | null;
  sip_password: string | null;
  number: string | null;
  created_at: number;
  updated_at: number;
}

export interface TrunksTable {
  id: string;
  host: string;
  port: number;
  /** JSON array of trusted source addresses. */
  inbound: string;
  username: string | null;
  password: string | null;
  /** `request-uri` or `to` (migration 0005). */
  called_number_from: string;
  created_at: number;
  updated_at: number;
}

export interface HandlingCodesTable {
  user_id: string;
  code: string;
  method: string;
  description: string | null;
  created_at: number;
  updated_at: number;
}

export interface FlowsTable {
  user_id: string;
  id: string;
  name: string;
  current_version: number;
  /** The version calls run; null until one is published. */
  published_version: number | null;
  created_at: number;
  updated_at: number;
}

export interface FlowVersionsTable {
  user_id: string;
  flow_id: string;
  version: number;
  /** JSON text of the flow map. */
  document: string;
  /** JSON text of the compiled program, set when the version is published. */
  compiled: string | null;
  published_at: number | null;
  created_at: number;
}

export interface ContactsTable {
  user_id: string;
  id: string;
  source: string;
  external_id: string | null;
  name: string;
  /** Lower-cased name, computed in app code so both dialects sort contacts alike. */
  sort_name: string;
  organization: string | null;
  /** JSON array of e-mail addresses. */
  emails: string;
  handling_code: string | null;
  created_at: number;
  updated_at: number;
}

export interface ContactPhonesTable {
  user_id: string;
  contact_id: string;
  /** Order of the number in the contact, from 0. */
  position: number;
  e164: string;
  raw: string;
  type: string | null;
}

export interface CalendarEventsTable {
  user_id: string;
  id: string;
  uid: string;
  summary: string;
  starts_at: number;
  ends_at: number;
  all_day: Flag;
  busy: Flag;
  out_of_office: Flag;
  /** JSON array of lower-case e-mail addresses. */
  attendees: string;
  updated_at: number;
}

export interface CallsTable {
  id: string;
  user_id: string;
  direction: string;
  caller_number: string | null;
  caller_name: string | null;
  called_number: string;
  contact_id: string | null;
  handling_code: string | null;
  flow_id: string | null;
  flow_version: number | null;
  outcome: string;
  started_at: number;
  answered_at: number | null;
  ended_at: number | null;
  /** Seq of the last step appended; bumped under the row lock to number steps atomically. */
  last_step_seq: number;
  /** Who answered (`device:desk`, `number:+1...`, `system`), null until someone did. */
  answered_by: string | null;
}

export interface UserStatusesTable {
  user_id: string;
  status: string;
  until: number | null;
  note: string | null;
  updated_at: number;
}

export interface CallStepsTable {
  call_id: string;
  seq: number;
  at: number;
  kind: string;
  /** JSON object. */
  detail: string;
}

export interface VoicemailsTable {
  id: string;
  user_id: string;
  call_id: string | null;
  caller_number: string | null;
  contact_id: string | null;
  path: string;
  duration_ms: number;
  heard: Flag;
  mail_status: string;
  created_at: number;
  // Migration 0006 (the voicemail service).
  caller_name: string | null;
  handling_code: string | null;
  heard_at: number | null;
  mail_attempts: number;
  mail_next_attempt_at: number | null;
  mail_error: string | null;
}

export interface GreetingsTable {
  user_id: string;
  slot: string;
  /** Handling code or contact id; '' for the user-wide slots. */
  ref: string;
  kind: string;
  path: string | null;
  text: string | null;
  voice: string | null;
  duration_ms: number | null;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
}

export interface RegistrationsTable {
  aor: string;
  /** The registrar's binding key, unique within the AOR. */
  binding_key: string;
  contact: string;
  expires_at: number;
  call_id: string;
  cseq: number;
  q: number | null;
  instance_id: string | null;
  /** JSON array of Path header values. */
  path: string;
  source_transport: string;
  source_host: string;
  source_port: number;
  source_connection_id: string | null;
  user_agent: string | null;
  updated_at: number;
  /** The owning device, both null or both set. */
  user_id: string | null;
  device_id: string | null;
}

/** One row: the version `SettingsCache` compares (migration 0007). bigint: a string on pg. */
export interface SettingsVersionTable {
  id: number;
  version: number | string;
}

export interface Database {
  settings_version: SettingsVersionTable;
  users: UsersTable;
  numbers: NumbersTable;
  devices: DevicesTable;
  trunks: TrunksTable;
  handling_codes: HandlingCodesTable;
  flows: FlowsTable;
  flow_versions: FlowVersionsTable;
  contacts: ContactsTable;
  contact_phones: ContactPhonesTable;
  calendar_events: CalendarEventsTable;
  calls: CallsTable;
  call_steps: CallStepsTable;
  voicemails: VoicemailsTable;
  greetings: GreetingsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  user_statuses: UserStatusesTable;
  registrations: RegistrationsTable;
}

/** The engines the store runs on. */
export type DialectName = 'sqlite' | 'postgres';
