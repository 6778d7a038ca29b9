import type {
  ApiToken,
  CalendarEvent,
  CallRecord,
  CallStep,
  Contact,
  ContactInput,
  Device,
  DeviceInput,
  Flow,
  FlowVersion,
  Greeting,
  GreetingInput,
  GreetingSlot,
  HandlingCode,
  HandlingCodeInput,
  PhoneNumber,
  Registration,
  RegistrationChanges,
  Session,
  StatusSetting,
  StatusSettingInput,
  Trunk,
  TrunkInput,
  User,
  UserInput,
  Voicemail,
} from '../model/index.js';

/**
 * Persistence ports of the domain. The persistence layer implements them once for SQLite and
 * PostgreSQL; services depend only on these interfaces.
 *
 * Conventions: `get*`/`find*` return `undefined` when absent; `put` inserts or replaces by the
 * entity's key and stamps `updatedAt` (and `createdAt` on insert); `delete` returns whether a
 * row went away. Times are epoch milliseconds.
 */
export interface UserRepository {
  get(id: string): Promise<User | undefined>;
  findByEmail(email: string): Promise<User | undefined>;
  list(): Promise<User[]>;
  count(): Promise<number>;
  put(user: UserInput): Promise<User>;
  delete(id: string): Promise<boolean>;
}

export interface NumberRepository {
  get(e164: string): Promise<PhoneNumber | undefined>;
  listByUser(userId: string): Promise<PhoneNumber[]>;
  list(): Promise<PhoneNumber[]>;
  /** Assigns the number to the user (moving it if another user had it). */
  put(e164: string, userId: string): Promise<PhoneNumber>;
  delete(e164: string): Promise<boolean>;
}

export interface DeviceRepository {
  get(userId: string, id: string): Promise<Device | undefined>;
  findBySipUsername(username: string): Promise<Device | undefined>;
  listByUser(userId: string): Promise<Device[]>;
  put(device: DeviceInput): Promise<Device>;
  delete(userId: string, id: string): Promise<boolean>;
}

export interface TrunkRepository {
  get(id: string): Promise<Trunk | undefined>;
  list(): Promise<Trunk[]>;
  put(trunk: TrunkInput): Promise<Trunk>;
  delete(id: string): Promise<boolean>;
}

export interface HandlingCodeRepository {
  get(userId: string, code: string): Promise<HandlingCode | undefined>;
  listByUser(userId: string): Promise<HandlingCode[]>;
  put(code: HandlingCodeInput): Promise<HandlingCode>;
  delete(userId: string, code: string): Promise<boolean>;
}

export interface FlowRepository {
  get(userId: string, id: string): Promise<Flow | undefined>;
  listByUser(userId: string): Promise<Flow[]>;
  /** The given version, or the current one when `version` is omitted. */
  getVersion(userId: string, id: string, version?: number): Promise<FlowVersion | undefined>;
  listVersions(userId: string, id: string): Promise<FlowVersion[]>;
  /** Creates the flow if needed and appends a new version holding `document`. */
  saveVersion(userId: string, id: string, name: string, document: unknown): Promise<FlowVersion>;
  /** The version calls run (the published one), or undefined when none is published. */
  getPublished(userId: string, id: string): Promise<FlowVersion | undefined>;
  /**
   * Marks `version` published with its compiled program and makes it the one calls run. A
   * version is published once; publishing an older version again makes it current again.
   */
  publish(userId: string, id: string, version: number, compiled: unknown): Promise<FlowVersion>;
  /** Deletes the flow and all its versions. */
  delete(userId: string, id: string): Promise<boolean>;
}

export interface ContactRepository {
  get(userId: string, id: string): Promise<Contact | undefined>;
  findByExternalId(
    userId: string,
    source: Contact['source'],
    externalId: string,
  ): Promise<Contact | undefined>;
  /** Contacts of the user holding this E.164 number, oldest first (the caller-lookup index). */
  findByPhone(userId: string, e164: string): Promise<Contact[]>;
  listByUser(userId: string, options?: { limit?: number; offset?: number }): Promise<Contact[]>;
  countByUser(userId: string): Promise<number>;
  /** Inserts or replaces the contact and its phone numbers together. */
  put(contact: ContactInput): Promise<Contact>;
  delete(userId: string, id: string): Promise<boolean>;
}

