import type { Repositories } from '../../domain/ports/store.js';
import type { DbAccess } from '../db-access.js';
import { SqlAuthRepository } from './auth.js';
import { SqlCalendarRepository } from './calendar.js';
import { SqlCallRepository } from './calls.js';
import { SqlContactRepository } from './contacts.js';
import { SqlDeviceRepository } from './devices.js';
import { SqlFlowRepository } from './flows.js';
import { SqlGreetingRepository } from './greetings.js';
import { SqlHandlingCodeRepository } from './handling-codes.js';
import { SqlNumberRepository } from './numbers.js';
import { SqlRegistrationRepository } from './registrations.js';
import { SqlTrunkRepository } from './trunks.js';
import { SqlUserRepository } from './users.js';
import { SqlUserStatusRepository } from './user-statuses.js';
import { SqlVoicemailRepository } from './voicemails.js';

/** Every repository over one `DbAccess` (the pool, or one transaction). */
export function createRepositories(access: DbAccess): Repositories {
  return {
    users: new SqlUserRepository(access),
    numbers: new SqlNumberRepository(access),
    devices: new SqlDeviceRepository(access),
    trunks: new SqlTrunkRepository(access),
    handlingCodes: new SqlHandlingCodeRepository(access),
    flows: new SqlFlowRepository(access),
    contacts: new SqlContactRepository(access),
    calendar: new SqlCalendarRepository(access),
    calls: new SqlCallRepository(access),
    voicemails: new SqlVoicemailRepository(access),
    greetings: new SqlGreetingRepository(access),
    auth: new SqlAuthRepository(access),
    statuses: new SqlUserStatusRepository(access),
    registrations: new SqlRegistrationRepository(access),
  };
}
