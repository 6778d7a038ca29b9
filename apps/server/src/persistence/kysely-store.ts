import type {
  AuthRepository,
  CalendarRepository,
  CallRepository,
  ContactRepository,
  DeviceRepository,
  FlowRepository,
  GreetingRepository,
  HandlingCodeRepository,
  NumberRepository,
  RegistrationRepository,
  Repositories,
  Store,
  TrunkRepository,
  UserRepository,
  UserStatusRepository,
  VoicemailRepository,
} from '../domain/ports/store.js';
import type { DbConnection } from './db-access.js';
import { createRepositories } from './repositories/index.js';
import type { DialectName } from './schema.js';

/** The Store port over Kysely: the same code on SQLite and PostgreSQL. */
export class KyselyStore implements Store {
  readonly dialect: DialectName;
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
  private closing: Promise<void> | undefined;
  private missingVersions = 0;

  constructor(private readonly connection: DbConnection) {
    this.dialect = connection.dialect;
    // These follow the caller's transaction, if any, so calls made through the store inside
    // `transaction()` join it rather than wait for a connection the transaction holds.
    const repos = createRepositories(connection.access);
    this.users = repos.users;
    this.numbers = repos.numbers;
    this.devices = repos.devices;
    this.trunks = repos.trunks;
    this.handlingCodes = repos.handlingCodes;
    this.flows = repos.flows;
    this.contacts = repos.contacts;
    this.calendar = repos.calendar;
    this.calls = repos.calls;
    this.voicemails = repos.voicemails;
    this.greetings = repos.greetings;
    this.auth = repos.auth;
    this.statuses = repos.statuses;
    this.registrations = repos.registrations;
  }

  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.connection.transaction((access) => work(createRepositories(access)));
  }

  batch<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.connection.batch((access) => work(createRepositories(access)));
  }

  async settingsVersion(): Promise<string> {
    const row = await this.connection.access
      .db()
      .selectFrom('settings_version')
      .select('version')
      .where('id', '=', 1)
      .executeTakeFirst();
    // Triggers keep the row up to date (migration 0007). Should it be gone, every answer is
    // new, so nothing is ever served from a cache that could not tell it is stale.
    if (row === undefined) return `missing ${String((this.missingVersions += 1))}`;
    return String(row.version);
  }

  /** Closes the pool or the SQLite file; later calls fail, repeated close() calls do not. */
  close(): Promise<void> {
    this.closing ??= this.connection.close();
    return this.closing;
  }
}