export interface CalendarRepository {
  /** Events overlapping [from, to). */
  listByUser(userId: string, from: number, to: number): Promise<CalendarEvent[]>;
  put(event: Omit<CalendarEvent, 'updatedAt'>): Promise<CalendarEvent>;
  delete(userId: string, id: string): Promise<boolean>;
}

/** Filters of a user's call history; every one given must hold. */
export interface CallListOptions {
  limit?: number;
  /** Only calls started before this time (exclusive): pages back through history. */
  before?: number;
  /** Only calls started at or after this time. */
  from?: number;
  /** Only calls started before this time (exclusive). */
  to?: number;
  /** Only calls from this number (E.164, as recorded); null for calls with no number. */
  callerNumber?: string | null;
  contactId?: string;
  /** Only calls with one of these outcomes. */
  outcomes?: readonly CallRecord['outcome'][];
}

/** A step to append: the store numbers it (`seq`) and knows its call. */
export type CallStepInput = Omit<CallStep, 'seq' | 'callId'>;

export interface CallRepository {
  get(id: string): Promise<CallRecord | undefined>;
  /** Newest first (by start, then id). */
  listByUser(userId: string, options?: CallListOptions): Promise<CallRecord[]>;
  insert(call: CallRecord): Promise<CallRecord>;
  update(
    id: string,
    patch: Partial<Omit<CallRecord, 'id' | 'userId'>>,
  ): Promise<CallRecord | undefined>;
  /** Appends a step; `seq` is assigned by the store in order of arrival. */
  appendStep(step: Omit<CallStep, 'seq'>): Promise<CallStep>;
  /**
   * Appends steps of one call in the order given, numbered after its last step, atomically;
   * resolves with how many. MissingReferenceError when there is no such call.
   */
  appendSteps(callId: string, steps: readonly CallStepInput[]): Promise<number>;
  listSteps(callId: string): Promise<CallStep[]>;
}

/** Filters of a user's voicemail; every one given must hold. */
export interface VoicemailListOptions {
  /** Only heard (true) or only new (false) messages. */
  heard?: boolean;
  /** Only messages from this number (E.164, as recorded); null for withheld callers. */
  callerNumber?: string | null;
  limit?: number;
  /** Only messages left before this time (exclusive): pages back through the mailbox. */
  before?: number;
}

/** How many messages a user has, by state (the message-waiting summary). */
export interface VoicemailCounts {
  readonly unheard: number;
  readonly heard: number;
}

/** What `VoicemailRepository.update` may change. */
export type VoicemailPatch = Partial<
  Pick<
    Voicemail,
    'heard' | 'heardAt' | 'mailStatus' | 'mailAttempts' | 'mailNextAttemptAt' | 'mailError'
  >
>;

export interface VoicemailRepository {
  get(id: string): Promise<Voicemail | undefined>;
  /** Newest first (by creation, then id). */
  listByUser(userId: string, options?: VoicemailListOptions): Promise<Voicemail[]>;
  insert(voicemail: Voicemail): Promise<Voicemail>;
  update(id: string, patch: VoicemailPatch): Promise<Voicemail | undefined>;
  delete(id: string): Promise<boolean>;
  countByUser(userId: string): Promise<VoicemailCounts>;
  /** Messages whose mail is `pending`, the soonest due first, at most `limit`. */
  listMailPending(limit: number): Promise<Voicemail[]>;
  /**
   * Takes the next mail attempt of a pending message: when it is still `pending` with
   * `attempts` attempts made, counts one more and sets `mailNextAttemptAt` to `leaseUntil` (so
   * another instance scanning the store leaves it alone meanwhile), and resolves the updated
   * message; otherwise (sent, failed, deleted, or another instance took that attempt) undefined.
   */
  claimMailAttempt(
    id: string,
    attempts: number,
    leaseUntil: number,
  ): Promise<Voicemail | undefined>;
  /** Heard messages heard (or, when that is unknown, left) before `cutoff`, oldest first. */
  listHeardBefore(cutoff: number, limit: number): Promise<Voicemail[]>;
}

/** Greetings by user, slot and ref (handling code or contact id; empty for user-wide slots). */
export interface GreetingRepository {
  get(userId: string, slot: GreetingSlot, ref: string): Promise<Greeting | undefined>;
  /** The user's greetings by slot, then ref. */
  listByUser(userId: string): Promise<Greeting[]>;
  /** Inserts or replaces the greeting of its slot and ref. */
  put(greeting: GreetingInput): Promise<Greeting>;
  delete(userId: string, slot: GreetingSlot, ref: string): Promise<boolean>;
}

export interface AuthRepository {
  putSession(session: Session): Promise<void>;
  getSession(tokenHash: string): Promise<Session | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  deleteExpiredSessions(now: number): Promise<number>;
  /** Deletes all sessions of a user but the one hashed `exceptTokenHash`; returns how many went. */
  deleteSessionsOfUser(userId: string, exceptTokenHash?: string): Promise<number>;
  putApiToken(token: ApiToken): Promise<void>;
  findApiToken(tokenHash: string): Promise<ApiToken | undefined>;
  listApiTokens(userId: string): Promise<ApiToken[]>;
  touchApiToken(id: string, at: number): Promise<void>;
  deleteApiToken(userId: string, id: string): Promise<boolean>;
}

/**
 * SIP registrations (the registrar's location service, RFC 3261 §10). A registration whose
 * `expiresAt` is at or before `now` is expired: readers never see it, `purgeExpired` deletes it.
 */
export interface RegistrationRepository {
  /** The unexpired registrations of `aor`, ordered by key. */
  list(aor: string, now: number): Promise<Registration[]>;
  /**
   * Applies `changes` to `aor` atomically (all of it or none of it): removes the keys listed,
   * then inserts or replaces each `put` by key (the last one wins for a key given twice). A put
   * for another AOR, or with a value that cannot be stored, is a RangeError before anything is
   * written.
   */
  apply(aor: string, changes: RegistrationChanges): Promise<void>;
  /** Deletes every registration expired at `now`; resolves how many went. */
  purgeExpired(now: number): Promise<number>;
  /** The unexpired registrations linked to the user's devices, by device, AOR and key. */
  listForUser(userId: string, now: number): Promise<Registration[]>;
}

/** The status each user set by hand (at most one per user). */
export interface UserStatusRepository {
  get(userId: string): Promise<StatusSetting | undefined>;
  /** Inserts or replaces the user's setting, stamping `updatedAt`. */
  put(setting: StatusSettingInput): Promise<StatusSetting>;
  delete(userId: string): Promise<boolean>;
}

/** All repositories over one connection or one transaction. */
export interface Repositories {
  readonly users: UserRepository;
  readonly numbers: NumberRepository;
  readonly devices: DeviceRepository;
  readonly trunks: TrunkRepository;
  readonly handlingCodes: HandlingCodeRepository;
  readonly flows: FlowRepository;
  readonly contacts: ContactRepository;
  readonly calendar: CalendarRepository;
  readonly calls: CallRepository;
  readonly voicemails: VoicemailRepository;
  readonly greetings: GreetingRepository;
  readonly auth: AuthRepository;
  readonly statuses: UserStatusRepository;
  readonly registrations: RegistrationRepository;
}

export interface Store extends Repositories {
  /** Which engine backs the store, for `doctor` and logs. */
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `work` in one database transaction: every write inside commits together or, if `work`
   * throws, none does. Nested calls join the outer transaction; they are not savepoints, so a
   * failure inside one must be let through to the outer `work` (whose throw rolls everything
   * back) rather than caught and carried on from.
   */
  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
  /**
   * Like `transaction`, for many small writes that are expected to succeed: they are not each
   * isolated in a savepoint (two statements fewer per write), so the first one that fails
   * rolls the whole batch back and the error comes out. The call journal's group commit.
   */
  batch<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
  /**
   * A token that changes whenever users, numbers, devices, handling codes, flows, statuses or
   * calendar events change, whoever changed them (this process, the CLI, another instance):
   * what the settings cache compares to know its lookups still hold.
   */
  settingsVersion(): Promise<string>;
  close(): Promise<void>;
}
